package chat

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of event.
const (
	// EventMessage: a message was sent (Event.Message).
	EventMessage EventKind = "message"
	// EventRemoved: a message was deleted (Event.Message is the message as
	// it was).
	EventRemoved EventKind = "removed"
	// EventRole: a member's role changed (Event.Identity, Event.Role).
	EventRole EventKind = "role"
	// EventActivity: an action ran and the journal recorded it
	// (Event.Entry).
	EventActivity EventKind = "activity"
)

// Event is one live update of a channel.
type Event struct {
	Kind     EventKind
	Channel  string
	Message  attachments.Message
	Identity string
	Role     attachments.Role
	Entry    ledger.Entry
}

// subscriberBuffer is how many events a subscriber may fall behind before
// the hub drops it. A dropped subscriber's channel is closed; an SSE client
// then reconnects and reloads the conversation, so nothing is lost.
const subscriberBuffer = 64

// maxLogLine bounds one line of the hub's log when it is read back.
const maxLogLine = 1 << 20

// Hub is the example's chat: channels of messages, members and their roles,
// and live updates for the browsers. It implements attachments.Transport
// and attachments.Members, which is all the library needs from a host's
// chat.
//
// A Hub opened on a file keeps its history there, as JSON lines, and reads
// it back when opened again, so a restart of the demo keeps the
// conversation. Without a file it lives in memory.
//
// A Hub is safe for concurrent use. Close ends every subscription.
type Hub struct {
	mu     sync.Mutex
	msgs   map[string]attachments.Message
	order  []string // message SIDs in sending order
	roles  map[[2]string]attachments.Role
	subs   map[chan Event]struct{}
	file   *os.File // nil: memory only
	ended  bool     // subscriptions ended: Subscribe refuses
	closed bool
	log    *slog.Logger
}

var (
	_ attachments.Transport = (*Hub)(nil)
	_ attachments.Members   = (*Hub)(nil)
)

// logRecord is one line of a Hub's file.
type logRecord struct {
	Op       string               `json:"op"` // "send", "remove" or "role"
	Message  *attachments.Message `json:"message,omitempty"`
	SID      string               `json:"sid,omitempty"`
	Channel  string               `json:"channel,omitempty"`
	Identity string               `json:"identity,omitempty"`
	Role     attachments.Role     `json:"role,omitempty"`
}

// OpenHub returns a Hub that keeps its history in the file at path, reading
// back what is there. An empty path gives a Hub in memory. A line that
// cannot be read back (the last one, cut short by a crash, say) is skipped
// with a warning to logger, which may be nil.
func OpenHub(path string, logger *slog.Logger) (*Hub, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		msgs:  map[string]attachments.Message{},
		roles: map[[2]string]attachments.Role{},
		subs:  map[chan Event]struct{}{},
		log:   logger,
	}
	if path == "" {
		return h, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open chat history: %w", err)
	}
	if err := h.replay(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("read chat history %s: %w", path, err)
	}
	if err := endLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("chat history %s: %w", path, err)
	}
	h.file = f
	return h, nil
}

func (h *Hub) replay(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLogLine)
	line := 0
	for sc.Scan() {
		line++
		var rec logRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			h.log.Warn("chat: skipping an unreadable line of the history", "line", line, "err", err)
			continue
		}
		switch {
		case rec.Op == "send" && rec.Message != nil:
			h.store(*rec.Message)
		case rec.Op == "remove":
			h.unstore(rec.SID)
		case rec.Op == "role":
			h.roles[[2]string{rec.Channel, rec.Identity}] = rec.Role
		default:
			h.log.Warn("chat: skipping an unknown record of the history", "line", line, "op", rec.Op)
		}
	}
	return sc.Err()
}

// endLine ends f's last line if a crash cut it short, so that the next
// record starts a line of its own rather than joining the torn one.
func endLine(f *os.File) error {
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, info.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

func (h *Hub) store(m attachments.Message) {
	if _, ok := h.msgs[m.SID]; !ok {
		h.order = append(h.order, m.SID)
	}
	h.msgs[m.SID] = m
}

func (h *Hub) unstore(sid string) (attachments.Message, bool) {
	m, ok := h.msgs[sid]
	if ok {
		delete(h.msgs, sid)
		h.order = slices.DeleteFunc(h.order, func(s string) bool { return s == sid })
	}
	return m, ok
}

// write appends rec to the file, if there is one. The caller holds h.mu.
func (h *Hub) write(rec logRecord) error {
	if h.closed {
		return &errs.Error{Code: errs.Closed, Op: "chat", Message: "the chat is closed"}
	}
	if h.file == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rec); err != nil { // Encode ends the line
		return &errs.Error{Code: errs.Internal, Op: "chat: " + rec.Op, Err: err}
	}
	if _, err := h.file.Write(buf.Bytes()); err != nil {
		return &errs.Error{Code: errs.Unavailable, Op: "chat: " + rec.Op,
			Message: "the message could not be saved, try again", Err: err}
	}
	return nil
}

