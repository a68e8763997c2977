package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/memory"
)

func newLocal(t *testing.T, o jobs.LocalOptions) *jobs.Local {
	t.Helper()
	o.Logger = slog.New(slog.DiscardHandler)
	q := jobs.NewLocal(&o)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = q.Close(ctx)
	})
	return q
}

func closeQueue(t *testing.T, q *jobs.Local) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, q.Close(ctx), "the queue must drain")
}

func TestLocalRefusesWhatItCannotRun(t *testing.T) {
	q := newLocal(t, jobs.LocalOptions{})
	require.NoError(t, q.Handle("a", func(context.Context, json.RawMessage) error { return nil }))
	assert.Equal(t, errs.InvalidArgument, errs.CodeOf(q.Handle("a", func(context.Context, json.RawMessage) error { return nil })),
		"a kind must have one handler")
	assert.Equal(t, errs.InvalidArgument, errs.CodeOf(q.Enqueue(t.Context(), jobs.Job{Kind: "a"}, jobs.Job{Kind: "b"})),
		"a job no handler runs must be refused")
	closeQueue(t, q)
	assert.Equal(t, errs.Closed, errs.CodeOf(q.Enqueue(t.Context(), jobs.Job{Kind: "a"})), "a closed queue must say so")
}

func TestLocalIsFullAllOrNone(t *testing.T) {
	q := newLocal(t, jobs.LocalOptions{Size: 2, Workers: 1})
	running, release := make(chan struct{}), make(chan struct{})
	ran := make(chan string, 8)
	require.NoError(t, q.Handle("block", func(context.Context, json.RawMessage) error {
		running <- struct{}{}
		<-release
		return nil
	}))
	require.NoError(t, q.Handle("note", func(_ context.Context, a json.RawMessage) error {
		ran <- string(a)
		return nil
	}))
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "block"}))
	<-running // the one worker is busy: the queue holds what comes next
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "note", Args: json.RawMessage(`1`)}))
	err := q.Enqueue(t.Context(), jobs.Job{Kind: "note", Args: json.RawMessage(`2`)}, jobs.Job{Kind: "note", Args: json.RawMessage(`3`)})
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "two jobs cannot fit in one place")
	close(release)
	closeQueue(t, q)
	close(ran)
	var got []string
	for a := range ran {
		got = append(got, a)
	}
	assert.Equal(t, []string{"1"}, got, "a refused Enqueue queued some of its jobs")
}

func TestLocalRetriesThenGivesUp(t *testing.T) {
	q := newLocal(t, jobs.LocalOptions{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	var flaky, broken, panics int
	require.NoError(t, q.Handle("flaky", func(context.Context, json.RawMessage) error {
		if flaky++; flaky == 1 {
			return errors.New("down")
		}
		return nil
	}))
	require.NoError(t, q.Handle("broken", func(context.Context, json.RawMessage) error {
		broken++
		return errors.New("down for good")
	}))
	require.NoError(t, q.Handle("panics", func(context.Context, json.RawMessage) error {
		panics++
		panic("a bug")
	}))
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "flaky"}, jobs.Job{Kind: "broken"}, jobs.Job{Kind: "panics"}))
	closeQueue(t, q)
	assert.Equal(t, 2, flaky, "a job that failed once must run again, and stop once it succeeds")
	assert.Equal(t, 3, broken, "a job that keeps failing must run MaxAttempts times")
	assert.Equal(t, 1, panics, "a job whose handler panics must not run again")
	n, err := q.Discarded(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the jobs given up on must be counted")
}

func TestLocalCloseCancelsWhenItsContextEnds(t *testing.T) {
	q := newLocal(t, jobs.LocalOptions{})
	running := make(chan struct{})
	require.NoError(t, q.Handle("slow", func(ctx context.Context, _ json.RawMessage) error {
		close(running)
		<-ctx.Done()
		return ctx.Err()
	}))
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "slow"}))
	<-running
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, errs.Canceled, errs.CodeOf(q.Close(ctx)), "a Close whose context ended must say jobs were left")
}

func TestLocalLedgerEnqueuesWhatASuccessfulChangeCauses(t *testing.T) {
	q := newLocal(t, jobs.LocalOptions{})
	ran := make(chan string, 4)
	require.NoError(t, q.Handle("sent", func(_ context.Context, a json.RawMessage) error {
		ran <- string(a)
		return nil
	}))
	q.OnChange(jobs.Trigger{To: []ledger.State{ledger.Sent}, Jobs: func(_ ledger.Change, r ledger.Record) []jobs.Job {
		return []jobs.Job{{Kind: "sent", Args: json.RawMessage(`"` + r.SID + `"`)}}
	}})
	l := q.Ledger(memory.New())
	now := time.Now()
	for _, sid := range []string{"ME1", "ME2"} {
		require.NoError(t, l.Create(t.Context(), ledger.Record{SID: sid, Owner: "o", Channel: "CH1", State: ledger.Staged, Created: now, Updated: now}))
	}
	send := func(sid string) ledger.Change {
		return ledger.Change{SID: sid, From: []ledger.State{ledger.Staged}, To: ledger.Sent, SetMessageSID: "IM1", Now: now}
	}
	_, err := l.Apply(t.Context(), send("ME1"), send("ME3"))
	require.ErrorIs(t, err, errs.NotFound)
	_, err = l.Apply(t.Context(), send("ME2"))
	require.NoError(t, err)
	closeQueue(t, q)
	close(ran)
	var got []string
	for a := range ran {
		got = append(got, a)
	}
	assert.Equal(t, []string{`"ME2"`}, got, "a change that failed caused a job, or one that succeeded did not")
}
