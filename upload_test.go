package attachments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

// stalledUpload records what a process that died mid-upload leaves: an
// uploading record and the bytes it had written.
func stalledUpload(t *testing.T, e *env, sid string, at time.Time) {
	t.Helper()
	require.NoError(t, e.ledger.Create(context.Background(), ledger.Record{SID: sid, Owner: customer.Identity,
		Side: "customer", Channel: channel, State: ledger.Uploading, FileName: "a.png", Size: 1 << 20,
		Created: at, Updated: at}))
	_, err := e.store.Put(context.Background(), "media/"+sid, strings.NewReader("half a file"), storage.Metadata{})
	require.NoError(t, err)
}

// TestSweepRemovesStalledUploads: an upload that stopped making progress
// for longer than DraftLifetime is swept, record, bytes and reservation;
// one still within it is left alone.
func TestSweepRemovesStalledUploads(t *testing.T) {
	e := newEnv(t, envOptions{})
	stalledUpload(t, e, "ME00000000000000000000000000000001", e.clock.Now())
	e.clock.Advance(2 * time.Hour)
	stalledUpload(t, e, "ME00000000000000000000000000000002", e.clock.Now())
	r, err := e.c.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, r.Files, "the stalled upload is swept, the live one kept")
	u, err := e.ledger.Usage(context.Background(), customer.Identity)
	require.NoError(t, err)
	assert.Equal(t, ledger.Usage{Files: 1, Bytes: 1 << 20, Pending: 1}, u, "the swept upload's reservation is released")
	_, _, err = e.store.Get(context.Background(), "media/ME00000000000000000000000000000001", nil)
	assert.Error(t, err, "the swept upload's bytes are gone")
}

// TestEraseMemberDeletesUploadsInFlight: EraseMember deletes a member's
// uploads in flight with its files.
func TestEraseMemberDeletesUploadsInFlight(t *testing.T) {
	e := newEnv(t, envOptions{})
	stalledUpload(t, e, "ME00000000000000000000000000000003", e.clock.Now())
	n, err := e.c.EraseMember(context.Background(), customer.Identity)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e.mustBeEmpty(t)
}
