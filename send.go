package attachments

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// SendMessage sends a text message. Its attributes may carry media (see
// the "media" attribute): files the sender staged in that channel and has not sent
// yet — which is how a host that replaces SendMediaMessage sends the file
// its replacement stored. Media the ledger does not record as the sender's
// own, staged in that channel, is refused, and nothing is sent, deleted or
// served because of it. The message carries the ledger's description of
// each file, not the client's.
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
	if _, err := c.mediaSender(ctx, p.Channel, p.Sender); err != nil {
		return err
	}
	if len(media) > c.cfg.FilesPerMessage {
		return &errs.Error{Code: errs.TooManyFiles, Details: errs.Details{Limit: int64(c.cfg.FilesPerMessage)}}
	}
	return nil
}

func (c *Client) sendMessage(ctx context.Context, p SendMessagePayload) (SendMessageResult, error) {
	if err := checkSeal(ctx, string(SendMessage), p.seal()); err != nil {
		return SendMessageResult{}, err
	}
	media, err := Message{Attributes: p.Attributes}.Media()
	if err != nil {
		return SendMessageResult{}, err
	}
	if len(media) == 0 {
		m, err := c.transport.Send(ctx, Message{Channel: p.Channel, Author: p.Sender.Identity, Body: p.Body,
			Attributes: maps.Clone(p.Attributes)})
		if err != nil {
			return SendMessageResult{}, transportError(err)
		}
		return SendMessageResult{Message: m}, nil
	}
	sids := make([]string, len(media))
	var linked []string // records made here for media by URL
	for i, md := range media {
		sids[i] = md.SID
		if md.SID == "" {
			if sids[i], err = c.recordURLMedia(ctx, p, md); err != nil {
				break
			}
			linked = append(linked, sids[i])
		}
	}
	var m Message
	if err == nil {
		m, _, err = c.sendFiles(ctx, p.Channel, p.Sender, p.Body, p.Attributes, sids, ledger.Staged)
	}
	if err != nil {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		for _, sid := range linked {
			if _, derr := c.destroy(cctx, ledger.Change{SID: sid, From: []ledger.State{ledger.Staged}}); derr != nil {
				c.log.ErrorContext(ctx, "attachments: could not drop an unsent media link; the sweep will", "media", sid, "err", derr)
			}
		}
	}
	return SendMessageResult{Message: m}, err
}

// recordURLMedia records media a message carries by URL, in Flex's shape,
// as the sender's staged file: the URL must be one the host trusts, and the
// name, declared type and size must pass the sender's policy. The library
// never fetches the URL.
func (c *Client) recordURLMedia(ctx context.Context, p SendMessagePayload, md Media) (string, error) {
	if c.trustURL == nil || !c.trustURL(md.URL) {
		return "", &errs.Error{Code: errs.InvalidPayload, Op: "media url",
			Message: "this file's address is not one this chat trusts"}
	}
	s, err := c.mediaSender(ctx, p.Channel, p.Sender)
	if err != nil {
		return "", err
	}
	verdict, err := s.policy.Preflight(md.FileName, md.ContentType, md.Size)
	if err != nil {
		return "", s.explain(err)
	}
	sid, now := newMediaSID(), c.now()
	return sid, c.ledger.Create(ctx, ledger.Record{SID: sid, Owner: p.Sender.Identity, Side: string(s.side), Channel: p.Channel,
		State: ledger.Staged, Store: urlStore, Location: md.URL, FileName: verdict.Name, ContentType: md.ContentType,
		Size: max(md.Size, 0), Created: now, Updated: now})
}

// transportError gives a transport's failure a code the sender can be shown.
func transportError(err error) error {
	if errs.As(err) != nil {
		return err
	}
	return &errs.Error{Code: errs.Unavailable, Message: "the message could not be delivered, try again", Err: err}
}

// SendMediaMessage sends a file, or the files staged in the sender's draft,
// as one message whose attributes carry the media (the "media" attribute, as in Flex).
//
// The guard checks the sender's permission and the policy of the side its
// role acts for, then streams the file into storage while it limits its
// size, sniffs and validates its content and hashes it, in one pass.
// Before-listeners can then Open the stored file. The implementation takes
// the file in the ledger (only the sender's own, staged in that channel),
// sends the message through the Transport and records it. If anything fails
// — the guard, a listener's cancel, storage or the ledger half way, the
// transport, the context — the stored file is deleted and Invoke returns
// one typed error fit to show the sender.
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
	// Attributes are extra message attributes. "media" is the
	// library's.
	Attributes map[string]any
}

// SendMediaMessageResult is SendMediaMessage's result.
type SendMediaMessageResult struct {
	Message Message
	Media   []Media
}

