package attachments_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// stuckDriver fails to delete the keys in stuck, like a blob on a disk
// gone read-only or a bucket policy that forbids it.
type stuckDriver struct {
	storage.Driver
	mu    sync.Mutex
	stuck map[string]bool
}

func (d *stuckDriver) Delete(ctx context.Context, key string) error {
	d.mu.Lock()
	stuck := d.stuck[key]
	d.mu.Unlock()
	if stuck {
		return errDisk
	}
	return d.Driver.Delete(ctx, key)
}

func (d *stuckDriver) set(key string, stuck bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stuck[key] = stuck
}

func TestSweepGoesOnPastAFileItCannotDelete(t *testing.T) {
	d := &stuckDriver{Driver: memory.New().Driver(), stuck: map[string]bool{}}
	e := newEnv(t, envOptions{store: storage.NewBucket(d)})
	ctx := context.Background()
	var sids []string
	for range 3 {
		sid := attachments.NewMediaSID()
		now := e.clock.Now()
		require.NoError(t, e.ledger.Create(ctx, ledger.Record{SID: sid, Owner: customer.Identity, Channel: channel,
			State: ledger.Drafted, Created: now, Updated: now}))
		_, err := e.store.Put(ctx, "media/"+sid, strings.NewReader("bytes"), storage.Metadata{})
		require.NoError(t, err)
		sids = append(sids, sid)
	}
	stuck := sids[1]
	d.set("media/"+stuck, true)
	require.NoError(t, e.ledger.Append(ctx, ledger.Entry{Time: e.clock.Now().Add(-400 * 24 * time.Hour), Action: "old", Actor: "x", Code: "ok"}))
	sweep := func(after time.Duration) sweepCounts {
		t.Helper()
		e.clock.Advance(after)
		r, err := e.c.Sweep(ctx)
		require.NoError(t, err, "a file that cannot be deleted is reported in Failed, not as the sweep's error")
		return sweepCounts{r.Files, r.Failed, r.JournalEntries}
	}

	assert.Equal(t, sweepCounts{Files: 2, Failed: 1, Journal: 1}, sweep(25*time.Hour),
		"the sweep deletes the files it can and purges the journal past the one it cannot delete")
	r, err := e.ledger.Get(ctx, stuck)
	require.NoError(t, err)
	assert.Equal(t, ledger.Deleted, r.State, "the file that failed is no longer served")

	assert.Equal(t, sweepCounts{Failed: 1}, sweep(2*time.Minute), "a later pass tries it again")
	assert.Equal(t, sweepCounts{}, sweep(time.Minute), "after two failures it waits two minutes, not one")
	d.set("media/"+stuck, false)
	assert.Equal(t, sweepCounts{Files: 1}, sweep(time.Minute), "once storage works again, the file goes")
	e.mustBeEmpty(t)
	_, err = e.ledger.Get(ctx, stuck)
	assert.Equal(t, errs.NotFound, code(err))
}

// sweepCounts are a SweepReport's counts, compared whole.
type sweepCounts struct{ Files, Failed, Journal int }
