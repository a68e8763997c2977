package attachmentstest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// Transport is an in-memory attachments.Transport: messages live in a map,
// are lost when the process ends and are not shared between processes.
//
// The zero value is empty and ready to use.
type Transport struct {
	mu   sync.RWMutex
	msgs map[string]attachments.Message
	seq  uint64
}

// Send implements attachments.Transport. It gives m a SID of the form
// "IM" and 32 hex digits, in sending order, and stores a copy of it.
func (t *Transport) Send(ctx context.Context, m attachments.Message) (attachments.Message, error) {
	if err := ctx.Err(); err != nil {
		return attachments.Message{}, &errs.Error{Code: errs.Canceled, Op: "transport send", Err: err}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	m.SID = fmt.Sprintf("IM%032x", t.seq)
	m.Created = time.Now().UTC()
	m.Attributes = maps.Clone(m.Attributes)
	if t.msgs == nil {
		t.msgs = map[string]attachments.Message{}
	}
	t.msgs[m.SID] = m
	return m, nil
}

// Fetch implements attachments.Transport.
func (t *Transport) Fetch(_ context.Context, sid string) (attachments.Message, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	m, ok := t.msgs[sid]
	if !ok {
		return attachments.Message{}, &errs.Error{Code: errs.NotFound, Op: "transport fetch " + sid, Message: "message not found"}
	}
	return m, nil
}

// Remove implements attachments.Transport.
func (t *Transport) Remove(_ context.Context, sid string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.msgs, sid)
	return nil
}

// Messages returns the messages of a channel, oldest first.
func (t *Transport) Messages(channel string) []attachments.Message {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []attachments.Message
	for _, m := range t.msgs {
		if m.Channel == channel {
			out = append(out, m)
		}
	}
	// SIDs are a zero-padded sequence, so their order is the sending order.
	slices.SortFunc(out, func(a, b attachments.Message) int { return strings.Compare(a.SID, b.SID) })
	return out
}

// Members is an in-memory attachments.Members.
//
// Roles are per channel; a role set for channel "" applies in every channel
// that has none of its own, which is how a test makes someone a supervisor
// of everything. The zero value is empty and ready to use.
type Members struct {
	mu    sync.RWMutex
	roles map[[2]string]attachments.Role
}

// Role implements attachments.Members. A member with no role in channel
// (nor in "") is an errs.NotFound error.
func (m *Members) Role(_ context.Context, channel, identity string) (attachments.Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if r, ok := m.roles[[2]string{channel, identity}]; ok {
		return r, nil
	}
	if r, ok := m.roles[[2]string{"", identity}]; ok {
		return r, nil
	}
	return "", &errs.Error{Code: errs.NotFound, Op: "members", Message: "not a member of this channel"}
}

// SetRole implements attachments.Members.
func (m *Members) SetRole(_ context.Context, channel, identity string, role attachments.Role) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.roles == nil {
		m.roles = map[[2]string]attachments.Role{}
	}
	m.roles[[2]string{channel, identity}] = role
	return nil
}

// Store is an in-memory attachments.Store: a host's own store, for tests of
// the own-storage recipe (Options.Stores, File.Store). It counts the bytes
// written to it, so a test can check each file is written once. The zero
// value is empty and ready to use.
type Store struct {
	mu      sync.Mutex
	files   map[string][]byte
	written int64
}

// Put implements attachments.Store: whole or not at all.
func (s *Store) Put(_ context.Context, sid string, r io.Reader, _ string) error {
	b, err := io.ReadAll(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written += int64(len(b))
	if err != nil {
		return err
	}
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[sid] = b
	return nil
}

// Open implements attachments.Store.
func (s *Store) Open(_ context.Context, sid string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[sid]
	if !ok {
		return nil, &errs.Error{Code: errs.NotFound, Op: "store open " + sid}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Delete implements attachments.Store.
func (s *Store) Delete(_ context.Context, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, sid)
	return nil
}

// Len returns how many files the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files)
}

// Written returns how many bytes were written to the store in all.
func (s *Store) Written() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written
}
