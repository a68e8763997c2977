package sqlledger

import (
	"context"
	"database/sql"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/attachkit/attachments/errs"
)

// SQLiteDSN returns the DSN OpenSQLite opens path with, for a caller who
// opens the *sql.DB itself (driver name "sqlite"): WAL mode, so readers
// never wait for the writer; a 5 s busy timeout, so a writer in another
// process is waited for rather than failed; synchronous=NORMAL, which in
// WAL mode never corrupts the database and may lose only the last commits
// to a power cut; and BEGIN IMMEDIATE transactions.
func SQLiteDSN(path string) string {
	return path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
}

// sqlitePool is how many connections OpenSQLite keeps open.
const sqlitePool = 8

// OpenSQLite opens (creating it if need be) the SQLite database at path and
// returns a Ledger on it, with a pool of 8 connections; Close closes the
// database.
func OpenSQLite(ctx context.Context, path string) (*Ledger, error) {
	const op = "sqlledger open sqlite"
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "a SQLite path must be set and hold no '?' or '#'"}
	}
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Err: err}
	}
	// A fixed pool, every connection kept: opening one runs the DSN's
	// pragmas and reads the schema again, and under 64 senders a pool that
	// grows and shrinks spends its time doing that. Writers take turns
	// anyway; eight readers keep two cores busy.
	db.SetMaxOpenConns(sqlitePool)
	db.SetMaxIdleConns(sqlitePool)
	// The writer touches every index of each record it changes: a 32 MiB
	// page cache (SQLite's default is 2 MiB) keeps the upper levels of a
	// million-record ledger's indexes in memory.
	wdb, err := sql.Open("sqlite", SQLiteDSN(path)+"&_pragma=cache_size(-32768)")
	if err != nil {
		db.Close()
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Err: err}
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	l, err := openOwned(ctx, db, SQLite)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	l.useWriter(wdb)
	return l, nil
}

// openOwned returns a Ledger on db, which Close closes; db is closed when
// Open fails.
func openOwned(ctx context.Context, db *sql.DB, d Dialect) (*Ledger, error) {
	l, err := Open(ctx, db, &Options{Dialect: d})
	if err != nil {
		db.Close()
		return nil, err
	}
	l.owned = true
	return l, nil
}
