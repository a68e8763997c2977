package attachments

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
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

// draftStore holds drafts in memory. The blobs live in storage, indexed by
// owner, so EraseMember finds them even when the process that staged them
// is gone.
type draftStore struct {
	mu sync.Mutex
	m  map[draftKey]*draft
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

// take removes a draft's files and text, for sending; put them back with
// restore if the send fails.
func (s *draftStore) take(k draftKey) draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.m[k]
	if d == nil {
		return draft{}
	}
	delete(s.m, k)
	return *d
}

func (s *draftStore) restore(k draftKey, taken draft) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.get(k)
	d.files = append(taken.files, d.files...)
	if d.text == "" {
		d.text = taken.text
	}
}

func (s *draftStore) dropOwner(identity string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.m {
		if k.identity == identity {
			delete(s.m, k)
		}
	}
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
	if c.cfg.Mode == ModeWebchat {
		d.text = "" // Flex Webchat: the file replaces the typed text
	}
	d.files = append(d.files, draftFile{media: s.media, staged: c.now()})
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
	d := c.drafts.get(k)
	i := slices.IndexFunc(d.files, func(f draftFile) bool { return f.media.SID == p.MediaSID })
	if i < 0 {
		c.drafts.mu.Unlock()
		return DetachFileResult{}, &errs.Error{Code: errs.NotFound, Message: "the file is not attached"}
	}
	d.files = slices.Delete(d.files, i, i+1)
	view := c.drafts.view(k)
	c.drafts.mu.Unlock()
	if err := c.deleteMedia(ctx, p.MediaSID, p.Sender.Identity); err != nil {
		return DetachFileResult{Draft: view}, err
	}
	return DetachFileResult{Draft: view}, nil
}

// SweepDrafts deletes the files that have sat in drafts for longer than
// Config.DraftLifetime and reports how many. The janitor calls it; hosts
// without one call it themselves.
func (c *Client) SweepDrafts(ctx context.Context) (int, error) {
	cutoff := c.now().Add(-c.cfg.DraftLifetime)
	type expired struct {
		sid, owner string
	}
	var gone []expired
	c.drafts.mu.Lock()
	for k, d := range c.drafts.m {
		d.files = slices.DeleteFunc(d.files, func(f draftFile) bool {
			if f.staged.Before(cutoff) {
				gone = append(gone, expired{f.media.SID, k.identity})
				return true
			}
			return false
		})
		if len(d.files) == 0 && d.text == "" {
			delete(c.drafts.m, k)
		}
	}
	c.drafts.mu.Unlock()
	n := 0
	for _, g := range gone {
		if err := c.deleteMedia(ctx, g.sid, g.owner); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
