package sqlledger

import (
	"context"
	"database/sql"
	"sync"
)

// stmts is a querier that prepares each query once on db and keeps the
// statement: SQLite spends a fifth of a small write parsing it otherwise
// (pgx caches prepared statements itself, so PostgreSQL does without).
// A statement used in a transaction is bound to it with Tx.StmtContext.
type stmts struct {
	db *sql.DB
	tx *sql.Tx // nil outside a transaction
	// mu guards m; the statements themselves are safe for concurrent use.
	mu *sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, mu: &sync.Mutex{}, m: map[string]*sql.Stmt{}}
}

// in returns s bound to tx.
func (s *stmts) in(tx *sql.Tx) *stmts {
	c := *s
	c.tx = tx
	return &c
}

// stmt returns query's statement, prepared on first use, or nil when there
// is none to use: in a transaction, a statement not prepared yet is not
// prepared then, since preparing on db would wait for a connection the
// transaction may hold (the writers' pool has one).
func (s *stmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[query]
	switch {
	case ok && s.tx != nil:
		return s.tx.StmtContext(ctx, st), nil
	case ok:
		return st, nil
	case s.tx != nil:
		return nil, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.m[query] = st
	return st, nil
}

// direct is what runs a query that has no statement: the transaction or
// the database.
func (s *stmts) direct() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

func (s *stmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, query)
	if err != nil || st == nil {
		return s.direct().ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (s *stmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, query)
	if err != nil || st == nil {
		return s.direct().QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs query. When its statement cannot be prepared, the
// same call without one fails the same way, and returns the failure in the
// *sql.Row, as callers expect.
func (s *stmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, query)
	if err != nil || st == nil {
		return s.direct().QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// close closes every statement.
func (s *stmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.m {
		st.Close()
		delete(s.m, q)
	}
}
