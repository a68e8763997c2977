package attachments_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// forge sends a text message whose media attribute names someone else's
// file, as a hostile client can write any attribute.
func forge(e *env, from attachments.Member, ch string, m attachments.Media) (attachments.SendMessageResult, error) {
	return attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: ch, Sender: from, Body: "look",
		Attributes: map[string]any{"media": []attachments.Media{m}},
	})
}

func TestForgedMediaReferencesGrantNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	theirs, err := e.send(ctx, agent, pngFile(t, "agent.png"))
	require.NoError(t, err)
	m := theirs.Media[0]

	// The customer re-posts the agent's media SID in a message of her own.
	_, err = forge(e, customer, channel, m)
	assert.Equal(t, errs.NotFound, code(err), "a message naming another member's file must be refused: %v", err)
	assert.Len(t, e.chat.Messages(channel), 1, "the forged message must not be sent")

	// Even when a transport lets the forged attribute through, deleting the
	// forger's own message leaves the agent's file alone.
	forged, err := e.chat.Send(ctx, attachments.Message{Channel: channel, Author: customer.Identity, Body: "x",
		Attributes: map[string]any{"media": []attachments.Media{m}}})
	require.NoError(t, err)
	del, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: channel, Requester: customer, MessageSID: forged.SID})
	require.NoError(t, err)
	assert.Empty(t, del.Media, "deleting a message must not delete media its attributes merely name")
	_, err = download(e, customer, channel, theirs.Message.SID)
	assert.NoError(t, err, "the agent's file must survive the customer's delete")
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: customer, MessageSID: forged.SID})
	assert.Equal(t, errs.NotFound, code(err), "a forged message must not be a way to download a file")

	// A member of another channel gets nothing by naming the SID there.
	_, err = forge(e, stranger, "CH2", m)
	assert.Equal(t, errs.NotFound, code(err))
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: "CH2", Requester: stranger, MediaSID: m.SID})
	assert.Equal(t, errs.NotFound, code(err), "a member of another channel must not get a link by re-posting a SID")
}

func TestSendMessageTakesOnlyTheSendersOwnStagedFile(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// The Flex recipe: a replacement of SendMediaMessage sends the staged
	// file with SendMessage.
	var staged attachments.Media
	err := attachments.Replace(e.c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload, _ func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessageResult, error)) (attachments.SendMediaMessageResult, error) {
			staged, _ = p.File.Media()
			lie := staged
			lie.FileName, lie.Size = "other.exe", 1 // a client's description is not taken
			sent, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
				Channel: p.Channel, Sender: p.Sender, Body: "recipe",
				Attributes: map[string]any{"media": []attachments.Media{lie}},
			})
			return attachments.SendMediaMessageResult{Message: sent.Message}, err
		})
	require.NoError(t, err)
	res, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	got, err := res.Message.Media()
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, staged, got[0], "the message must carry the ledger's description of the file, not the client's")
	// Sent once, it cannot be sent again, by anyone.
	_, err = forge(e, customer, channel, staged)
	assert.Equal(t, errs.NotFound, code(err), "a sent file must not be sent again")
}

// twoInstances are two Clients sharing one ledger and one bucket, as two
// processes behind a load balancer do, each with its own clock.
func twoInstances(t *testing.T, l ledger.Ledger) (a, b *env) {
	t.Helper()
	store := memory.New()
	mk := func() *env {
		e := newEnv(t, envOptions{store: store, ledger: l})
		return e
	}
	a, b = mk(), mk()
	b.chat = a.chat
	return a, b
}

func TestInstancesShareDrafts(t *testing.T) {
	l := ledgermemory.New()
	a, b := twoInstances(t, l)
	ctx := context.Background()
	att, err := attach(a, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	d, err := b.c.Draft(ctx, channel, customer)
	require.NoError(t, err)
	require.Len(t, d.Files, 1, "a draft attached on one instance must be seen on another")
	// B's sweep, even with its clock far ahead of A's, leaves A's live draft
	// alone while it is fresh in the ledger.
	b.clock.Advance(30 * time.Minute)
	r, err := b.c.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, r.Files, "a sweep must not delete another instance's live draft")
	res, err := attachments.Invoke(ctx, b.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true})
	require.NoError(t, err, "a draft attached on one instance must be sendable from another")
	assert.Equal(t, att.Media.SID, res.Media[0].SID)
}

