package sqlledger_test

import (
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// dialectCase is one database a test runs on: a new empty store, and how
// to open a *sql.DB on it.
type dialectCase struct {
	name     string
	driver   string
	newStore func(t testing.TB) string // returns a DSN
}

func dialectCases() []dialectCase {
	return []dialectCase{
		{"sqlite", "sqlite", func(t testing.TB) string {
			return sqlite.DSN(filepath.Join(t.TempDir(), "ledger.db"))
		}},
		{"postgres", "pgx", func(t testing.TB) string { return server.CreateDatabase(t) }},
	}
}

// openDB opens a *sql.DB on dsn, closed when t ends.
func openDB(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestOpenMigratesOnce: processes opening one new database at once all
// succeed, and the schema is migrated once.
func TestOpenMigratesOnce(t *testing.T) {
	for _, dc := range dialectCases() {
		t.Run(dc.name, func(t *testing.T) {
			dsn := dc.newStore(t)
			const openers = 6
			var wg sync.WaitGroup
			errors := make([]error, openers)
			for i := range openers {
				db := openDB(t, dc.driver, dsn)
				wg.Go(func() { _, errors[i] = sqlledger.Open(t.Context(), db, nil) })
			}
			wg.Wait()
			for i, err := range errors {
				assert.NoError(t, err, "opener %d: a second instance starting beside the first could not open the ledger", i)
			}
			var versions, max int
			require.NoError(t, openDB(t, dc.driver, dsn).QueryRowContext(t.Context(),
				"SELECT COUNT(*), MAX(version) FROM schema_version").Scan(&versions, &max))
			assert.Equal(t, sqlledger.SchemaVersion(), versions, "schema versions recorded: a migration ran twice")
			assert.Equal(t, sqlledger.SchemaVersion(), max)
		})
	}
}

// TestOpenRefusesNewerSchema: a database migrated by newer code is refused
// with Unsupported, and left as it is.
func TestOpenRefusesNewerSchema(t *testing.T) {
	for _, dc := range dialectCases() {
		t.Run(dc.name, func(t *testing.T) {
			dsn := dc.newStore(t)
			db := openDB(t, dc.driver, dsn)
			_, err := sqlledger.Open(t.Context(), db, nil)
			require.NoError(t, err)
			_, err = db.ExecContext(t.Context(), "INSERT INTO schema_version (version, applied) VALUES (999, 0)")
			require.NoError(t, err)

			_, err = sqlledger.Open(t.Context(), openDB(t, dc.driver, dsn), nil)
			require.Error(t, err, "a ledger opened on a schema it does not know would write what newer code cannot read")
			assert.ErrorIs(t, err, errs.Unsupported)
			assert.Contains(t, errs.As(err).Text(), "999", "the error names the database's schema version")
			var n int
			require.NoError(t, db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_version").Scan(&n))
			assert.Equal(t, sqlledger.SchemaVersion()+1, n, "the refused open changed the schema table")
		})
	}
}

// TestOpenInvalid: a dialect Open does not know is InvalidArgument; a
// database that cannot be reached is Unavailable.
func TestOpenInvalid(t *testing.T) {
	db := openDB(t, "sqlite", sqlite.DSN(filepath.Join(t.TempDir(), "x.db")))
	_, err := sqlledger.Open(t.Context(), db, &sqlledger.Options{Dialect: "oracle"})
	assert.ErrorIs(t, err, errs.InvalidArgument, "an unknown dialect")

	_, err = sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	assert.ErrorIs(t, err, errs.Unavailable, "a SQLite file in a directory that does not exist")
	_, err = sqlite.Open(t.Context(), "x.db?mode=ro")
	assert.ErrorIs(t, err, errs.InvalidArgument, "a path with a query string")

	_, err = postgres.Open(t.Context(), "host=127.0.0.1 port=1 user=postgres dbname=x sslmode=disable connect_timeout=5")
	assert.ErrorIs(t, err, errs.Unavailable, "a PostgreSQL server that refuses connections")
	_, err = postgres.Open(t.Context(), "port=notanumber")
	assert.ErrorIs(t, err, errs.InvalidArgument, "a malformed DSN")
}
