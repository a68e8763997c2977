package chat

import (
	"net/http"
	"sync"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/links"
)

// The pictures a conversation shows inline are previews, not downloads.
// Each one needs a link (members reach stored bytes only through
// DownloadMedia's signed links, whose guard checks the reader's role, the
// channel and that the message is still there), but minting one per view of
// the page filled the journal with a DownloadMedia per picture per reload.
// So the server mints one inline link per reader and picture and hands the
// same link out again for as long as it lives: a reload or another tab costs
// no new link and no journal entry, and the browser's cache serves the
// picture. Opening or saving a file still mints a fresh link through
// handleLink, which the journal records as the download it is. (Thumbnails,
// which a later version adds, will be served the same way.)

// previewMargin is how long before a cached link expires the server stops
// handing it out, so the page never gets a link about to die; a link that
// lives less than four margins is handed out for three quarters of its life.
const previewMargin = time.Minute

// previewKey names one reader's preview of one picture.
type previewKey struct{ identity, message, media string }

// previewCache holds the inline links the server has minted. The zero value
// is ready to use; it is safe for concurrent use.
type previewCache struct {
	mu    sync.Mutex
	links map[previewKey]previewEntry
}

// previewEntry is a cached link and until when it is handed out.
type previewEntry struct {
	link  linkReply
	until time.Time
}

// get returns the link cached for k, while it is still to be handed out.
func (c *previewCache) get(k previewKey, now time.Time) (linkReply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.links[k]
	if !ok || !now.Before(e.until) {
		return linkReply{}, false
	}
	return e.link, true
}

// put caches l for k, to be handed out until previewMargin (or a quarter of
// its life, if that is shorter) before it expires, and forgets the links
// that are past that.
func (c *previewCache) put(k previewKey, l linkReply, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.links == nil {
		c.links = map[previewKey]previewEntry{}
	}
	for k, e := range c.links {
		if !now.Before(e.until) {
			delete(c.links, k)
		}
	}
	c.links[k] = previewEntry{link: l, until: l.expires.Add(-min(previewMargin, l.expires.Sub(now)/4))}
}

// forget drops the links to a message's pictures, once it is deleted.
func (c *previewCache) forget(message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.links {
		if k.message == message {
			delete(c.links, k)
		}
	}
}

// handlePreview returns an inline link to a message's picture, for the page
// to show in the conversation: the link minted for this reader and picture
// before, while it lives, or a new one from DownloadMedia.
func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request, p Person) {
	k := previewKey{identity: p.Member.Identity, message: r.PathValue("sid"), media: r.PathValue("media")}
	now := time.Now()
	if l, ok := s.previews.get(k, now); ok {
		reply(w, http.StatusOK, l)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: Channel, Requester: p.Member,
			MessageSID: k.message, MediaSID: k.media, Disposition: links.Inline})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := newLinkReply(res)
	s.previews.put(k, l, now)
	reply(w, http.StatusOK, l)
}
