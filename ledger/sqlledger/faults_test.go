package sqlledger_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/pgtest"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// t0 is the fault tests' clock.
var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func staged(sid string) ledger.Record {
	return ledger.Record{SID: sid, Owner: "alice", Channel: "CH1", State: ledger.Staged, Created: t0, Updated: t0}
}

func take(sid string) ledger.Change {
	return ledger.Change{SID: sid, From: []ledger.State{ledger.Staged}, To: ledger.Sending, Owner: "alice", Now: t0.Add(time.Second)}
}

// everyCall calls every method of l once with ctx and returns the errors by
// method.
func everyCall(ctx context.Context, l ledger.Ledger) map[string]error {
	out := map[string]error{}
	out["Create"] = l.Create(ctx, staged("MEnew"))
	_, out["Get"] = l.Get(ctx, "ME1")
	_, out["Apply"] = l.Apply(ctx, take("ME1"))
	_, out["Apply two"] = l.Apply(ctx, take("ME1"), take("ME2"))
	_, out["List"] = l.List(ctx, ledger.Query{Owner: "alice"})
	out["Remove"] = l.Remove(ctx, "ME1")
	_, out["Usage"] = l.Usage(ctx, "alice")
	_, out["DraftText"] = l.DraftText(ctx, "CH1", "alice")
	out["SetDraftText"] = l.SetDraftText(ctx, "CH1", "alice", "x")
	out["ForgetOwner"] = l.ForgetOwner(ctx, "alice")
	out["Append"] = l.Append(ctx, ledger.Entry{Time: t0, Action: "a", Code: "ok"})
	_, out["Entries"] = l.Entries(ctx, ledger.EntryQuery{})
	_, out["Purge"] = l.Purge(ctx, t0)
	return out
}

// wantAll fails t unless every call's error has code.
func wantAll(t *testing.T, got map[string]error, code errs.Code, when string) {
	t.Helper()
	for name, err := range got {
		if assert.Error(t, err, "%s %s: got no error, want %s", name, when, code) {
			assert.True(t, errs.As(err) != nil && errs.CodeOf(err) == code,
				"%s %s: got %v (code %s), want an *errs.Error with code %s", name, when, err, errs.CodeOf(err), code)
		}
	}
}

// TestSQLiteClosedDatabase: every call on a closed *sql.DB is Unavailable.
func TestSQLiteClosedDatabase(t *testing.T) {
	db, err := sql.Open("sqlite", sqlite.DSN(filepath.Join(t.TempDir(), "ledger.db")))
	require.NoError(t, err)
	l, err := sqlledger.Open(t.Context(), db, nil)
	require.NoError(t, err)
	require.NoError(t, l.Create(t.Context(), staged("ME1")))
	require.NoError(t, db.Close())
	wantAll(t, everyCall(t.Context(), l), errs.Unavailable, "on a closed database")
}

// TestSQLiteLockedDatabase: while another process holds the write lock past
// the busy timeout, writes are Unavailable and change nothing; once it lets
// go, the same ledger works again.
func TestSQLiteLockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	// sqlite.DSN's, with a busy timeout of 20 ms rather than 5 s.
	db := openDB(t, "sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(20)")
	l, err := sqlledger.Open(t.Context(), db, nil)
	require.NoError(t, err)
	require.NoError(t, l.Create(t.Context(), staged("ME1")))
	require.NoError(t, l.Create(t.Context(), staged("ME2")))

	other := openDB(t, "sqlite", sqlite.DSN(path))
	conn, err := other.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	_, err = l.Apply(t.Context(), take("ME1"), take("ME2"))
	assert.ErrorIs(t, err, errs.Unavailable, "Apply while another process writes: want Unavailable, so the action can say try again")
	assert.ErrorIs(t, l.Create(t.Context(), staged("ME3")), errs.Unavailable, "Create while another process writes")
	r, err := l.Get(t.Context(), "ME1")
	require.NoError(t, err, "reads go on in WAL mode while another process writes")
	assert.Equal(t, ledger.Staged, r.State)

	_, err = conn.ExecContext(t.Context(), "ROLLBACK")
	require.NoError(t, err)
	out, err := l.Apply(t.Context(), take("ME1"), take("ME2"))
	require.NoError(t, err, "Apply once the other process let go")
	assert.Len(t, out, 2)
}

