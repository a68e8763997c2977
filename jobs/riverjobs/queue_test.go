package riverjobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/jobs"
)

func TestAChangeThatRollsBackEnqueuesNothing(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		l := open(t)
		q := newQueue(t, l, fast())
		q.OnChange(sentTrigger)
		staged(t, l, "ME00000000000000000000000000000001")
		// The second change's record is missing: the Apply fails whole,
		// after the first change (and its job's insert) ran in its
		// transaction.
		_, err := l.Apply(t.Context(), send("ME00000000000000000000000000000001", "IM1"),
			send("ME00000000000000000000000000000002", "IM1"))
		require.ErrorIs(t, err, errs.NotFound)
		assert.Zero(t, jobCount(t, l), "a job was enqueued for a send that rolled back")
		r, err := l.Get(t.Context(), "ME00000000000000000000000000000001")
		require.NoError(t, err)
		assert.Equal(t, "staged", string(r.State), "the first change stayed although the Apply failed")

		_, err = l.Apply(t.Context(), send("ME00000000000000000000000000000001", "IM1"))
		require.NoError(t, err)
		assert.Equal(t, 1, jobCount(t, l), "a send that committed has no job")
	})
}

func TestAJobRunsOnceItsTransactionCommits(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		l := open(t)
		q := newQueue(t, l, fast())
		ran := make(chan string, 1)
		require.NoError(t, q.Handle("notify", func(_ context.Context, args json.RawMessage) error {
			var sid string
			require.NoError(t, json.Unmarshal(args, &sid))
			ran <- sid
			return nil
		}))
		require.NoError(t, q.Start(t.Context()))

		tx, err := l.DB().BeginTx(t.Context(), nil)
		require.NoError(t, err)
		b, _ := json.Marshal("ME1")
		require.NoError(t, q.EnqueueTx(t.Context(), tx, jobs.Job{Kind: "notify", Args: b}))
		if l.Dialect() == "postgres" {
			// SQLite's one writer holds the file: only PostgreSQL can be
			// asked from outside while the transaction is open.
			assert.Zero(t, jobCount(t, l), "a job was visible before its transaction committed")
		}
		require.NoError(t, tx.Commit())
		assert.Equal(t, "ME1", <-ran, "the job did not run with its arguments")

		// And through the ledger's hook.
		q.OnChange(sentTrigger)
		staged(t, l, "ME00000000000000000000000000000003")
		_, err = l.Apply(t.Context(), send("ME00000000000000000000000000000003", "IM1"))
		require.NoError(t, err)
		assert.Equal(t, "ME00000000000000000000000000000003", <-ran, "the send's job did not run")
	})
}

func TestAFailedJobIsRetriedThenDiscarded(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		l := open(t)
		q := newQueue(t, l, fast())
		events, stop := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		defer stop()
		var flaky, broken atomic.Int32
		require.NoError(t, q.Handle("flaky", func(context.Context, json.RawMessage) error {
			if flaky.Add(1) == 1 {
				return errors.New("the service is down")
			}
			return nil
		}))
		require.NoError(t, q.Handle("broken", func(context.Context, json.RawMessage) error {
			broken.Add(1)
			return errors.New("the service is down for good")
		}))
		require.NoError(t, q.Handle("refused", func(context.Context, json.RawMessage) error {
			return jobs.Discard(errors.New("the file is gone"))
		}))
		require.NoError(t, q.Start(t.Context()))

		require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "flaky"}))
		e := wait(t, events, rivertype.JobStateCompleted)
		assert.Equal(t, 2, e.Job.Attempt, "a job that failed once was not retried")
		assert.Equal(t, int32(2), flaky.Load())

		require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "broken"}))
		e = wait(t, events, rivertype.JobStateDiscarded)
		assert.Equal(t, 3, e.Job.Attempt, "a failing job was not run MaxAttempts times")
		require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: "refused"}))
		e = wait(t, events, rivertype.JobStateCancelled)
		assert.Equal(t, 1, e.Job.Attempt, "a job its handler discarded was retried")

		n, err := q.Discarded(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, n, "jobs that failed for good are not visible")
	})
}

func TestAJobIsTakenOverWhenItsInstanceStops(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		la, lb := open(t), open(t)
		a, b := newQueue(t, la, fast()), newQueue(t, lb, fast())
		started := make(chan struct{}, 1)
		require.NoError(t, a.Handle("render", func(ctx context.Context, _ json.RawMessage) error {
			started <- struct{}{}
			<-ctx.Done() // the instance dies mid-job
			return ctx.Err()
		}))
		done := make(chan string, 1)
		require.NoError(t, b.Handle("render", func(_ context.Context, args json.RawMessage) error {
			done <- string(args)
			return nil
		}))
		require.NoError(t, a.Start(t.Context()))
		require.NoError(t, a.Enqueue(t.Context(), jobs.Job{Kind: "render", Args: json.RawMessage(`"ME1"`)}))
		<-started

		gone, cancel := context.WithCancel(t.Context())
		cancel()
		err := a.Stop(gone)
		assert.ErrorIs(t, err, errs.Canceled, "a Stop whose context ended must say the running jobs were cancelled")

		require.NoError(t, b.Start(t.Context()))
		assert.Equal(t, `"ME1"`, <-done, "the other instance did not take the job over")
	})
}
