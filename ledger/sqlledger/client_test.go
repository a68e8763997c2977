package sqlledger_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	storagememory "github.com/attachkit/attachments/storage/memory"
)

// shared opens two handles on one new ledger of each kind: what two
// instances of a host share.
func shared(t *testing.T) map[string]func(t *testing.T) [2]ledger.Ledger {
	return map[string]func(t *testing.T) [2]ledger.Ledger{
		"memory": func(*testing.T) [2]ledger.Ledger {
			l := ledgermemory.New()
			return [2]ledger.Ledger{l, l}
		},
		"sqlite": func(t *testing.T) [2]ledger.Ledger {
			path := filepath.Join(t.TempDir(), "ledger.db")
			return [2]ledger.Ledger{openSQLite(t, path), openSQLite(t, path)}
		},
		"postgres": func(t *testing.T) [2]ledger.Ledger {
			dsn := server.CreateDatabase(t)
			return [2]ledger.Ledger{openPostgres(t, dsn), openPostgres(t, dsn)}
		},
	}
}

// instance is one host instance: a Client on shared storage and a ledger
// handle.
func instance(t *testing.T, l ledger.Ledger, store *storage.Bucket, chat attachments.Transport, o attachments.Options) *attachments.Client {
	t.Helper()
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(t.Context(), "CH1", "alice", attachments.RoleCustomer))
	o.Storage, o.Ledger, o.SweepInterval, o.Logger = store, l, -1, slog.New(slog.DiscardHandler)
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &o)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

var alice = attachments.Member{Identity: "alice"}

// pngOf returns n bytes that sniff as a PNG, the last one seed.
func pngOf(n int, seed byte) []byte {
	b := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, n-16)...)
	b[n-1] = seed
	return b
}

// blobs counts the media blobs in store.
func blobs(t *testing.T, store *storage.Bucket) int {
	n := 0
	for _, err := range store.List(t.Context(), "media/") {
		require.NoError(t, err)
		n++
	}
	return n
}

// TestQuotaAcrossInstances: one member's uploads racing on two instances,
// each declaring a size of 1 byte, never store more than the byte quota;
// every refusal is quota_exceeded, keeps nothing and releases what it
// reserved; the usage the ledger counts is what storage holds.
func TestQuotaAcrossInstances(t *testing.T) {
	for name, open := range shared(t) {
		t.Run(name, func(t *testing.T) {
			ls := open(t)
			store := storagememory.New()
			quota := ledger.Quota{Bytes: 100 << 10, Files: 3}
			cs := [2]*attachments.Client{
				instance(t, ls[0], store, &attachmentstest.Transport{}, attachments.Options{Quota: quota}),
				instance(t, ls[1], store, &attachmentstest.Transport{}, attachments.Options{Quota: quota}),
			}
			const racers = 8
			send := func(i int) error {
				_, err := attachments.Invoke(t.Context(), cs[i%2].Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
					Channel: "CH1", Sender: alice,
					File: &attachments.File{Name: "a.png", Size: 1, Body: bytes.NewReader(pngOf(40<<10, byte(i)))}})
				return err
			}
			errList := make([]error, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() { errList[i] = send(i) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errList {
				if err == nil {
					ok++
					continue
				}
				assert.Equal(t, errs.QuotaExceeded, errs.CodeOf(err), "a refusal: %v", err)
			}
			require.LessOrEqual(t, ok, 2, "40 KiB files under a 100 KiB quota")
			// Uploads racing hold reservations for the bytes they have, so
			// they may refuse each other; a refused one releases its own.
			for i := racers; ok < 2; i++ {
				require.NoError(t, send(i), "room that refused uploads released")
				ok++
			}
			assert.Equal(t, errs.QuotaExceeded, errs.CodeOf(send(99)), "a third 40 KiB file under a 100 KiB quota")
			u, err := ls[0].Usage(t.Context(), "alice")
			require.NoError(t, err)
			assert.Equal(t, ledger.Usage{Files: 2, Bytes: 2 * 40 << 10}, u, "what the ledger counts")
			assert.Equal(t, 2, blobs(t, store), "what storage holds")
		})
	}
}

// cancelAt is a ledger that ends its caller's request at its nth call:
// either before the call (the call sees a done context) or after it (the
// call took effect, and its caller hears canceled, as when a commit lands
// while the request ends).
type cancelAt struct {
	ledger.Ledger
	n      int64
	after  bool
	cancel context.CancelFunc
	calls  atomic.Int64
	fired  atomic.Bool
}

func (l *cancelAt) hit(ctx context.Context) (context.Context, bool) {
	if l.calls.Add(1) != l.n || ctx.Err() != nil {
		return ctx, false
	}
	l.fired.Store(true)
	if !l.after {
		l.cancel()
	}
	return ctx, l.after
}

func (l *cancelAt) done(err error, after bool) error {
	if after && err == nil {
		l.cancel()
		return &errs.Error{Code: errs.Canceled, Op: "ledger"}
	}
	return err
}

func (l *cancelAt) Create(ctx context.Context, r ledger.Record, quota ...ledger.Quota) error {
	ctx, after := l.hit(ctx)
	return l.done(l.Ledger.Create(ctx, r, quota...), after)
}

func (l *cancelAt) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	ctx, after := l.hit(ctx)
	recs, err := l.Ledger.Apply(ctx, changes...)
	return recs, l.done(err, after)
}

