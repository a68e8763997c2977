package attachments

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/validate"
)

// AttachFile stages a file in the sender's draft for a channel, checked
// exactly as a send is, and returns its preview. Sending the draft (see
// SendMediaMessagePayload.FromDraft) commits the file without copying its
// bytes again; DetachFile discards it; a file never sent expires after
// Config.DraftLifetime and is swept.
//
// In ModeWebchat, attaching replaces the draft's text (and detaching does not
// restore it). In ModeConversations text and files live side by side. Either
// way a draft holds at most Config.FilesPerMessage files, and attaching a
// file with the same name, size and type as one already there is refused
// with ErrDuplicateFile.
//
// Guard: as SendMediaMessage.
const AttachFile Action[AttachFilePayload, AttachFileResult] = "AttachFile"

// AttachFilePayload is AttachFile's payload.
type AttachFilePayload struct {
	Channel string
	Sender  Member
	File    *File
}

// AttachFileResult is AttachFile's result.
type AttachFileResult struct {
	Preview Preview
	Draft   Draft
}

// DetachFile removes a file from the sender's draft and deletes it.
//
// Guard: the sender must be a member of the channel.
const DetachFile Action[DetachFilePayload, DetachFileResult] = "DetachFile"

// DetachFilePayload is DetachFile's payload.
type DetachFilePayload struct {
	Channel  string
	Sender   Member
	MediaSID string
}

// DetachFileResult is DetachFile's result.
type DetachFileResult struct {
	Draft Draft
}