// TestPostgresServerDown: while the server is down every call is
// Unavailable and nothing is half done; when it is back the same ledger
// works again.
func TestPostgresServerDown(t *testing.T) {
	srv, err := pgtest.Start()
	require.NoError(t, err)
	defer srv.Close()
	l, err := postgres.Open(t.Context(), srv.DSN("postgres"))
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, l.Create(t.Context(), staged("ME1")))
	require.NoError(t, l.Create(t.Context(), staged("ME2")))

	require.NoError(t, srv.Stop())
	wantAll(t, everyCall(t.Context(), l), errs.Unavailable, "with the server down")

	require.NoError(t, srv.Restart())
	for _, sid := range []string{"ME1", "ME2"} {
		r, err := l.Get(t.Context(), sid)
		require.NoError(t, err, "Get once the server is back")
		assert.Equal(t, ledger.Staged, r.State, "%s after the failed Apply: half a send done", sid)
	}
	_, err = l.Get(t.Context(), "MEnew")
	assert.ErrorIs(t, err, errs.NotFound, "a record created while the server was down")
	out, err := l.Apply(t.Context(), take("ME1"), take("ME2"))
	require.NoError(t, err, "Apply once the server is back")
	assert.Len(t, out, 2)
}

// TestPostgresCanceledMidTransaction: an Apply cancelled after its first
// changes were made, while it waits for a row another transaction holds,
// returns Canceled and leaves none of them made.
func TestPostgresCanceledMidTransaction(t *testing.T) {
	dsn := server.CreateDatabase(t)
	l := openPostgres(t, dsn)
	for _, sid := range []string{"ME1", "ME2", "ME3"} {
		require.NoError(t, l.Create(t.Context(), staged(sid)))
	}
	// Another transaction holds ME3's row, so the Apply stops there.
	holder := openDB(t, "pgx", dsn)
	tx, err := holder.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(t.Context(), "SELECT sid FROM media WHERE sid = 'ME3' FOR UPDATE")
	require.NoError(t, err)

	cancel, done := applyThree(t, l)
	// Wait until the Apply waits for the lock: ME1 and ME2 are changed in
	// its transaction by then.
	watcher := openDB(t, "pgx", dsn)
	require.Eventually(t, func() bool {
		var n int
		err := watcher.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n > 0
	}, time.Minute, 10*time.Millisecond, "the Apply never reached the held row")
	cancel()
	wantCanceledAndUntouched(t, l, done)
	require.NoError(t, tx.Rollback())
}

// applyThree starts an Apply taking ME1, ME2 and ME3 to send, and returns
// the function that cancels it and where its error arrives.
func applyThree(t *testing.T, l ledger.Ledger) (cancel func(), done <-chan error) {
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := l.Apply(ctx, take("ME1"), take("ME2"), take("ME3"))
		errc <- err
	}()
	return cancel, errc
}

// wantCanceledAndUntouched fails t unless the cancelled Apply returned
// Canceled and left ME1, ME2 and ME3 staged.
func wantCanceledAndUntouched(t *testing.T, l ledger.Ledger, done <-chan error) {
	t.Helper()
	assert.ErrorIs(t, <-done, errs.Canceled, "an Apply cancelled mid-transaction")
	for _, sid := range []string{"ME1", "ME2", "ME3"} {
		r, err := l.Get(t.Context(), sid)
		require.NoError(t, err)
		assert.Equal(t, ledger.Staged, r.State, "%s after a cancelled Apply: half a send done", sid)
	}
}
