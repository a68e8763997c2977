package sqlledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// fail returns err as an *errs.Error naming op, or nil. An error that is
// already an *errs.Error keeps its code; a done context is Canceled
// whatever the database made of it.
func (l *Ledger) fail(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errs.As(err) != nil {
		return err
	}
	code := errs.Internal
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		code = errs.Canceled
	case unreachable(err):
		code = errs.Unavailable
	default:
		code = l.d.classify(err)
	}
	return &errs.Error{Code: code, Op: op, Err: err}
}

// unreachable reports whether err says the database could not be reached
// at all: the connection is closed, refused or broken, whatever the
// dialect.
func unreachable(err error) bool {
	var ne net.Error
	var retry interface{ SafeToRetry() bool } // pgconn's errors from before a query was sent
	return errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) || (errors.As(err, &retry) && retry.SafeToRetry()) ||
		// database/sql does not export this one.
		strings.Contains(err.Error(), "sql: database is closed")
}

// SQLite's primary result codes that say the database is out of reach for
// now rather than that the statement is wrong.
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteNoMem      = 7
	sqliteReadOnly   = 8
	sqliteInterrupt  = 9
	sqliteIOErr      = 10
	sqliteFull       = 13
	sqliteCantOpen   = 14
	sqliteProtocol   = 15
	sqliteConstraint = 19
)

// sqliteCode is the code of an error from modernc.org/sqlite, found by its
// method (*sqlite.Error's) so that this package links no driver.
func sqliteCode(err error) errs.Code {
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return errs.Internal
	}
	switch se.Code() & 0xff {
	case sqliteConstraint:
		return errs.Conflict
	case sqliteInterrupt:
		return errs.Canceled
	case sqliteBusy, sqliteLocked, sqliteNoMem, sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen, sqliteProtocol:
		return errs.Unavailable
	}
	return errs.Internal
}

// postgresCode is the code of an error from PostgreSQL, found by its
// SQLSTATE method (*pgconn.PgError's) so that this package links no driver.
func postgresCode(err error) errs.Code {
	var state interface{ SQLState() string }
	if !errors.As(err, &state) {
		return errs.Internal
	}
	pe := struct{ Code string }{state.SQLState()}
	switch {
	case pe.Code == "23505": // unique_violation
		return errs.Conflict
	case pe.Code == "40001" || pe.Code == "40P01": // serialization_failure, deadlock_detected: the caller tries again
		return errs.Conflict
	case pe.Code == "57014": // query_canceled
		return errs.Canceled
	case strings.HasPrefix(pe.Code, "08"), // connection exception
		strings.HasPrefix(pe.Code, "53"), // insufficient resources (disk full, too many connections)
		strings.HasPrefix(pe.Code, "57"), // operator intervention (shutdown)
		strings.HasPrefix(pe.Code, "58"): // system error (I/O)
		return errs.Unavailable
	}
	return errs.Internal
}