// mediaSender checks that sender may send media in channel, and returns
// the policy that applies: that of the side its role acts for, narrowed by
// the channel's type (see Config.PolicyIn).
func (c *Client) mediaSender(ctx context.Context, channel string, sender Member) (sendPolicy, error) {
	if channel == "" || sender.Identity == "" {
		return sendPolicy{}, &errs.Error{Code: errs.InvalidPayload, Message: "a message needs a channel and a sender"}
	}
	r, err := c.require(ctx, channel, sender, PermSendMediaMessage)
	if err != nil {
		return sendPolicy{}, err
	}
	s := r.side()
	if !c.cfg.policy(s).Enabled {
		// Refused before the host is asked what the channel is.
		return sendPolicy{}, &errs.Error{Code: errs.AttachmentsDisabled}
	}
	sp, err := c.policyIn(ctx, channel, s)
	if err != nil {
		return sendPolicy{}, err
	}
	if !sp.policy.Enabled {
		return sendPolicy{}, sp.disabled()
	}
	return sp, nil
}

func (c *Client) guardSendMediaMessage(ctx context.Context, p SendMediaMessagePayload) error {
	s, err := c.mediaSender(ctx, p.Channel, p.Sender)
	if err != nil {
		return err
	}
	if c.cfg.Mode == ModeWebchat && p.Text != "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "a message holds text or a file, not both"}
	}
	switch {
	case p.FromDraft && p.File != nil:
		return &errs.Error{Code: errs.InvalidPayload, Message: "send a file or the draft, not both"}
	case p.FromDraft:
		return nil // the implementation takes what the draft holds, atomically
	}
	return c.stage(ctx, p.File, p.Channel, p.Sender, s)
}

func (c *Client) sendMediaMessage(ctx context.Context, p SendMediaMessagePayload) (SendMediaMessageResult, error) {
	if err := checkSeal(ctx, string(SendMediaMessage), p.seal()); err != nil {
		return SendMediaMessageResult{}, err
	}
	if p.FromDraft {
		return c.sendDraft(ctx, p)
	}
	s, err := checkStaged(p.File)
	if err != nil {
		return SendMediaMessageResult{}, err
	}
	m, media, err := c.sendFiles(ctx, p.Channel, p.Sender, c.body(p.Text, []Media{s.media}), p.Attributes,
		[]string{s.media.SID}, ledger.Staged)
	if err == nil {
		s.committed.Store(true)
	}
	return SendMediaMessageResult{Message: m, Media: media}, err
}

func (c *Client) sendDraft(ctx context.Context, p SendMediaMessagePayload) (SendMediaMessageResult, error) {
	files, err := c.draftFiles(ctx, p.Channel, p.Sender.Identity)
	if err != nil {
		return SendMediaMessageResult{}, err
	}
	if len(files) == 0 {
		return SendMediaMessageResult{}, &errs.Error{Code: errs.InvalidPayload, Message: "no file is attached"}
	}
	text := p.Text
	if text == "" && c.cfg.Mode == ModeConversations {
		if text, err = c.ledger.DraftText(ctx, p.Channel, p.Sender.Identity); err != nil {
			return SendMediaMessageResult{}, err
		}
	}
	sids := make([]string, len(files))
	media := make([]Media, len(files))
	for i, r := range files {
		sids[i], media[i] = r.SID, ledgerMedia(r)
	}
	m, sent, err := c.sendFiles(ctx, p.Channel, p.Sender, c.body(text, media), p.Attributes, sids, ledger.Drafted)
	if err != nil {
		return SendMediaMessageResult{}, err
	}
	if err := c.ledger.SetDraftText(context.WithoutCancel(ctx), p.Channel, p.Sender.Identity, ""); err != nil {
		c.log.ErrorContext(ctx, "attachments: could not clear a sent draft's text", "err", err)
	}
	return SendMediaMessageResult{Message: m, Media: sent}, nil
}

// body is a media message's body: its text, or in ModeWebchat (and when
// there is no text) its files' names.
func (c *Client) body(text string, media []Media) string {
	if text != "" && c.cfg.Mode != ModeWebchat {
		return text
	}
	names := make([]string, len(media))
	for i, m := range media {
		names[i] = m.FileName
	}
	return strings.Join(names, ", ")
}

