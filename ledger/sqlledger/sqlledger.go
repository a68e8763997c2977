// Package sqlledger is a ledger.Ledger over database/sql: SQLite through
// modernc.org/sqlite (pure Go, embedded: the single-machine default) and
// PostgreSQL through github.com/jackc/pgx/v5/stdlib (the shared engine for
// many instances). A host opens one with the database's own package,
// sqlite.Open or postgres.Open (ledger/sqlledger/sqlite and
// ledger/sqlledger/postgres), and so links that database's driver only;
// this package imports none.
//
// Open migrates the schema to the version this code knows, in one
// transaction under a lock (pg_advisory_xact_lock on PostgreSQL, BEGIN
// IMMEDIATE on SQLite), so two processes opening at once migrate once; a
// database whose schema is newer than the code is refused.
//
// Every change of state is one conditional UPDATE (… WHERE sid = $1 AND
// state IN (…) AND …): the database decides who wins a race, across
// goroutines and processes alike. An Apply of several changes, or of one
// with a draft limit, runs in one transaction, all or nothing. On
// PostgreSQL, whose READ COMMITTED transactions would each count a draft's
// files without seeing the others' attaches, a change with a limit first
// takes a transaction-scoped advisory lock on the draft (owner and channel);
// SQLite has one writer at a time, so its count is always current. A
// change that edits a record's renditions reads the list first, under a
// lock on the row (FOR UPDATE; SQLite's write lock), in the same
// transaction: two edits at once both stay.
//
// The journal's Seq is its row id; on PostgreSQL, appends and reads take an
// advisory lock (see Ledger.Append) so that ids are seen in commit order.
//
// Seq is the database's own increasing key. On PostgreSQL a record's Seq is
// drawn when it is inserted and seen when it commits, so two records
// created at once may appear out of Seq order: a List paging by AfterSeq
// may miss the one that committed second until its next pass. The sweep and
// Check start every pass from the beginning, so they find it then.
//
// Times are stored as Unix nanoseconds (BIGINT), not timestamptz: a
// change's UpdatedBefore compares them to the nanosecond, as the memory
// ledger does, and PostgreSQL's timestamps keep microseconds only.
// Renditions and journal entries are stored as JSON text: they are read
// whole with their record, never queried by their fields, so child tables
// would cost a join on every Get for nothing.
//
// # Errors
//
// Besides the codes ledger.Ledger documents: a database that cannot be
// reached (connection refused, the server shut down, the *sql.DB closed, a
// SQLite file locked past its busy timeout, a full disk) is
// errs.Unavailable; a schema newer than this code is errs.Unsupported.
package sqlledger

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Dialect names the database a Ledger talks to.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configure Open. The packages sqlledger/sqlite and
// sqlledger/postgres set them for the Ledgers they open.
type Options struct {
	// Dialect is the database's SQL dialect. Default: the one of db's
	// driver (modernc.org/sqlite or pgx's stdlib); Open fails with
	// errs.InvalidArgument for any other driver.
	Dialect Dialect
	// Writer, when set, is where writes go instead of db: on SQLite, a
	// pool of one connection, whose page cache no other connection's
	// writes invalidate.
	Writer *sql.DB
	// CloseDB makes Close close db and Writer, and Open close them when it
	// fails. Default false: the caller keeps them.
	CloseDB bool
}

// Ledger is a ledger.Ledger on a SQL database. It is safe for concurrent
// use; several Ledgers (in one process or many) on one database behave as
// one ledger. Its zero value is not usable; call Open, sqlite.Open or
// postgres.Open.
type Ledger struct {
	db *sql.DB
	// wdb is where writes go: db, or Options.Writer.
	wdb *sql.DB
	// w is the querier writes use: wdb, through a statement cache on
	// SQLite.
	w querier
	// stmts is that cache, or nil.
	stmts *stmts
	d     *dialect
	// owned says Close closes db and wdb (Options.CloseDB).
	owned bool
	// writer, on SQLite, lets one of this process's writes at a time into
	// the database (a semaphore that honours contexts): SQLite has one
	// writer anyway, and goroutines waiting here queue in order instead of
	// polling the file lock through the busy timeout. Nil on PostgreSQL.
	writer chan struct{}
	// beforeCommit is the BeforeCommit hook, or nil.
	beforeCommit atomic.Pointer[hook]
}

