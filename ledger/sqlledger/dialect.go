package sqlledger

import (
	"context"
	"database/sql"
	"reflect"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// dialect is what differs between the databases: the spelling of a few
// things, how a migration takes its lock, whether a draft limit needs one,
// and what the database's errors mean.
type dialect struct {
	name Dialect
	// serial is the column type of an increasing key.
	serial string
	// rebind turns $1 placeholders into the dialect's.
	rebind func(string) string
	// lockMigration is run first in the migration's transaction, to keep
	// a second process out until the first has committed.
	lockMigration string
	// lockDraft, if set, is run in an Apply's transaction before a change
	// with a limit, with the change's SID: it serialises the attaches to one
	// draft, whose count of files would otherwise race.
	lockDraft string
	// sidBytes is the sid column compared byte by byte, the order of a
	// storage listing (ledger.Query.BySID).
	sidBytes string
	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends ("" on SQLite, whose transactions lock the database).
	forUpdate string
	// appendEntry inserts a journal entry: time, channel, entry.
	appendEntry string
	// lockJournal, if set, is run first in the transaction that reads the
	// journal: it waits for the appends in flight (see Ledger.Append).
	lockJournal string
	// beginMigration starts the migration's transaction on conn.
	beginMigration func(ctx context.Context, conn *sql.Conn) error
	// classify returns the code of an error the database returned.
	classify func(err error) errs.Code
}

var dialects = map[Dialect]*dialect{
	SQLite: {
		name:   SQLite,
		serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
		rebind: func(q string) string { return strings.ReplaceAll(q, "$", "?") },
		// BEGIN IMMEDIATE takes the write lock before the schema version is
		// read: a deferred transaction that reads first fails when another
		// process wrote in between, instead of waiting for it.
		beginMigration: func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
			return err
		},
		appendEntry: "INSERT INTO journal (time, channel, entry) VALUES ($1, $2, $3)",
		sidBytes:    "sid", // SQLite's default collation, BINARY
		classify:    sqliteCode,
	},
	Postgres: {
		name:          Postgres,
		serial:        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		rebind:        func(q string) string { return q },
		lockMigration: "SELECT pg_advisory_xact_lock(7106201600)",
		lockDraft:     "SELECT pg_advisory_xact_lock(hashtextextended(owner || chr(1) || channel, 0)) FROM media WHERE sid = $1",
		// The CTE takes the lock before the row's id is drawn: the
		// insert's values come from its one row.
		appendEntry: `WITH locked AS (SELECT pg_advisory_xact_lock_shared(7106201601))
			INSERT INTO journal (time, channel, entry) SELECT $1::bigint, $2::text, $3::text FROM locked`,
		lockJournal: "SELECT pg_advisory_xact_lock(7106201601)",
		forUpdate:   " FOR UPDATE",
		// The database's collation may follow a locale; "C" is bytes.
		sidBytes: `sid COLLATE "C"`,
		beginMigration: func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "BEGIN")
			return err
		},
		classify: postgresCode,
	},
}

// dialectOf returns the dialect of db's driver, or "" when it is neither.
// It goes by the driver's package, so that this package links none.
func dialectOf(db *sql.DB) Dialect {
	t := reflect.TypeOf(db.Driver())
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.PkgPath() {
	case "modernc.org/sqlite":
		return SQLite
	case "github.com/jackc/pgx/v5/stdlib":
		return Postgres
	}
	return ""
}
