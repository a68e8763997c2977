package sqlledger

import (
	"context"
	"database/sql"

	"github.com/attachkit/attachments/ledger"
)

// BeforeCommit is called by Apply inside its transaction, after every
// change is made and before the commit, with the changes and the records as
// they leave them. What it writes through tx commits with the changes; an
// error rolls them back and Apply returns it. A job queue that enqueues the
// work a change causes in the change's own transaction (package
// jobs/riverjobs) hooks in here.
//
// It runs while the transaction holds its locks (on SQLite, the database's
// one writer): it must be quick and must not use the Ledger itself.
type BeforeCommit func(ctx context.Context, tx *sql.Tx, changes []ledger.Change, records []ledger.Record) error

// SetBeforeCommit makes Apply call f before each commit; nil removes it.
// With f set, every Apply runs in a transaction, one change included. It
// is safe to call at any time; an Apply already running keeps the hook it
// started with.
func (l *Ledger) SetBeforeCommit(f BeforeCommit) {
	if f == nil {
		l.beforeCommit.Store(nil)
		return
	}
	l.beforeCommit.Store(&f)
}

// hook returns the BeforeCommit to call, or nil.
func (l *Ledger) hook() BeforeCommit {
	if f := l.beforeCommit.Load(); f != nil {
		return *f
	}
	return nil
}

// txOf returns the *sql.Tx a transaction's querier runs on.
func txOf(q querier) *sql.Tx {
	if s, ok := q.(*stmts); ok {
		return s.tx
	}
	return q.(*sql.Tx)
}

// Dialect returns the SQL dialect l speaks.
func (l *Ledger) Dialect() Dialect { return l.d.name }
