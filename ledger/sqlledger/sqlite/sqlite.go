// Package sqlite is the ledger on SQLite, through modernc.org/sqlite (pure
// Go, embedded): the single-machine default. A host that imports it links
// SQLite and not PostgreSQL's driver.
package sqlite

import (
	"context"
	"database/sql"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// DSN returns the DSN Open opens path with, for a caller who
// opens the *sql.DB itself (driver name "sqlite"): WAL mode, so readers
// never wait for the writer; a 5 s busy timeout, so a writer in another
// process is waited for rather than failed; synchronous=NORMAL, which in
// WAL mode never corrupts the database and may lose only the last commits
// to a power cut; and BEGIN IMMEDIATE transactions.
func DSN(path string) string {
	return path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
}

// sqlitePool is how many connections Open keeps open.
const sqlitePool = 8

// Open opens (creating it if need be) the SQLite database at path and
// returns a Ledger on it, with a pool of 8 connections; Close closes the
// database.
func Open(ctx context.Context, path string) (*sqlledger.Ledger, error) {
	const op = "sqlledger open sqlite"
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "a SQLite path must be set and hold no '?' or '#'"}
	}
	db, err := sql.Open("sqlite", DSN(path))
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
	wdb, err := sql.Open("sqlite", DSN(path)+"&_pragma=cache_size(-32768)")
	if err != nil {
		db.Close()
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Err: err}
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	return sqlledger.Open(ctx, db, &sqlledger.Options{Dialect: sqlledger.SQLite, Writer: wdb, CloseDB: true})
}
