package riverjobs_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
)

// TestTwoInstancesSweepOnce starts two instances with the janitor as a
// periodic job: the one River elects enqueues it, so one sweep runs.
func TestTwoInstancesSweepOnce(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		events := make(chan *river.Event, 16)
		for range 2 {
			l := open(t)
			q := newQueue(t, l, fast())
			h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Ledger: l, SweepInterval: -1})
			require.NoError(t, q.Janitor(h.Client, time.Hour))
			sub, stop := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
			t.Cleanup(stop)
			go func() {
				for e := range sub {
					events <- e
				}
			}()
			require.NoError(t, q.Start(t.Context()))
		}
		e := wait(t, events, rivertype.JobStateCompleted)
		assert.JSONEq(t, `{"kind":"attachments.sweep"}`, string(e.Job.EncodedArgs), "the job that ran is not the sweep")
		var n int
		require.NoError(t, open(t).DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM river_job").Scan(&n))
		assert.Equal(t, 1, n, "two instances enqueued the sweep: each would pay for it")
	})
}
