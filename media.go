package attachments

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// mediaSIDPrefix starts every media SID, as in Twilio's.
const mediaSIDPrefix = "ME"

// newMediaSID returns a fresh media SID in Twilio's form: "ME" followed by 32
// lower-case hex digits drawn from a random UUID.
func newMediaSID() string {
	u := uuid.New()
	var b [2 + 32]byte
	copy(b[:], mediaSIDPrefix)
	hex.Encode(b[2:], u[:])
	return string(b[:])
}

// isMediaSID reports whether s has the form of a media SID.
func isMediaSID(s string) bool {
	if len(s) != 34 || s[:2] != mediaSIDPrefix {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Media is a reference to a stored file, as a message carries it in its
// attributes under "media", as in Flex. Its JSON is Flex's media shape
// ({url, filename, contentType, size}) plus the library's sid and sha256.
type Media struct {
	SID         string `json:"sid,omitempty"`
	FileName    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256,omitempty"` // lower-case hex
	// URL is where a host keeps media it serves itself, in Flex's shape: a
	// Flex-style client sends {url, filename, contentType, size} with no
	// sid. The library accepts it only for a URL Options.TrustURL trusts,
	// records it, and hands it back as the download link; it never fetches
	// it. Empty for the library's own media.
	URL string `json:"url,omitempty"`
	// Renditions are the thumbnails and previews made of it so far (see
	// Client.PutRendition), with their sizes and placeholders, so a client
	// can lay a picture out before it loads.
	Renditions []ledger.Rendition `json:"renditions,omitempty"`
}

// attributeMedia is the message attribute that holds a message's media: a
// list of Media.
const attributeMedia = "media"

// Message is a chat message as the Transport carries it.
type Message struct {
	// SID identifies the message. The Transport assigns it on Send.
	SID     string    `json:"sid"`
	Channel string    `json:"channel"`
	Author  string    `json:"author"` // the sender's identity
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
	// Attributes are free-form, JSON-compatible values. The library keeps
	// media references under "media".
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Media returns the media m carries, from its attributes. It accepts the
// attribute as the library stores it ([]Media) and as a JSON round trip
// leaves it ([]any of maps), so a Transport may persist attributes as JSON.
func (m Message) Media() ([]Media, error) {
	v, ok := m.Attributes[attributeMedia]
	if !ok || v == nil {
		return nil, nil
	}
	switch v := v.(type) {
	case []Media:
		return v, nil
	case Media:
		return []Media{v}, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidPayload, Op: "message " + m.SID, Err: err}
	}
	var list []Media
	if err := json.Unmarshal(data, &list); err != nil {
		var one Media
		if err2 := json.Unmarshal(data, &one); err2 != nil {
			return nil, &errs.Error{Code: errs.InvalidPayload, Op: "message " + m.SID,
				Err: fmt.Errorf("attribute %q is not media: %w", attributeMedia, err)}
		}
		list = []Media{one}
	}
	for _, md := range list {
		if !isMediaSID(md.SID) && (md.SID != "" || md.URL == "") {
			return nil, &errs.Error{Code: errs.InvalidPayload, Op: "message " + m.SID,
				Err: fmt.Errorf("attribute %q holds an invalid media sid %q", attributeMedia, md.SID)}
		}
	}
	return list, nil
}
