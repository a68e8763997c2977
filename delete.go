package attachments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// DeleteMessage deletes a message and all its media: exactly the files whose
// ledger record says this message carries them. Media a message's
// attributes merely name (a client can write anything there) are neither
// deleted nor touched.
//
// The media go first and the message last, so no media is ever left behind
// a message that is gone: if a media delete fails, the error says so, the
// message stays, and invoking again finishes the job. Deleting a message
// that is already gone succeeds with Deleted false.
//
// Guard: the requester must be the author, or have a role that grants
// deleteMessage.
const DeleteMessage Action[DeleteMessagePayload, DeleteMessageResult] = "DeleteMessage"

// DeleteMessagePayload is DeleteMessage's payload.
type DeleteMessagePayload struct {
	Channel    string
	Requester  Member
	MessageSID string
}

// DeleteMessageResult is DeleteMessage's result.
type DeleteMessageResult struct {
	// Deleted is false when the message was already gone.
	Deleted bool
	// Media are the media that were deleted with it.
	Media []Media
}

// fetchInChannel fetches a message and checks it belongs to channel. A
// message of another channel is reported as not found.
func (c *Client) fetchInChannel(ctx context.Context, channel, sid string) (Message, error) {
	m, err := c.transport.Fetch(ctx, sid)
	if err != nil {
		return Message{}, err
	}
	if m.Channel != channel {
		return Message{}, &errs.Error{Code: errs.NotFound, Message: "message not found"}
	}
	return m, nil
}

func (c *Client) guardDeleteMessage(ctx context.Context, p DeleteMessagePayload) error {
	if p.Channel == "" || p.MessageSID == "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "say which message to delete"}
	}
	if _, err := c.role(ctx, p.Channel, p.Requester); err != nil {
		return err
	}
	m, err := c.fetchInChannel(ctx, p.Channel, p.MessageSID)
	if errors.Is(err, errs.NotFound) {
		return nil // already gone: nothing to protect, and deleting is idempotent
	}
	if err != nil {
		return err
	}
	if m.Author == p.Requester.Identity {
		return nil
	}
	_, err = c.require(ctx, p.Channel, p.Requester, PermDeleteMessage)
	return err
}

func (c *Client) deleteMessage(ctx context.Context, p DeleteMessagePayload) (DeleteMessageResult, error) {
	if err := checkSeal(ctx, string(DeleteMessage), p.seal()); err != nil {
		return DeleteMessageResult{}, err
	}
	m, err := c.fetchInChannel(ctx, p.Channel, p.MessageSID)
	if errors.Is(err, errs.NotFound) {
		return DeleteMessageResult{}, nil
	}
	if err != nil {
		return DeleteMessageResult{}, err
	}
	recs, err := c.messageFiles(ctx, m)
	if err != nil {
		return DeleteMessageResult{}, err
	}
	var media []Media
	for _, r := range recs {
		if r.State == ledger.Deleted {
			err = c.purge(ctx, r) // an earlier attempt got this far
		} else {
			_, err = c.destroy(ctx, ledger.Change{SID: r.SID, From: []ledger.State{ledger.Sent}, MessageSID: m.SID})
		}
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return DeleteMessageResult{}, &errs.Error{Code: errs.CodeOf(err),
				Message: "the message's files could not all be deleted; try again", Err: err}
		}
		media = append(media, ledgerMedia(r))
	}
	if err := c.transport.Remove(ctx, m.SID); err != nil && !errors.Is(err, errs.NotFound) {
		return DeleteMessageResult{}, &errs.Error{Code: errs.Unavailable,
			Message: "the files were deleted but the message could not be removed; try again",
			Err:     fmt.Errorf("remove message: %w", err)}
	}
	return DeleteMessageResult{Deleted: true, Media: media}, nil
}

// adoptAfter is how long a file may sit in sending before a message that
// names it may adopt it: longer than any send in flight takes to record
// its message.
const adoptAfter = time.Minute

// messageFiles returns the records of the files message m carries (sent,
// or deleted by a delete that did not finish). A file that a send took but whose message
// a crash kept it from recording (still in sending, owned by m's author, in
// m's channel) is adopted by m, the only message that can name it.
func (c *Client) messageFiles(ctx context.Context, m Message) ([]ledger.Record, error) {
	recs, err := c.ledger.List(ctx, ledger.Query{MessageSID: m.SID, States: []ledger.State{ledger.Sent, ledger.Deleted}})
	if err != nil {
		return nil, err
	}
	named, err := m.Media()
	if err != nil || len(named) == len(recs) {
		return recs, err
	}
	for _, md := range named {
		if slices.ContainsFunc(recs, func(r ledger.Record) bool { return r.SID == md.SID }) {
			continue
		}
		adopted, err := c.ledger.Apply(ctx, ledger.Change{SID: md.SID, From: []ledger.State{ledger.Sending},
			To: ledger.Sent, Owner: m.Author, Channel: m.Channel, UpdatedBefore: c.now().Add(-adoptAfter),
			SetMessageSID: m.SID, Now: c.now()})
		switch errs.CodeOf(err) {
		case "":
			c.log.WarnContext(ctx, "attachments: a message adopted a file its send could not record", "message", m.SID, "media", md.SID)
			recs = append(recs, adopted[0])
		case errs.NotFound, errs.Conflict:
			// not this message's: a forged or stale reference
		default:
			return nil, err
		}
	}
	return recs, nil
}
