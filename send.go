package attachments

import (
	"context"
	"maps"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// SendMessage sends a text message. Its attributes may carry media that was
// stored elsewhere (see AttributeMedia), which is how a host that replaces
// SendMediaMessage to upload into its own storage then sends the message.
//
// Guard: the sender's role must grant sendMessage, and also sendMediaMessage
// with an enabled policy for its side when the attributes carry media.
const SendMessage Action[SendMessagePayload, SendMessageResult] = "SendMessage"

// SendMessagePayload is SendMessage's payload.
type SendMessagePayload struct {
	Channel    string
	Sender     Member
	Body       string
	Attributes map[string]any
}

// SendMessageResult is SendMessage's result.
type SendMessageResult struct {
	Message Message
}

func (c *Client) guardSendMessage(ctx context.Context, p SendMessagePayload) error {
	if p.Channel == "" || p.Sender.Identity == "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "a message needs a channel and a sender"}
	}
	if _, err := c.require(ctx, p.Channel, p.Sender, PermSendMessage); err != nil {
		return err
	}
	media, err := Message{Attributes: p.Attributes}.Media()
	if err != nil || len(media) == 0 {
		return err
	}
	if _, err := c.require(ctx, p.Channel, p.Sender, PermSendMediaMessage); err != nil {
		return err
	}
	if !c.cfg.Policy(p.Sender.Side).Enabled {
		return &errs.Error{Code: errs.AttachmentsDisabled}
	}
	if len(media) > c.cfg.FilesPerMessage {
		return &errs.Error{Code: errs.TooManyFiles, Details: errs.Details{Limit: int64(c.cfg.FilesPerMessage)}}
	}
	return nil
}

func (c *Client) sendMessage(ctx context.Context, p SendMessagePayload) (SendMessageResult, error) {
	m, err := c.transport.Send(ctx, Message{
		Channel:    p.Channel,
		Author:     p.Sender.Identity,
		Body:       p.Body,
		Attributes: maps.Clone(p.Attributes),
	})
	if err != nil {
		return SendMessageResult{}, transportError(err)
	}
	return SendMessageResult{Message: m}, nil
}

// transportError gives a transport's failure a code the sender can be shown.
func transportError(err error) error {
	if errs.As(err) != nil {
		return err
	}
	return &errs.Error{Code: errs.Unavailable, Message: "the message could not be delivered, try again", Err: err}
}

// SendMediaMessage sends a file, or the files staged in the sender's draft,
// as one message whose attributes carry the media (see AttributeMedia).
//
// The guard checks the sender's permission and side, then streams the file
// into storage while it limits its size, sniffs and validates its content
// and hashes it, in one pass. Before-listeners can then Open the stored file.
// The implementation sends the message through the Transport. If anything
// fails — the guard, a listener's cancel, storage half way, the transport,
// the context — the stored file is deleted and Invoke returns one typed
// error fit to show the sender.
//
// The body is the file name; in ModeConversations it is Text when given.
// In ModeWebchat a message holds text or a file, so Text must be empty.
const SendMediaMessage Action[SendMediaMessagePayload, SendMediaMessageResult] = "SendMediaMessage"

// SendMediaMessagePayload is SendMediaMessage's payload.
type SendMediaMessagePayload struct {
	Channel string
	Sender  Member
	// File is the file to send. Leave it nil and set FromDraft to send the
	// draft instead.
	File *File
	// FromDraft sends the files (and, in ModeConversations, the text) staged
	// in the sender's draft with AttachFile.
	FromDraft bool
	// Text is the message's text, in ModeConversations only.
	Text string
	// Attributes are extra message attributes. AttributeMedia is the
	// library's.
	Attributes map[string]any
}

// SendMediaMessageResult is SendMediaMessage's result.
type SendMediaMessageResult struct {
	Message Message
	Media   []Media
}

