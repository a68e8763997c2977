package attachments

import (
	"context"
	"fmt"
	"slices"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/validate"
)

// AttachFile stages a file in the sender's draft for a channel, checked
// exactly as a send is, and returns it as stored. Sending the draft (see
// SendMediaMessagePayload.FromDraft) commits the file without copying its
// bytes again; DetachFile discards it; a file never sent expires after
// Config.DraftLifetime and is swept.
//
// In ModeWebchat, attaching replaces the draft's text (and detaching does not
// restore it). In ModeConversations text and files live side by side. Either
// way a draft holds at most Config.FilesPerMessage files, and attaching a
// file with the same name, size and type as one already there is refused
// with errs.DuplicateFile.
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
	// Media is the attached file as stored: its SID (which DetachFile and
	// the draft's send name), sanitised name, sniffed type, size and
	// SHA-256.
	Media Media
	Draft Draft
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

// Draft is a member's unsent message in a channel.
type Draft struct {
	Channel string  `json:"channel"`
	Text    string  `json:"text"`
	Files   []Media `json:"files"` // in the order attached
}

// draftFiles returns the files in owner's draft in channel, in the order
// they were attached.
func (c *Client) draftFiles(ctx context.Context, channel, owner string) ([]ledger.Record, error) {
	files, err := c.ledger.List(ctx, ledger.Query{Owner: owner, Channel: channel,
		States: []ledger.State{ledger.Drafted}, Limit: maxFilesPerMessage + 1})
	slices.SortStableFunc(files, func(a, b ledger.Record) int { return a.Updated.Compare(b.Updated) })
	return files, err
}

// draft returns owner's draft in channel, as the ledger has it.
func (c *Client) draft(ctx context.Context, channel, owner string) (Draft, error) {
	d := Draft{Channel: channel, Files: []Media{}}
	files, err := c.draftFiles(ctx, channel, owner)
	if err != nil {
		return d, err
	}
	for _, r := range files {
		d.Files = append(d.Files, ledgerMedia(r))
	}
	d.Text, err = c.ledger.DraftText(ctx, channel, owner)
	return d, err
}

// Draft returns member's draft in channel. Drafts live in the ledger, so
// every instance sharing it sees the same draft, and a restart keeps it.
func (c *Client) Draft(ctx context.Context, channel string, member Member) (Draft, error) {
	return c.draft(ctx, channel, member.Identity)
}

// SetDraftText sets the text of member's draft in channel. In ModeWebchat a
// draft that holds a file cannot take text: detach the file first.
func (c *Client) SetDraftText(ctx context.Context, channel string, member Member, text string) (Draft, error) {
	if c.cfg.Mode == ModeWebchat && text != "" {
		files, err := c.draftFiles(ctx, channel, member.Identity)
		if err != nil {
			return Draft{}, err
		}
		if len(files) > 0 {
			d, _ := c.draft(ctx, channel, member.Identity)
			return d, &errs.Error{Code: errs.InvalidPayload, Op: "draft",
				Message: "a message holds text or a file; remove the file to type text"}
		}
	}
	if err := c.ledger.SetDraftText(ctx, channel, member.Identity, text); err != nil {
		return Draft{}, err
	}
	return c.draft(ctx, channel, member.Identity)
}

func (c *Client) guardAttachFile(ctx context.Context, p AttachFilePayload) error {
	s, err := c.mediaSender(ctx, p.Channel, p.Sender)
	if err != nil {
		return err
	}
	// Refuse before the upload when the draft is already full; the
	// implementation checks again, atomically, when it adds the file.
	files, err := c.draftFiles(ctx, p.Channel, p.Sender.Identity)
	if err != nil {
		return err
	}
	if len(files) >= c.cfg.FilesPerMessage {
		return tooManyFiles(c.cfg.FilesPerMessage, p.File)
	}
	return c.stage(ctx, p.File, p.Channel, p.Sender, s)
}

// tooManyFiles is the refusal of a file a full draft cannot take; it names
// the file, so a member who picked several knows which one was left out.
func tooManyFiles(limit int, f *File) error {
	e := &errs.Error{Code: errs.TooManyFiles, Details: errs.Details{Limit: int64(limit)}}
	if f == nil {
		return e
	}
	if name, err := validate.SanitizeName(f.Name); err == nil {
		files := "files"
		if limit == 1 {
			files = "file"
		}
		e.Message = fmt.Sprintf("%s was not attached: a message can carry at most %d %s", name, limit, files)
	}
	return e
}

func (c *Client) attachFile(ctx context.Context, p AttachFilePayload) (AttachFileResult, error) {
	if err := checkSeal(ctx, string(AttachFile), p.seal()); err != nil {
		return AttachFileResult{}, err
	}
	s, err := checkStaged(p.File)
	if err != nil {
		return AttachFileResult{}, err
	}
	files, err := c.draftFiles(ctx, p.Channel, p.Sender.Identity)
	if err != nil {
		return AttachFileResult{}, err
	}
	in := make([]validate.Attached, len(files))
	for i, r := range files {
		in[i] = validate.Attached{Name: r.FileName, Size: r.Size, Type: r.ContentType}
	}
	if validate.IsDuplicate(validate.Attached{Name: s.media.FileName, Size: s.media.Size, Type: s.media.ContentType}, in) {
		return AttachFileResult{}, &errs.Error{Code: errs.DuplicateFile}
	}
	_, err = c.ledger.Apply(ctx, ledger.Change{SID: s.media.SID, From: []ledger.State{ledger.Staged}, To: ledger.Drafted,
		Owner: p.Sender.Identity, Channel: p.Channel, Limit: c.cfg.FilesPerMessage, Now: c.now()})
	if errs.CodeOf(err) == errs.Conflict {
		return AttachFileResult{}, tooManyFiles(c.cfg.FilesPerMessage, p.File)
	}
	if err != nil {
		return AttachFileResult{}, err
	}
	s.committed.Store(true)
	if c.cfg.Mode == ModeWebchat {
		// Flex Webchat: the file replaces the typed text.
		if err := c.ledger.SetDraftText(ctx, p.Channel, p.Sender.Identity, ""); err != nil {
			return AttachFileResult{}, err
		}
	}
	d, err := c.draft(ctx, p.Channel, p.Sender.Identity)
	return AttachFileResult{Media: s.media, Draft: d}, err
}

func (c *Client) guardDetachFile(ctx context.Context, p DetachFilePayload) error {
	if !isMediaSID(p.MediaSID) {
		return &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
	}
	_, err := c.role(ctx, p.Channel, p.Sender)
	return err
}

func (c *Client) detachFile(ctx context.Context, p DetachFilePayload) (DetachFileResult, error) {
	if err := checkSeal(ctx, string(DetachFile), p.seal()); err != nil {
		return DetachFileResult{}, err
	}
	_, err := c.destroy(ctx, ledger.Change{SID: p.MediaSID, From: []ledger.State{ledger.Drafted},
		Owner: p.Sender.Identity, Channel: p.Channel})
	switch errs.CodeOf(err) {
	case errs.NotFound, errs.Conflict:
		return DetachFileResult{}, &errs.Error{Code: errs.NotFound, Message: "the file is not attached", Err: err}
	}
	if err != nil {
		return DetachFileResult{}, err
	}
	d, err := c.draft(ctx, p.Channel, p.Sender.Identity)
	return DetachFileResult{Draft: d}, err
}
