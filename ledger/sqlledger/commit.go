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

// SetBeforeCommit makes Apply call f before it commits changes of which
// wants reports one true; nil f removes it. Such an Apply runs in a
// transaction, one change included; the others run as they did. It is safe
// to call at any time; an Apply already running keeps the hook it started
// with.
func (l *Ledger) SetBeforeCommit(wants func(ledger.Change) bool, f BeforeCommit) {
	if f == nil || wants == nil {
		l.beforeCommit.Store(nil)
		return
	}
	l.beforeCommit.Store(&hook{wants: wants, f: f})
}

type hook struct {
	wants func(ledger.Change) bool
	f     BeforeCommit
}

// hook returns the BeforeCommit to call for changes, or nil.
func (l *Ledger) hook(changes []ledger.Change) BeforeCommit {
	h := l.beforeCommit.Load()
	if h == nil {
		return nil
	}
	for _, c := range changes {
		if h.wants(c) {
			return h.f
		}
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
