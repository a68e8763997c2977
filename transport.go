package attachments

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
)

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

// MemoryTransport is an in-memory Transport for tests, examples and demos:
// messages live in a map, are lost on restart and are not shared between
// processes. A real host plugs in its own chat.
//
// The zero value is empty and ready to use.
type MemoryTransport struct {
	mu   sync.RWMutex
	msgs map[string]Message
	seq  atomic.Uint64
	// OnSend, if set, is called with every message sent, after it is stored.
	// A demo uses it to push messages to browsers.
	OnSend func(Message)
	// OnRemove, if set, is called with every message removed.
	OnRemove func(Message)
}

// Send implements Transport.
func (t *MemoryTransport) Send(ctx context.Context, m Message) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, &errs.Error{Code: errs.Canceled, Op: "transport send", Err: err}
	}
	m.SID = fmt.Sprintf("IM%032x", t.seq.Add(1))
	m.Created = time.Now().UTC()
	m.Attributes = maps.Clone(m.Attributes)
	t.mu.Lock()
	if t.msgs == nil {
		t.msgs = map[string]Message{}
	}
	t.msgs[m.SID] = m
	t.mu.Unlock()
	if t.OnSend != nil {
		t.OnSend(m)
	}
	return m, nil
}

// Fetch implements Transport.
func (t *MemoryTransport) Fetch(_ context.Context, sid string) (Message, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	m, ok := t.msgs[sid]
	if !ok {
		return Message{}, &errs.Error{Code: errs.NotFound, Op: "transport fetch " + sid, Message: "message not found"}
	}
	return m, nil
}

// Remove implements Transport.
func (t *MemoryTransport) Remove(_ context.Context, sid string) error {
	t.mu.Lock()
	m, ok := t.msgs[sid]
	delete(t.msgs, sid)
	t.mu.Unlock()
	if ok && t.OnRemove != nil {
		t.OnRemove(m)
	}
	return nil
}

// Messages returns the messages of a channel, oldest first.
func (t *MemoryTransport) Messages(channel string) []Message {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Message
	for _, m := range t.msgs {
		if m.Channel == channel {
			out = append(out, m)
		}
	}
	// SIDs are a zero-padded sequence, so their order is the sending order.
	slices.SortFunc(out, func(a, b Message) int { return strings.Compare(a.SID, b.SID) })
	return out
}
