package riverjobs_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/internal/pgtest"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/jobs/riverjobs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// server is the test binary's PostgreSQL server, started by TestMain.
var server *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }

// database opens ledgers on one database: each call is another instance's
// handle on it.
type database func(t *testing.T) *sqlledger.Ledger

// databases gives each test a new SQLite file and a new PostgreSQL database.
func databases(t *testing.T) map[string]database {
	t.Helper()
	open := func(t *testing.T, l *sqlledger.Ledger, err error) *sqlledger.Ledger {
		t.Helper()
		require.NoError(t, err, "the ledger must open")
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	var dsn string
	return map[string]database{
		"sqlite": func(t *testing.T) *sqlledger.Ledger {
			l, err := sqlite.Open(t.Context(), path)
			return open(t, l, err)
		},
		"postgres": func(t *testing.T) *sqlledger.Ledger {
			if dsn == "" {
				dsn = server.CreateDatabase(t)
			}
			l, err := postgres.Open(t.Context(), dsn)
			return open(t, l, err)
		},
	}
}

// each runs f once per database.
func each(t *testing.T, f func(t *testing.T, open database)) {
	for name, open := range databases(t) {
		t.Run(name, func(t *testing.T) { f(t, open) })
	}
}

// fast are Options that retry at once and poll often, so tests wait on
// events, not on River's production delays.
func fast() *riverjobs.Options {
	return &riverjobs.Options{PollInterval: 20 * time.Millisecond, Retry: retryNow{}, MaxAttempts: 3,
		Logger: slog.New(slog.DiscardHandler)}
}

type retryNow struct{}

func (retryNow) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// newQueue returns a Queue on l, stopped when t ends.
func newQueue(t *testing.T, l *sqlledger.Ledger, o *riverjobs.Options) *riverjobs.Queue {
	t.Helper()
	q, err := riverjobs.New(t.Context(), l, o)
	require.NoError(t, err, "riverjobs.New must migrate River's tables and build a client")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

// sentTrigger names a "notify" job for every record a change makes Sent.
var sentTrigger = jobs.Trigger{To: []ledger.State{ledger.Sent}, Jobs: func(_ ledger.Change, r ledger.Record) []jobs.Job {
	b, _ := json.Marshal(r.SID)
	return []jobs.Job{{Kind: "notify", Args: b}}
}}

// staged creates a staged record sid in l.
func staged(t *testing.T, l ledger.Ledger, sid string) {
	t.Helper()
	now := time.Now()
	require.NoError(t, l.Create(t.Context(), ledger.Record{SID: sid, Owner: "customer", Side: "customer",
		Channel: "CH1", State: ledger.Staged, FileName: "a.png", ContentType: "image/png", Size: 3,
		Created: now, Updated: now}))
}

// send moves sid from staged to sent.
func send(sid, msg string) ledger.Change {
	return ledger.Change{SID: sid, From: []ledger.State{ledger.Staged}, To: ledger.Sent, SetMessageSID: msg, Now: time.Now()}
}

// jobCount counts River's jobs in l's database.
func jobCount(t *testing.T, l *sqlledger.Ledger) int {
	t.Helper()
	var n int
	require.NoError(t, l.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM river_job").Scan(&n))
	return n
}

// wait returns the next event of a job in state, failing t after a minute.
func wait(t *testing.T, events <-chan *river.Event, state rivertype.JobState) *river.Event {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case e := <-events:
			if e.Job.State == state {
				return e
			}
		case <-timeout:
			t.Fatalf("no job reached state %s", state)
			return nil
		}
	}
}