var _ ledger.Ledger = (*Ledger)(nil)

// Open returns a Ledger on db, migrating its schema first. Unless
// opts.CloseDB is set, the caller keeps db: Close does not close it. A
// SQLite db should be opened with the DSN sqlite.DSN returns (WAL mode, a
// busy timeout, foreign keys). A host usually calls sqlite.Open or
// postgres.Open instead, which open the database too.
func Open(ctx context.Context, db *sql.DB, opts *Options) (*Ledger, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	l, err := open(ctx, db, o)
	if err != nil && o.CloseDB {
		db.Close()
		if o.Writer != nil {
			o.Writer.Close()
		}
	}
	return l, err
}

func open(ctx context.Context, db *sql.DB, o Options) (*Ledger, error) {
	if o.Dialect == "" {
		o.Dialect = dialectOf(db)
	}
	d, ok := dialects[o.Dialect]
	if !ok {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "sqlledger open",
			Message: fmt.Sprintf("unknown SQL dialect %q (want %q or %q)", o.Dialect, SQLite, Postgres)}
	}
	l := &Ledger{db: db, wdb: db, d: d, owned: o.CloseDB}
	l.w = db
	if d.name == SQLite {
		l.writer = make(chan struct{}, 1)
		l.useWriter(cmp.Or(o.Writer, db))
	} else if o.Writer != nil {
		l.useWriter(o.Writer)
	}
	if err := l.migrate(ctx); err != nil {
		if l.stmts != nil {
			l.stmts.close()
		}
		return nil, err
	}
	return l, nil
}

// Close releases the database if the Ledger owns it (sqlite.Open,
// postgres.Open, Options.CloseDB); otherwise it leaves db to its caller.
func (l *Ledger) Close() error {
	if l.stmts != nil {
		l.stmts.close()
	}
	if !l.owned {
		return nil
	}
	err := l.db.Close()
	if l.wdb != l.db {
		if werr := l.wdb.Close(); err == nil {
			err = werr
		}
	}
	return l.fail(context.Background(), "sqlledger close", err)
}

// DB returns the database the Ledger reads from (and, without
// Options.Writer, writes to).
func (l *Ledger) DB() *sql.DB { return l.db }

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs f on the writer pool as one of this process's writers: on
// SQLite, one at a time.
func (l *Ledger) write(ctx context.Context, f func(w querier) error) error {
	if l.writer != nil {
		select {
		case l.writer <- struct{}{}:
			defer func() { <-l.writer }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f(l.w)
}

// useWriter makes wdb the writers' database, with a statement cache.
func (l *Ledger) useWriter(wdb *sql.DB) {
	if l.stmts != nil {
		l.stmts.close()
	}
	l.wdb, l.stmts = wdb, newStmts(wdb)
	l.w = l.stmts
}

// inTx runs f in a transaction on l's database and commits it, or rolls it
// back when f fails (or ctx ends): nothing f did stays.
func (l *Ledger) inTx(ctx context.Context, f func(tx querier) error) error {
	return l.write(ctx, func(w querier) error {
		tx, err := l.wdb.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var q querier = tx
		if l.stmts != nil {
			q = l.stmts.in(tx)
		}
		if err := f(q); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// q returns query in l's dialect: the code writes PostgreSQL's $1
// placeholders, which SQLite spells ?1.
func (l *Ledger) q(query string) string { return l.d.rebind(query) }

// placeholders returns "$from, $from+1, …" for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
