package attachments

import "context"

// Transport is the host's chat: where messages are sent, found and removed.
// The library never stores messages itself.
type Transport interface {
	// Send delivers m to its channel and returns it as stored, with its SID
	// and creation time set.
	Send(ctx context.Context, m Message) (Message, error)
	// Fetch returns the message with the given SID, or an errs.NotFound error.
	Fetch(ctx context.Context, sid string) (Message, error)
	// Remove deletes the message with the given SID. Removing a message that
	// is not there is an errs.NotFound error or nil; both are taken as done.
	Remove(ctx context.Context, sid string) error
}
