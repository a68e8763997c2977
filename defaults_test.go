package attachments_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

// TestLastingStorageNeedsALastingLedger: the default in-memory ledger
// forgets every file on restart, so New refuses it beside storage that
// keeps them, unless the host names the in-memory ledger itself.
func TestLastingStorageNeedsALastingLedger(t *testing.T) {
	disk, err := filesystem.Open(t.TempDir(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = disk.Close() })
	hostStore := map[string]attachments.Store{"own": &attachmentstest.Store{}}
	tests := []struct {
		name    string
		opts    attachments.Options
		refused bool
	}{
		{"all defaults", attachments.Options{}, false},
		{"memory storage, default ledger", attachments.Options{Storage: memory.New()}, false},
		{"disk, default ledger", attachments.Options{Storage: disk}, true},
		{"a host store, default ledger", attachments.Options{Stores: hostStore}, true},
		{"disk, the memory ledger by name", attachments.Options{Storage: disk, Ledger: ledgermemory.New()}, false},
		{"a host store, the memory ledger by name", attachments.Options{Stores: hostStore, Ledger: ledgermemory.New()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.SweepInterval = -1
			c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &o)
			if !tt.refused {
				require.NoError(t, err)
				require.NoError(t, c.Close(t.Context()))
				return
			}
			require.Error(t, err, "a restart would lose every file's record")
			assert.True(t, errors.Is(err, errs.InvalidConfig), "got %v", err)
			assert.Contains(t, err.Error(), "Options.Ledger", "the error names the option to set")
		})
	}
}

// TestCheckCannotEmptyTheBucket: Check on a ledger that knows none of the
// stored files (a wrong or empty database) finds them all orphans; a
// repair bounded below that deletes none of them.
func TestCheckCannotEmptyTheBucket(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Storage: store, SweepInterval: -1})
	for i := range 5 {
		_, err := h.Send(ctx, h.Customer, fmt.Sprintf("note-%d.txt", i), []byte("kept\n"))
		require.NoError(t, err)
	}
	// Another Client on the same bucket with a fresh, empty ledger: a
	// misconfigured instance.
	wrong := attachmentstest.NewClient(t, attachments.DefaultConfig(),
		&attachments.Options{Storage: store, Ledger: ledgermemory.New(), SweepInterval: -1}).Client
	rep, err := wrong.Check(ctx, 3, "")
	require.Error(t, err)
	assert.True(t, errors.Is(err, errs.TooManyRepairs), "got %v", err)
	assert.Len(t, rep.OrphanBlobs, 5, "the report still says what it found")
	assert.Zero(t, rep.Repaired)
	n := 0
	for _, err := range store.List(ctx, "media/") {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 5, n, "a repair over its bound must delete nothing")

	_, err = wrong.Check(ctx, -1, "")
	assert.True(t, errors.Is(err, errs.InvalidArgument))
}