// Preview describes a file in a draft, for the sender's input box.
type Preview struct {
	MediaSID    string `json:"mediaSid"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// Draft is a member's unsent message in a channel.
type Draft struct {
	Channel string    `json:"channel"`
	Text    string    `json:"text"`
	Files   []Preview `json:"files"`
}

type draftKey struct{ channel, identity string }

type draftFile struct {
	media  Media
	staged time.Time
}

type draft struct {
	text  string
	files []draftFile
}

// draftStore holds drafts in memory. Their files live in storage, each with
// a marker under draftsPrefix whose key starts with the time it was staged,
// so that a sweep finds expired files, even those a process that died
// staged, with one listing in time order.
type draftStore struct {
	mu      sync.Mutex
	m       map[draftKey]*draft
	sending map[string]bool // media SIDs taken out of a draft by a send in flight
}

// draftsPrefix holds a marker per staged file: drafts/<unix seconds, 20
// digits>/<media SID>.
const draftsPrefix = "drafts/"

func draftMarker(f draftFile) string {
	return fmt.Sprintf("%s%020d/%s", draftsPrefix, f.staged.Unix(), f.media.SID)
}

func (s *draftStore) view(k draftKey) Draft {
	d := Draft{Channel: k.channel, Files: []Preview{}}
	if dr := s.m[k]; dr != nil {
		d.Text = dr.text
		for _, f := range dr.files {
			d.Files = append(d.Files, preview(f.media))
		}
	}
	return d
}

func preview(m Media) Preview {
	return Preview{MediaSID: m.SID, Name: m.FileName, Size: m.Size, ContentType: m.ContentType}
}

func (s *draftStore) get(k draftKey) *draft {
	if s.m == nil {
		s.m = map[draftKey]*draft{}
	}
	d := s.m[k]
	if d == nil {
		d = &draft{}
		s.m[k] = d
	}
	return d
}

func (s *draftStore) count(k draftKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.m[k]; d != nil {
		return len(d.files)
	}
	return 0
}

// take removes a draft's files and text, for sending; the files stay marked
// as sending, out of the sweep's reach, until restore (the send failed) or
// done (it succeeded).
func (s *draftStore) take(k draftKey) draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.m[k]
	if d == nil {
		return draft{}
	}
	delete(s.m, k)
	if s.sending == nil {
		s.sending = map[string]bool{}
	}
	for _, f := range d.files {
		s.sending[f.media.SID] = true
	}
	return *d
}

func (s *draftStore) restore(k draftKey, taken draft) {
	s.done(taken)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.get(k)
	d.files = append(taken.files, d.files...)
	if d.text == "" {
		d.text = taken.text
	}
}

func (s *draftStore) done(taken draft) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range taken.files {
		delete(s.sending, f.media.SID)
	}
}

// dropOwner removes identity's drafts and returns their files.
func (s *draftStore) dropOwner(identity string) []draftFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	var files []draftFile
	for k, d := range s.m {
		if k.identity == identity {
			files = append(files, d.files...)
			delete(s.m, k)
		}
	}
	return files
}

// Draft returns member's draft in channel.
func (c *Client) Draft(channel string, member Member) Draft {
	c.drafts.mu.Lock()
	defer c.drafts.mu.Unlock()
	return c.drafts.view(draftKey{channel, member.Identity})
}

// SetDraftText sets the text of member's draft in channel. In ModeWebchat a
// draft that holds a file cannot take text: detach the file first.
func (c *Client) SetDraftText(channel string, member Member, text string) (Draft, error) {
	k := draftKey{channel, member.Identity}
	c.drafts.mu.Lock()
	defer c.drafts.mu.Unlock()
	d := c.drafts.get(k)
	if c.cfg.Mode == ModeWebchat && len(d.files) > 0 && text != "" {
		return c.drafts.view(k), &errs.Error{Code: errs.InvalidPayload, Op: "draft",
			Message: "a message holds text or a file; remove the file to type text"}
	}
	d.text = text
	return c.drafts.view(k), nil
}

func (c *Client) guardAttachFile(ctx context.Context, p AttachFilePayload) error {
	if err := c.checkMediaSender(ctx, p.Channel, p.Sender); err != nil {
		return err
	}
	if n := c.drafts.count(draftKey{p.Channel, p.Sender.Identity}); n >= c.cfg.FilesPerMessage {
		return &errs.Error{Code: errs.TooManyFiles, Details: errs.Details{Limit: int64(c.cfg.FilesPerMessage)}}
	}
	return c.stage(ctx, p.File, p.Channel, p.Sender)
}

func (c *Client) attachFile(ctx context.Context, p AttachFilePayload) (AttachFileResult, error) {
	s, err := checkStaged(p.File)
	if err != nil {
		return AttachFileResult{}, err
	}
	k := draftKey{p.Channel, p.Sender.Identity}
	c.drafts.mu.Lock()
	defer c.drafts.mu.Unlock()
	d := c.drafts.get(k)
	in := make([]validate.Attached, len(d.files))
	for i, f := range d.files {
		in[i] = validate.Attached{Name: f.media.FileName, Size: f.media.Size, Type: f.media.ContentType}
	}
	if validate.IsDuplicate(validate.Attached{Name: s.media.FileName, Size: s.media.Size, Type: s.media.ContentType}, in) {
		return AttachFileResult{}, &errs.Error{Code: errs.DuplicateFile}
	}
	if len(d.files) >= c.cfg.FilesPerMessage {
		return AttachFileResult{}, &errs.Error{Code: errs.TooManyFiles, Details: errs.Details{Limit: int64(c.cfg.FilesPerMessage)}}
	}
	f := draftFile{media: s.media, staged: c.now()}
	if _, err := c.store.Put(ctx, draftMarker(f), strings.NewReader(""), storage.Metadata{}); err != nil {
		return AttachFileResult{}, err
	}
	if c.cfg.Mode == ModeWebchat {
		d.text = "" // Flex Webchat: the file replaces the typed text
	}
	d.files = append(d.files, f)
	s.committed.Store(true)
	return AttachFileResult{Preview: preview(s.media), Draft: c.drafts.view(k)}, nil
}

func (c *Client) guardDetachFile(ctx context.Context, p DetachFilePayload) error {
	if !IsMediaSID(p.MediaSID) {
		return &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
	}
	_, err := c.role(ctx, p.Channel, p.Sender)
	return err
}

func (c *Client) detachFile(ctx context.Context, p DetachFilePayload) (DetachFileResult, error) {
	k := draftKey{p.Channel, p.Sender.Identity}
	c.drafts.mu.Lock()
	i := -1
	d := c.drafts.m[k] // look, never create: a miss must not leave an empty draft behind
	if d != nil {
		i = slices.IndexFunc(d.files, func(f draftFile) bool { return f.media.SID == p.MediaSID })
	}
	if i < 0 {
		c.drafts.mu.Unlock()
		return DetachFileResult{}, &errs.Error{Code: errs.NotFound, Message: "the file is not attached"}
	}
	f := d.files[i]
	d.files = slices.Delete(d.files, i, i+1)
	view := c.drafts.view(k)
	c.drafts.mu.Unlock()
	if err := c.deleteMedia(ctx, p.MediaSID, p.Sender.Identity); err != nil {
		return DetachFileResult{Draft: view}, err
	}
	return DetachFileResult{Draft: view}, c.store.Delete(ctx, draftMarker(f))
}

// SweepDrafts deletes the files that have sat in drafts for longer than
// Config.DraftLifetime, including those staged by a process that has since
// stopped, and reports how many. The janitor calls it; hosts without one
// call it themselves.
func (c *Client) SweepDrafts(ctx context.Context) (int, error) {
	cutoff := c.now().Add(-c.cfg.DraftLifetime).Unix()
	n := 0
	for info, err := range c.store.List(ctx, draftsPrefix) {
		if err != nil {
			return n, err
		}
		stamp, sid, ok := strings.Cut(strings.TrimPrefix(info.Key, draftsPrefix), "/")
		staged, perr := strconv.ParseInt(stamp, 10, 64)
		if !ok || perr != nil || !IsMediaSID(sid) {
			continue // not ours
		}
		if staged >= cutoff {
			break // markers come in time order: the rest are fresh
		}
		if !c.drafts.expire(sid) {
			continue // being sent right now
		}
		if err := c.deleteMedia(ctx, sid, ""); err != nil {
			return n, err
		}
		if err := c.store.Delete(ctx, info.Key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// expire removes the file with the given SID from whichever draft holds it,
// and reports false when a send has taken it out of its draft.
func (s *draftStore) expire(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sending[sid] {
		return false
	}
	for k, d := range s.m {
		d.files = slices.DeleteFunc(d.files, func(f draftFile) bool { return f.media.SID == sid })
		if len(d.files) == 0 && d.text == "" {
			delete(s.m, k)
		}
	}
	return true
}

// holds reports whether a draft holds the media with the given SID.
func (s *draftStore) holds(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.m {
		for _, f := range d.files {
			if f.media.SID == sid {
				return true
			}
		}
	}
	return false
}