// publish sends e to every subscriber without waiting. A subscriber whose
// buffer is full is dropped. The caller holds h.mu.
func (h *Hub) publish(e Event) {
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// Send implements attachments.Transport: it gives m a SID and a creation
// time, keeps it and tells the subscribers.
func (h *Hub) Send(ctx context.Context, m attachments.Message) (attachments.Message, error) {
	if err := ctx.Err(); err != nil {
		return attachments.Message{}, &errs.Error{Code: errs.Canceled, Op: "chat: send", Err: err}
	}
	var id [16]byte
	_, _ = rand.Read(id[:]) // never fails
	m.SID = "IM" + hex.EncodeToString(id[:])
	m.Created = time.Now().UTC().Truncate(time.Millisecond)
	m.Attributes = maps.Clone(m.Attributes)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.write(logRecord{Op: "send", Message: &m}); err != nil {
		return attachments.Message{}, err
	}
	h.store(m)
	h.publish(Event{Kind: EventMessage, Channel: m.Channel, Message: m})
	return m, nil
}

// Fetch implements attachments.Transport.
func (h *Hub) Fetch(_ context.Context, sid string) (attachments.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.msgs[sid]
	if !ok {
		return attachments.Message{}, &errs.Error{Code: errs.NotFound, Op: "chat: fetch", Message: "message not found"}
	}
	return m, nil
}

// Remove implements attachments.Transport. Removing a message that is not
// there does nothing.
func (h *Hub) Remove(_ context.Context, sid string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.msgs[sid]
	if !ok {
		return nil
	}
	if err := h.write(logRecord{Op: "remove", SID: sid}); err != nil {
		return err
	}
	h.unstore(sid)
	h.publish(Event{Kind: EventRemoved, Channel: m.Channel, Message: m})
	return nil
}

// Messages returns the messages of channel, oldest first.
func (h *Hub) Messages(channel string) []attachments.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []attachments.Message
	for _, sid := range h.order {
		if m := h.msgs[sid]; m.Channel == channel {
			out = append(out, m)
		}
	}
	return out
}

// Role implements attachments.Members. A member not in channel is an
// errs.NotFound error.
func (h *Hub) Role(_ context.Context, channel, identity string) (attachments.Role, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.roles[[2]string{channel, identity}]
	if !ok {
		return "", &errs.Error{Code: errs.NotFound, Op: "chat: role", Message: "not a member of this conversation"}
	}
	return r, nil
}

// SetRole implements attachments.Members, and tells the subscribers.
func (h *Hub) SetRole(ctx context.Context, channel, identity string, role attachments.Role) error {
	if err := ctx.Err(); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: "chat: set role", Err: err}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	k := [2]string{channel, identity}
	if old, ok := h.roles[k]; ok && old == role {
		return nil
	}
	if err := h.write(logRecord{Op: "role", Channel: channel, Identity: identity, Role: role}); err != nil {
		return err
	}
	h.roles[k] = role
	h.publish(Event{Kind: EventRole, Channel: channel, Identity: identity, Role: role})
	return nil
}

// hasRole reports whether identity has a role in channel, of any kind.
func (h *Hub) hasRole(channel, identity string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.roles[[2]string{channel, identity}]
	return ok
}

// Publish tells the subscribers about e. It is how the server reports
// activity; the hub publishes its own changes itself.
func (h *Hub) Publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.publish(e)
	}
}

// Subscribe returns a channel of every event from now on, and a function
// that ends the subscription. The channel is closed when the subscription
// ends: by cancel, by Close, or because the subscriber fell more than a
// buffer's worth of events behind. Subscribing to a closed Hub is an
// errs.Closed error.
func (h *Hub) Subscribe() (events <-chan Event, cancel func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.ended {
		return nil, nil, &errs.Error{Code: errs.Closed, Op: "chat: subscribe", Message: "the chat is closed"}
	}
	ch := make(chan Event, subscriberBuffer)
	h.subs[ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}, nil
}

// EndSubscriptions closes every subscriber's channel, so that long-lived
// event streams end, and refuses new ones. The Hub otherwise keeps working
// until Close. A server calls it when it starts shutting down.
func (h *Hub) EndSubscriptions() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.endSubscriptions()
}

func (h *Hub) endSubscriptions() {
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
	h.ended = true
}

// Close ends every subscription and closes the history file. Later sends
// and role changes fail with errs.Closed. Close is idempotent.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.endSubscriptions()
	if h.file == nil {
		return nil
	}
	err := h.file.Close()
	h.file = nil
	if err != nil {
		return errors.Join(errors.New("close chat history"), err)
	}
	return nil
}
