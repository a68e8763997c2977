package sqlledger_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// TestBeforeCommitWritesWithTheChangeOrNotAtAll: what the hook writes
// commits with the change that called it, a hook that fails rolls the change
// back, and a change the hook does not want runs without it.
func TestBeforeCommitWritesWithTheChangeOrNotAtAll(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *sqlledger.Ledger{
		"sqlite":   func(t *testing.T) *sqlledger.Ledger { return openSQLite(t, filepath.Join(t.TempDir(), "ledger.db")) },
		"postgres": func(t *testing.T) *sqlledger.Ledger { return openPostgres(t, server.CreateDatabase(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			l := open(t)
			ctx := t.Context()
			_, err := l.DB().ExecContext(ctx, "CREATE TABLE outbox (sid TEXT NOT NULL)")
			require.NoError(t, err)
			var fail error
			calls := 0
			l.SetBeforeCommit(func(c ledger.Change) bool { return c.To == ledger.Sent },
				func(ctx context.Context, tx *sql.Tx, _ []ledger.Change, records []ledger.Record) error {
					calls++
					if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (sid) VALUES ('"+records[0].SID+"')"); err != nil {
						return err
					}
					return fail
				})
			now := time.Now()
			for _, sid := range []string{"ME1", "ME2"} {
				require.NoError(t, l.Create(ctx, ledger.Record{SID: sid, Owner: "o", Channel: "CH1", State: ledger.Staged, Created: now, Updated: now}))
			}
			change := func(sid string, to ledger.State) ledger.Change {
				return ledger.Change{SID: sid, From: []ledger.State{ledger.Staged}, To: to, SetMessageSID: "IM1", Now: now}
			}
			outbox := func() (n int) {
				require.NoError(t, l.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox").Scan(&n))
				return n
			}

			fail = errors.New("the queue is down")
			_, err = l.Apply(ctx, change("ME1", ledger.Sent))
			require.ErrorIs(t, err, fail, "the hook's error must be Apply's")
			r, err := l.Get(ctx, "ME1")
			require.NoError(t, err)
			assert.Equal(t, ledger.Staged, r.State, "a change whose hook failed was kept")
			assert.Zero(t, outbox(), "a hook's write outlived its rolled-back transaction")

			fail = nil
			_, err = l.Apply(ctx, change("ME1", ledger.Sent))
			require.NoError(t, err)
			assert.Equal(t, 1, outbox(), "the hook's write did not commit with the change")

			_, err = l.Apply(ctx, change("ME2", ledger.Drafted))
			require.NoError(t, err)
			assert.Equal(t, 2, calls, "the hook ran for a change it does not want")
		})
	}
}