func (l *cancelAt) Get(ctx context.Context, sid string) (ledger.Record, error) {
	ctx, after := l.hit(ctx)
	r, err := l.Ledger.Get(ctx, sid)
	return r, l.done(err, after)
}

func (l *cancelAt) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	ctx, after := l.hit(ctx)
	rs, err := l.Ledger.List(ctx, q)
	return rs, l.done(err, after)
}

// TestCancelNeverStrands ends a send's request at each of its ledger
// calls in turn, before and after the call, on every ledger: a direct send
// and a draft's send. Whatever the outcome, no file is left uploading or
// sending; a file that was sent is in a message; a draft's file not sent
// is back in the draft; a direct send's file not sent is gone, blob and
// record.
func TestCancelNeverStrands(t *testing.T) {
	for name, open := range shared(t) {
		t.Run(name, func(t *testing.T) {
			for _, fromDraft := range []bool{false, true} {
				for _, after := range []bool{false, true} {
					t.Run(fmt.Sprintf("draft=%v/after=%v", fromDraft, after), func(t *testing.T) {
						for n := int64(1); ; n++ {
							if !cancelRound(t, open(t), fromDraft, after, n) {
								break
							}
						}
					})
				}
			}
		})
	}
}

// cancelRound runs one send with its request ended at ledger call n, and
// checks what it left. It reports whether call n was reached.
func cancelRound(t *testing.T, ls [2]ledger.Ledger, fromDraft, after bool, n int64) bool {
	store := storagememory.New()
	chat := &attachmentstest.Transport{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	wrapped := &cancelAt{Ledger: ls[0], n: n, after: after, cancel: cancel}
	c := instance(t, wrapped, store, chat, attachments.Options{})
	if fromDraft {
		wrapped.calls.Store(-1 << 40) // the attach runs uncancelled
		_, err := attachments.Invoke(t.Context(), c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
			Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(pngOf(4096, 0))}})
		require.NoError(t, err)
		wrapped.calls.Store(0)
	}
	p := attachments.SendMediaMessagePayload{Channel: "CH1", Sender: alice, FromDraft: fromDraft}
	if !fromDraft {
		p.File = &attachments.File{Name: "a.png", Body: bytes.NewReader(pngOf(4096, 0))}
	}
	_, sendErr := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, p)
	if !wrapped.fired.Load() {
		require.NoError(t, sendErr, "an uncancelled send")
		return false
	}
	rs, err := ls[1].List(t.Context(), ledger.Query{})
	require.NoError(t, err)
	sent := len(chat.Messages("CH1"))
	for _, r := range rs {
		switch r.State {
		case ledger.Sent:
			assert.Equal(t, 1, sent, "call %d: a file sent without a message", n)
		case ledger.Drafted:
			assert.True(t, fromDraft, "call %d: a direct send's file ended in a draft", n)
			assert.Zero(t, sent, "call %d: a file in the draft and a message sent", n)
		default:
			t.Errorf("call %d (send: %v): a file left %s", n, sendErr, r.State)
		}
	}
	if !fromDraft && sent == 0 {
		assert.Empty(t, rs, "call %d: an unsent direct file kept a record", n)
		assert.Zero(t, blobs(t, store), "call %d: an unsent direct file kept its bytes", n)
	}
	if fromDraft {
		assert.Len(t, rs, 1, "call %d: the draft's file was lost", n)
	}
	return true
}