func TestSweepNeverDeletesAFileBeingSent(t *testing.T) {
	// Sends from drafts race sweeps on two instances; whatever the
	// interleaving, every message that was sent can be downloaded, and
	// every file that was swept has no message.
	for round := range 20 {
		l := ledgermemory.New()
		a, b := twoInstances(t, l)
		ctx := context.Background()
		_, err := attach(a, customer, pngFile(t, "a.png"))
		require.NoError(t, err)
		b.clock.Advance(2 * time.Hour) // to B the draft has expired
		var sent attachments.SendMediaMessageResult
		var sendErr error
		var swept attachments.SweepReport
		var wg sync.WaitGroup
		wg.Go(func() {
			sent, sendErr = attachments.Invoke(ctx, a.c.Registry(), attachments.SendMediaMessage,
				attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true})
		})
		wg.Go(func() { swept, _ = b.c.Sweep(ctx) })
		wg.Wait()
		if sendErr == nil {
			assert.Zero(t, swept.Files, "round %d: the sweep deleted a file that was sent", round)
			_, err := download(a, agent, channel, sent.Message.SID)
			assert.NoError(t, err, "round %d: a sent message's file must stay downloadable", round)
		} else {
			assert.Equal(t, 1, swept.Files, "round %d: the send failed (%v), so the sweep must have won", round, sendErr)
			assert.Empty(t, a.chat.Messages(channel), "round %d: no message may point at a swept file", round)
		}
	}
}

func TestDraftsSurviveARestart(t *testing.T) {
	l := ledgermemory.New()
	e := newEnv(t, envOptions{ledger: l})
	ctx := context.Background()
	_, err := e.c.SetDraftText(ctx, channel, customer, "")
	require.NoError(t, err)
	_, err = attach(e, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	require.NoError(t, e.c.Close(context.Background()))
	again := newEnv(t, envOptions{ledger: l, store: e.store})
	d, err := again.c.Draft(ctx, channel, customer)
	require.NoError(t, err)
	assert.Len(t, d.Files, 1, "a restarted process must see the draft the ledger holds")
}

// faultyLedger fails the calls its hooks pick, like a database that goes
// away half way.
type faultyLedger struct {
	ledger.Ledger
	failApply func(changes []ledger.Change) bool
	down      atomic.Bool // every call fails
}

var errDown = &errs.Error{Code: errs.Unavailable, Op: "ledger", Err: errors.New("connection refused")}

func (f *faultyLedger) Create(ctx context.Context, r ledger.Record, quota ...ledger.Quota) error {
	if f.down.Load() {
		return errDown
	}
	return f.Ledger.Create(ctx, r, quota...)
}

func (f *faultyLedger) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	if f.down.Load() || (f.failApply != nil && f.failApply(changes)) {
		return nil, errDown
	}
	return f.Ledger.Apply(ctx, changes...)
}

func (f *faultyLedger) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Ledger.List(ctx, q)
}

func to(s ledger.State) func([]ledger.Change) bool {
	return func(cs []ledger.Change) bool { return len(cs) > 0 && cs[0].To == s }
}

func TestSendCrashPoints(t *testing.T) {
	ctx := context.Background()
	t.Run("ledger down before the upload", func(t *testing.T) {
		f := &faultyLedger{Ledger: ledgermemory.New()}
		f.down.Store(true)
		e := newEnv(t, envOptions{ledger: f})
		_, err := e.send(ctx, customer, pngFile(t, "a.png"))
		assert.Equal(t, errs.Unavailable, code(err), "a ledger that is down must fail the send as unavailable")
		e.mustBeEmpty(t)
		assert.Empty(t, e.chat.Messages(channel))
	})
	t.Run("taking the file fails", func(t *testing.T) {
		f := &faultyLedger{Ledger: ledgermemory.New(), failApply: to(ledger.Sending)}
		e := newEnv(t, envOptions{ledger: f})
		_, err := e.send(ctx, customer, pngFile(t, "a.png"))
		assert.Equal(t, errs.Unavailable, code(err))
		assert.Empty(t, e.chat.Messages(channel), "no message may be sent for a file the send could not take")
		e.mustBeEmpty(t)
		live, err := f.Ledger.List(ctx, ledger.Query{States: ledger.Live})
		require.NoError(t, err)
		assert.Empty(t, live, "no record may stay behind")
	})
	t.Run("recording the message fails", func(t *testing.T) {
		// The process dies after the transport sent the message and before
		// the ledger recorded it: the message is out, its files in sending.
		f := &faultyLedger{Ledger: ledgermemory.New(), failApply: to(ledger.Sent)}
		e := newEnv(t, envOptions{ledger: f})
		res, err := e.send(ctx, customer, pngFile(t, "a.png"))
		require.NoError(t, err, "the message went out: the sender must not be told to send it again")
		f.failApply = nil
		// A restarted instance: the sweep keeps the file, Check reports it,
		// and the message adopts it when it is downloaded or deleted.
		later := newEnv(t, envOptions{ledger: f.Ledger, store: e.store})
		later.chat = e.chat
		later.clock.Advance(3 * time.Hour)
		r, err := later.c.Sweep(ctx)
		require.NoError(t, err)
		assert.Zero(t, r.Files, "a file in a sent message must never be swept")
		rep, err := later.c.Check(ctx, 0, "")
		require.NoError(t, err)
		assert.Equal(t, []string{res.Media[0].SID}, rep.StuckSending)
		e.clock.Advance(3 * time.Hour)
		dl, err := download(e, agent, channel, res.Message.SID)
		require.NoError(t, err, "the message's file must stay downloadable")
		status, body := e.fetch(t, dl.Link.URL)
		assert.Equal(t, 200, status)
		assert.Equal(t, res.Media[0].Size, int64(len(body)))
		del, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: customer, MessageSID: res.Message.SID})
		require.NoError(t, err)
		assert.Len(t, del.Media, 1, "deleting the message must delete the file it adopted")
		e.mustBeEmpty(t)
	})
	t.Run("ledger down mid-delete, then back", func(t *testing.T) {
		f := &faultyLedger{Ledger: ledgermemory.New()}
		e := newEnv(t, envOptions{ledger: f})
		res, err := e.send(ctx, customer, pngFile(t, "a.png"))
		require.NoError(t, err)
		// The record goes to deleted, then the database goes away before the
		// bytes and the record are gone.
		f.Ledger = &removeFails{Ledger: f.Ledger}
		_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: customer, MessageSID: res.Message.SID})
		assert.Equal(t, errs.Unavailable, code(err), "the delete must report the failure")
		assert.Len(t, e.chat.Messages(channel), 1, "the message stays while its files are not all gone")
		f.Ledger = f.Ledger.(*removeFails).Ledger
		e.clock.Advance(2 * time.Minute)
		r, err := e.c.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, r.Files, "the next sweep must finish the interrupted delete")
		e.mustBeEmpty(t)
	})
}

