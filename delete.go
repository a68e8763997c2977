package attachments

import (
	"context"
	"errors"
	"fmt"

	"github.com/attachkit/attachments/errs"
)

// DeleteMessage deletes a message and all its media.
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
	m, err := c.fetchInChannel(ctx, p.Channel, p.MessageSID)
	if errors.Is(err, errs.NotFound) {
		return DeleteMessageResult{}, nil
	}
	if err != nil {
		return DeleteMessageResult{}, err
	}
	media, err := m.Media()
	if err != nil {
		return DeleteMessageResult{}, err
	}
	for _, md := range media {
		if err := c.deleteMedia(ctx, md.SID, ""); err != nil {
			return DeleteMessageResult{}, &errs.Error{Code: errs.CodeOf(err),
				Message: "the message's files could not all be deleted; try again", Err: err}
		}
	}
	if err := c.transport.Remove(ctx, m.SID); err != nil && !errors.Is(err, errs.NotFound) {
		return DeleteMessageResult{}, &errs.Error{Code: errs.Unavailable,
			Message: "the files were deleted but the message could not be removed; try again",
			Err:     fmt.Errorf("remove message: %w", err)}
	}
	return DeleteMessageResult{Deleted: true, Media: media}, nil
}
