package sqlledger_test

import (
	"database/sql/driver"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/attachkit/attachments/ledger/sqlledger"
	sqliteledger "github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// pauses lets a test stop a SQLite statement in the middle: a trigger calls
// the SQL function test_pause(key), which tells the test it got there and
// waits until the test lets it go. SQLite registers functions for every
// connection of the process, hence these package-level values.
var (
	registerPause sync.Once
	pauses        sync.Map // key -> pause
)

type pause struct{ reached, release chan struct{} }

// newPause registers test_pause once and returns the pause for key.
func newPause(t *testing.T, key string) pause {
	registerPause.Do(func() {
		sqlite.MustRegisterScalarFunction("test_pause", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if p, ok := pauses.Load(args[0]); ok {
				p.(pause).reached <- struct{}{}
				<-p.(pause).release
			}
			return nil, nil
		})
	})
	p := pause{reached: make(chan struct{}, 1), release: make(chan struct{})}
	pauses.Store(key, p)
	t.Cleanup(func() {
		close(p.release)
		pauses.Delete(key)
	})
	return p
}

// TestSQLiteCanceledMidTransaction: an Apply cancelled after its first
// changes were made, in the middle of its third, returns Canceled and
// leaves none of them made.
func TestSQLiteCanceledMidTransaction(t *testing.T) {
	p := newPause(t, t.Name())
	db := openDB(t, "sqlite", sqliteledger.DSN(filepath.Join(t.TempDir(), "ledger.db")))
	l, err := sqlledger.Open(t.Context(), db, nil)
	require.NoError(t, err)
	for _, sid := range []string{"ME1", "ME2", "ME3"} {
		require.NoError(t, l.Create(t.Context(), staged(sid)))
	}
	_, err = db.ExecContext(t.Context(), `CREATE TRIGGER pause BEFORE UPDATE ON media WHEN NEW.sid = 'ME3'
		BEGIN SELECT test_pause('`+t.Name()+`'); END`)
	require.NoError(t, err)

	cancel, done := applyThree(t, l)
	<-p.reached // ME1 and ME2 are changed in the Apply's transaction
	cancel()
	p.release <- struct{}{}
	wantCanceledAndUntouched(t, l, done)
}