// removeFails fails Remove, like a database lost between a delete's steps.
type removeFails struct{ ledger.Ledger }

func (removeFails) Remove(context.Context, string) error { return errDown }

func TestCheckFindsAndRepairsDisagreements(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	kept, err := e.send(ctx, customer, pngFile(t, "b.png"))
	require.NoError(t, err)
	// A blob with no record, and a record whose blob is gone.
	orphan := attachments.NewMediaSID()
	_, err = e.store.Put(ctx, "media/"+orphan, strings.NewReader("stray"), storage.Metadata{})
	require.NoError(t, err)
	require.NoError(t, e.store.Delete(ctx, "media/"+sent.Media[0].SID))

	rep, err := e.c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Equal(t, []string{sent.Media[0].SID}, rep.MissingBlobs)
	assert.Equal(t, []string{orphan}, rep.OrphanBlobs)
	assert.Zero(t, rep.Repaired, "Check without Repair must change nothing")
	rep, err = e.c.Check(ctx, 1, "")
	assert.ErrorIs(t, err, errs.TooManyRepairs, "two to delete, one allowed: the repair must be refused")
	assert.Zero(t, rep.Repaired, "a refused repair deletes nothing")
	assert.Len(t, e.keys(t), 2, "a refused repair deletes nothing")
	rep, err = e.c.Check(ctx, 2, "")
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Repaired)
	rep, err = e.c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.MissingBlobs)
	assert.Empty(t, rep.OrphanBlobs)
	assert.Equal(t, []string{"media/" + kept.Media[0].SID}, e.keys(t), "repair must keep what is right")
}

