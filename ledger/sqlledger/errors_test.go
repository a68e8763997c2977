package sqlledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/attachkit/attachments/errs"
)

// TestFail: each kind of database error becomes the code the ledger
// documents, whichever dialect returned it.
func TestFail(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code}) }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name    string
		dialect Dialect
		err     error
		want    errs.Code
	}{
		{"unique violation", Postgres, pg("23505"), errs.Conflict},
		{"deadlock: one of the racers loses", Postgres, pg("40P01"), errs.Conflict},
		{"admin shutdown", Postgres, pg("57P01"), errs.Unavailable},
		{"too many connections", Postgres, pg("53300"), errs.Unavailable},
		{"disk full", Postgres, pg("53100"), errs.Unavailable},
		{"connection failure", Postgres, pg("08006"), errs.Unavailable},
		{"statement timeout", Postgres, pg("57014"), errs.Canceled},
		{"syntax error: a bug, not an outage", Postgres, pg("42601"), errs.Internal},
		{"connection refused", Postgres, refused, errs.Unavailable},
		{"connection lost", Postgres, io.ErrUnexpectedEOF, errs.Unavailable},
		{"bad connection", SQLite, driver.ErrBadConn, errs.Unavailable},
		{"connection done", SQLite, sql.ErrConnDone, errs.Unavailable},
		{"database closed", SQLite, errors.New("sql: database is closed"), errs.Unavailable},
		{"cancelled", SQLite, context.Canceled, errs.Canceled},
		{"deadline", Postgres, fmt.Errorf("query: %w", context.DeadlineExceeded), errs.Canceled},
		{"already typed", SQLite, &errs.Error{Code: errs.NotFound}, errs.NotFound},
		{"anything else", SQLite, errors.New("something odd"), errs.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Ledger{d: dialects[tt.dialect]}
			err := l.fail(context.Background(), "op", tt.err)
			assert.Equal(t, tt.want, errs.CodeOf(err), "fail(%v): the action would tell the member the wrong thing", tt.err)
			assert.NotNil(t, errs.As(err), "fail(%v) is not an *errs.Error", tt.err)
		})
	}
	assert.NoError(t, (&Ledger{d: dialects[SQLite]}).fail(context.Background(), "op", nil), "fail(nil)")
}