// checkMediaSender checks that sender may send media in channel.
func (c *Client) checkMediaSender(ctx context.Context, channel string, sender Member) error {
	if channel == "" || sender.Identity == "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "a message needs a channel and a sender"}
	}
	if _, err := c.require(ctx, channel, sender, PermSendMediaMessage); err != nil {
		return err
	}
	if !c.cfg.Policy(sender.Side).Enabled {
		return &errs.Error{Code: errs.AttachmentsDisabled}
	}
	return nil
}

func (c *Client) guardSendMediaMessage(ctx context.Context, p SendMediaMessagePayload) error {
	if err := c.checkMediaSender(ctx, p.Channel, p.Sender); err != nil {
		return err
	}
	if c.cfg.Mode == ModeWebchat && p.Text != "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "a message holds text or a file, not both"}
	}
	switch {
	case p.FromDraft && p.File != nil:
		return &errs.Error{Code: errs.InvalidPayload, Message: "send a file or the draft, not both"}
	case p.FromDraft:
		if c.drafts.count(draftKey{p.Channel, p.Sender.Identity}) == 0 {
			return &errs.Error{Code: errs.InvalidPayload, Message: "no file is attached"}
		}
		return nil
	}
	return c.stage(ctx, p.File, p.Channel, p.Sender)
}

func (c *Client) sendMediaMessage(ctx context.Context, p SendMediaMessagePayload) (SendMediaMessageResult, error) {
	if p.FromDraft {
		return c.sendDraft(ctx, p)
	}
	s, err := checkStaged(p.File)
	if err != nil {
		return SendMediaMessageResult{}, err
	}
	res, err := c.sendWithMedia(ctx, p, p.Text, []Media{s.media})
	if err == nil {
		s.committed.Store(true)
	}
	return res, err
}

func (c *Client) sendDraft(ctx context.Context, p SendMediaMessagePayload) (SendMediaMessageResult, error) {
	k := draftKey{p.Channel, p.Sender.Identity}
	d := c.drafts.take(k)
	if len(d.files) == 0 {
		c.drafts.restore(k, d)
		return SendMediaMessageResult{}, &errs.Error{Code: errs.InvalidPayload, Message: "no file is attached"}
	}
	// Clear the draft markers first: a marker left behind a sent file would
	// let a sweep delete a message's media, while a marker lost on a failed
	// send only costs a file the sweep cannot see (EraseMember still can).
	for _, f := range d.files {
		if err := c.store.Delete(ctx, draftMarker(f)); err != nil {
			c.unsend(ctx, k, d)
			return SendMediaMessageResult{}, err
		}
	}
	media := make([]Media, len(d.files))
	for i, f := range d.files {
		media[i] = f.media
	}
	text := p.Text
	if text == "" && c.cfg.Mode == ModeConversations {
		text = d.text
	}
	res, err := c.sendWithMedia(ctx, p, text, media)
	if err != nil {
		c.unsend(ctx, k, d)
		return res, err
	}
	c.drafts.done(d)
	return res, nil
}

// unsend puts a draft whose send failed back, markers included.
func (c *Client) unsend(ctx context.Context, k draftKey, d draft) {
	ctx = context.WithoutCancel(ctx)
	for _, f := range d.files {
		if _, err := c.store.Put(ctx, draftMarker(f), strings.NewReader(""), storage.Metadata{}); err != nil {
			c.log.Error("attachments: could not restore a draft marker", "media", f.media.SID, "err", err)
		}
	}
	c.drafts.restore(k, d)
}

func (c *Client) sendWithMedia(ctx context.Context, p SendMediaMessagePayload, text string, media []Media) (SendMediaMessageResult, error) {
	body := text
	if body == "" || c.cfg.Mode == ModeWebchat {
		names := make([]string, len(media))
		for i, m := range media {
			names[i] = m.FileName
		}
		body = strings.Join(names, ", ")
	}
	attrs := maps.Clone(p.Attributes)
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs[AttributeMedia] = media
	m, err := c.transport.Send(ctx, Message{Channel: p.Channel, Author: p.Sender.Identity, Body: body, Attributes: attrs})
	if err != nil {
		return SendMediaMessageResult{}, transportError(err)
	}
	return SendMediaMessageResult{Message: m, Media: media}, nil
}