func TestTheGuardHasTheLastWord(t *testing.T) {
	ctx := context.Background()
	type mediaImpl = func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessageResult, error)
	tests := []struct {
		name    string
		install func(r *attachments.Registry) error
	}{
		{"a listener moves the message to another channel", func(r *attachments.Registry) error {
			_, err := attachments.OnBefore(r, attachments.SendMediaMessage, func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
				p.Channel = "CH2"
				return p, nil
			})
			return err
		}},
		{"a listener changes the sender", func(r *attachments.Registry) error {
			_, err := attachments.OnBefore(r, attachments.SendMediaMessage, func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
				p.Sender = agent
				return p, nil
			})
			return err
		}},
		{"a replacement calls original in another channel", func(r *attachments.Registry) error {
			return attachments.Replace(r, attachments.SendMediaMessage, func(ctx context.Context, p attachments.SendMediaMessagePayload, original mediaImpl) (attachments.SendMediaMessageResult, error) {
				p.Channel = "CH2"
				return original(ctx, p)
			})
		}},
		{"a replacement calls original as someone else", func(r *attachments.Registry) error {
			return attachments.Replace(r, attachments.SendMediaMessage, func(ctx context.Context, p attachments.SendMediaMessagePayload, original mediaImpl) (attachments.SendMediaMessageResult, error) {
				p.Sender = stranger
				return original(ctx, p)
			})
		}},
		{"a replacement sends another member's draft", func(r *attachments.Registry) error {
			return attachments.Replace(r, attachments.SendMediaMessage, func(ctx context.Context, p attachments.SendMediaMessagePayload, original mediaImpl) (attachments.SendMediaMessageResult, error) {
				p.Sender, p.File, p.FromDraft = agent, nil, true
				return original(ctx, p)
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			_, err := attach(e, agent, pngFile(t, "agent-draft.png"))
			require.NoError(t, err)
			require.NoError(t, tt.install(e.c.Registry()))
			_, err = e.send(ctx, customer, pngFile(t, "a.png"))
			assert.Equal(t, errs.PermissionDenied, code(err), "a change to who sends or where must be refused: %v", err)
			assert.Empty(t, e.chat.Messages(channel), "nothing may be sent")
			assert.Empty(t, e.chat.Messages("CH2"), "nothing may be sent to the other channel")
			d, err := e.c.Draft(ctx, channel, agent)
			require.NoError(t, err)
			assert.Len(t, d.Files, 1, "the agent's draft must be untouched")
			assert.Len(t, mediaKeys(e.keys(t)), 1, "the refused file must not stay behind")
		})
	}
	t.Run("a listener swaps the file a download names", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		mine, err := e.send(ctx, customer, pngFile(t, "a.png"))
		require.NoError(t, err)
		_, err = attach(e, agent, pngFile(t, "draft.png"))
		require.NoError(t, err)
		d, _ := e.c.Draft(ctx, channel, agent)
		_, err = attachments.OnBefore(e.c.Registry(), attachments.DownloadMedia, func(_ context.Context, p attachments.DownloadMediaPayload) (attachments.DownloadMediaPayload, error) {
			p.MessageSID, p.MediaSID = "", d.Files[0].SID
			return p, nil
		})
		require.NoError(t, err)
		_, err = download(e, customer, channel, mine.Message.SID)
		assert.Equal(t, errs.PermissionDenied, code(err), "a listener must not turn a download into another file's")
	})
}

func TestThePolicyFollowsTheRoleNotTheClaim(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.Customer.FileAttachment.MaxFileSize = 100
	ctx := context.Background()
	e := newEnv(t, envOptions{cfg: &cfg})
	// A Member has no side to claim; a request that writes one anyway (a
	// client's JSON) is read as the identity alone.
	var claims attachments.Member
	require.NoError(t, json.Unmarshal([]byte(`{"identity": "`+customer.Identity+`", "side": "agent", "role": "agent"}`), &claims))
	_, err := e.send(ctx, claims, pngFile(t, "a.png"))
	assert.Equal(t, errs.FileTooLarge, code(err), "a customer claiming to be an agent must get the customer's limit")
	_, err = attach(e, claims, pngFile(t, "a.png"))
	assert.Equal(t, errs.FileTooLarge, code(err), "AttachFile too")
	assert.Equal(t, errs.FileTooLarge, code(e.c.Preflight(ctx, channel, claims, "a.png", "image/png", 1000)), "and Preflight")

	cfg.Customer.FileAttachment.Enabled = false
	e = newEnv(t, envOptions{cfg: &cfg})
	_, err = e.send(ctx, claims, pngFile(t, "a.png"))
	assert.Equal(t, errs.AttachmentsDisabled, code(err), "a disabled side stays disabled whatever the caller claims")
	_, err = forge(e, claims, channel, attachments.Media{SID: attachments.NewMediaSID()})
	assert.Equal(t, errs.AttachmentsDisabled, code(err), "SendMessage with media too")
	e.mustBeEmpty(t)
}

// TestSweepAndEraseGoPastOnePage: the sweep and an erasure take the ledger
// a page at a time, and must not stop after the first page.
func TestSweepAndEraseGoPastOnePage(t *testing.T) {
	ctx := context.Background()
	l := ledgermemory.New()
	e := newEnv(t, envOptions{ledger: l})
	long := e.clock.Now().Add(-2 * time.Hour)
	const n = 250 // more than two pages
	for i := range n {
		owner := customer.Identity
		if i%2 == 1 {
			owner = agent.Identity
		}
		require.NoError(t, l.Create(ctx, ledger.Record{SID: attachments.NewMediaSID(), Owner: owner, Channel: channel,
			State: ledger.Staged, Created: long, Updated: long}))
	}
	gone, err := e.c.EraseMember(ctx, agent.Identity)
	require.NoError(t, err)
	assert.Equal(t, n/2, gone, "erasing a member must delete every file it owns, however many")
	r, err := e.c.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, n-n/2, r.Files, "the sweep must delete every expired file, however many")
	left, err := l.List(ctx, ledger.Query{})
	require.NoError(t, err)
	assert.Empty(t, left)
}