// failingTransport holds each Send until it is let go, then fails it.
type failingTransport struct {
	*attachmentstest.Transport
	sending chan struct{}
	release chan struct{}
}

func (f *failingTransport) Send(ctx context.Context, m attachments.Message) (attachments.Message, error) {
	f.sending <- struct{}{}
	<-f.release
	return attachments.Message{}, &errs.Error{Code: errs.Unavailable, Op: "send"}
}

// TestFailedSendKeepsTheDraftLimit: while a draft's send is in flight, on
// one instance, the member attaches new files to the (now empty) draft on
// another; when the transport fails, the files going back keep the draft
// within its limit: those that no longer fit go back staged.
func TestFailedSendKeepsTheDraftLimit(t *testing.T) {
	for name, open := range shared(t) {
		t.Run(name, func(t *testing.T) {
			ls := open(t)
			store := storagememory.New()
			chat := &failingTransport{Transport: &attachmentstest.Transport{}, sending: make(chan struct{}), release: make(chan struct{})}
			cfg := attachments.DefaultConfig()
			cfg.FilesPerMessage = 2
			newInstance := func(l ledger.Ledger) *attachments.Client {
				members := &attachmentstest.Members{}
				require.NoError(t, members.SetRole(t.Context(), "CH1", "alice", attachments.RoleCustomer))
				c, err := attachments.New(cfg, chat, members, &attachments.Options{Storage: store, Ledger: l,
					SweepInterval: -1, Logger: slog.New(slog.DiscardHandler)})
				require.NoError(t, err)
				t.Cleanup(func() { c.Close(context.Background()) })
				return c
			}
			a, b := newInstance(ls[0]), newInstance(ls[1])
			attach := func(c *attachments.Client, seed byte) {
				_, err := attachments.Invoke(t.Context(), c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
					Channel: "CH1", Sender: alice, File: &attachments.File{Name: fmt.Sprintf("a%d.png", seed), Body: bytes.NewReader(pngOf(4096, seed))}})
				require.NoError(t, err)
			}
			attach(a, 1)
			attach(a, 2)
			sent := make(chan error, 1)
			go func() {
				_, err := attachments.Invoke(t.Context(), a.Registry(), attachments.SendMediaMessage,
					attachments.SendMediaMessagePayload{Channel: "CH1", Sender: alice, FromDraft: true})
				sent <- err
			}()
			<-chat.sending
			attach(b, 3)
			attach(b, 4)
			close(chat.release)
			assert.Equal(t, errs.Unavailable, errs.CodeOf(<-sent), "the transport's failure")
			d, err := b.Draft(t.Context(), "CH1", alice)
			require.NoError(t, err)
			assert.Len(t, d.Files, 2, "a draft limited to 2 files holds more after a failed send")
			rs, err := ls[0].List(t.Context(), ledger.Query{Owner: "alice"})
			require.NoError(t, err)
			states := map[ledger.State]int{}
			for _, r := range rs {
				states[r.State]++
			}
			assert.Equal(t, map[ledger.State]int{ledger.Drafted: 2, ledger.Staged: 2}, states,
				"the unsent files that no longer fit went back staged, none lost or left sending")
		})
	}
}