// sendFiles sends a message carrying the files with the given SIDs, which
// must be sender's own, in channel and in state from. The steps are ordered
// so a crash between any two leaves nothing wrong:
//
//  1. take the files in the ledger (from → sending), all or none: a file
//     being sent is out of every sweep's reach;
//  2. send the message through the Transport; if it fails, the files go
//     back to from;
//  3. record the message (sending → sent). A process that dies between 2
//     and 3 leaves files in sending, which a message naming them adopts
//     (see adopt): never deleted under a message, never unexplained.
func (c *Client) sendFiles(ctx context.Context, channel string, sender Member, body string, attrs map[string]any,
	sids []string, from ledger.State) (Message, []Media, error) {
	now := c.now()
	take := make([]ledger.Change, len(sids))
	for i, sid := range sids {
		if !isMediaSID(sid) || slices.Index(sids, sid) != i {
			return Message{}, nil, &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
		}
		take[i] = ledger.Change{SID: sid, From: []ledger.State{from}, To: ledger.Sending,
			Owner: sender.Identity, Channel: channel, Now: now}
	}
	recs, err := c.ledger.Apply(ctx, take...)
	if err != nil {
		if outcomeUnknown(err) {
			// The take may have committed though the caller heard it
			// failed (a context cancelled during the commit): read it
			// back, and put back what it took.
			c.settleTake(ctx, sids, from, now)
		}
		return Message{}, nil, ledgerError("send", err)
	}
	media := make([]Media, len(recs))
	for i, r := range recs {
		media[i] = ledgerMedia(r)
	}
	attrs = maps.Clone(attrs)
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs[attributeMedia] = media
	m, err := c.transport.Send(ctx, Message{Channel: channel, Author: sender.Identity, Body: body, Attributes: attrs})
	if err != nil {
		c.putBack(ctx, sids, from)
		return Message{}, nil, transportError(err)
	}
	sent := make([]ledger.Change, len(sids))
	for i, sid := range sids {
		sent[i] = ledger.Change{SID: sid, From: []ledger.State{ledger.Sending}, To: ledger.Sent, SetMessageSID: m.SID, Now: c.now()}
	}
	sctx, cancel := cleanupContext(ctx)
	defer cancel()
	if _, err := c.ledger.Apply(sctx, sent...); err != nil {
		// The message is out: reporting a failure would make the sender send
		// it twice. Its files stay in sending until the message adopts them.
		c.log.ErrorContext(ctx, "attachments: a sent message's files could not be recorded; the message will adopt them",
			"message", m.SID, "err", err)
	}
	return m, media, nil
}

// outcomeUnknown reports whether a ledger write that failed with err may
// have taken effect all the same: the driver could not say (the context
// ended, the database went away), as against a refusal it decided.
func outcomeUnknown(err error) bool {
	switch errs.CodeOf(err) {
	case errs.NotFound, errs.Conflict, errs.InvalidArgument, errs.QuotaExceeded:
		return false
	}
	return true
}

// settleTake finds out, on a context that outlives the caller's, whether a
// take made at now that reported a failure took the files all the same,
// and puts back those it did take. A take is all or none, and a file in
// sending whose last change is the take's own time is the take's.
func (c *Client) settleTake(ctx context.Context, sids []string, from ledger.State, now time.Time) {
	sctx, cancel := cleanupContext(ctx)
	defer cancel()
	var taken []string
	for _, sid := range sids {
		r, err := c.ledger.Get(sctx, sid)
		if err != nil {
			if errs.CodeOf(err) != errs.NotFound {
				c.log.ErrorContext(ctx, "attachments: could not tell whether an interrupted send took a file; the sweep will", "media", sid, "err", err)
			}
			continue
		}
		if r.State == ledger.Sending && r.Updated.Equal(now) {
			taken = append(taken, sid)
		}
	}
	if len(taken) > 0 {
		c.putBack(sctx, taken, from)
	}
}

// putBack returns files a send took but did not send to the state it took
// them from, on a context that outlives the caller's. Files going back to
// a draft keep within its limit: one that no longer fits (other files were
// attached meanwhile) goes back staged instead.
func (c *Client) putBack(ctx context.Context, sids []string, from ledger.State) {
	pctx, cancel := cleanupContext(ctx)
	defer cancel()
	for _, sid := range sids {
		back := ledger.Change{SID: sid, From: []ledger.State{ledger.Sending}, To: from, Now: c.now()}
		if from == ledger.Drafted {
			back.Limit = c.cfg.FilesPerMessage
		}
		_, err := c.ledger.Apply(pctx, back)
		if back.Limit > 0 && errs.CodeOf(err) == errs.Conflict {
			back.To, back.Limit = ledger.Staged, 0
			_, err = c.ledger.Apply(pctx, back)
		}
		if err != nil {
			c.log.ErrorContext(ctx, "attachments: could not return an unsent file", "media", sid, "err", err)
		}
	}
}
