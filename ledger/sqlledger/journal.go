package sqlledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Append implements ledger.Ledger. The entry is stored as JSON, beside the
// time and channel the journal is queried by; its Seq is the row's id.
//
// On PostgreSQL an id is drawn when the row is inserted and becomes visible
// when its transaction commits, so ids commit out of order: a reader could
// see 91 before 90 commits and page past it. Each Append therefore holds a
// shared advisory lock until it commits, and Entries reads under the same
// lock held exclusively: it waits for the appends in flight to commit, and
// those that start after it take larger ids than any it sees. Writers never
// wait for each other, only for a reader, for as long as the appends
// before it take to commit. SQLite has one writer at a time: its ids commit
// in order.
func (l *Ledger) Append(ctx context.Context, e ledger.Entry) error {
	const op = "journal append"
	e.Seq = 0
	b, err := json.Marshal(e)
	if err != nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Err: err}
	}
	err = l.write(ctx, func(w querier) error {
		_, err := w.ExecContext(ctx, l.q(l.d.appendEntry), nanos(e.Time), e.Channel, string(b))
		return err
	})
	return l.fail(ctx, op, err)
}

// Entries implements ledger.Ledger: by id, which is Seq.
func (l *Ledger) Entries(ctx context.Context, q ledger.EntryQuery) ([]ledger.Entry, error) {
	const op = "journal entries"
	var where []string
	var args []any
	cond := func(c string, v any) {
		args = append(args, v)
		where = append(where, c+placeholders(len(args), 1))
	}
	if q.Channel != "" {
		cond("channel = ", q.Channel)
	}
	if q.BeforeSeq > 0 {
		cond("id < ", q.BeforeSeq)
	}
	if q.AfterSeq > 0 {
		cond("id > ", q.AfterSeq)
	}
	query := "SELECT id, entry FROM journal"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if q.Forward {
		query += " ORDER BY id"
	} else {
		query += " ORDER BY id DESC"
	}
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	var out []ledger.Entry
	err := l.readJournal(ctx, func(r querier) error {
		out = out[:0]
		rows, err := r.QueryContext(ctx, l.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var s string
			var e ledger.Entry
			if err := rows.Scan(&seq, &s); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(s), &e); err != nil {
				return &errs.Error{Code: errs.Internal, Op: op, Message: "a journal entry is not valid JSON", Err: err}
			}
			e.Seq = seq
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, l.fail(ctx, op, err)
	}
	return out, nil
}

// readJournal runs f where every journal entry appended before it is
// committed: on PostgreSQL, in a transaction holding the journal's lock
// exclusively (see Append).
func (l *Ledger) readJournal(ctx context.Context, f func(r querier) error) error {
	if l.d.lockJournal == "" {
		return f(l.db)
	}
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, l.d.lockJournal); err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Purge implements ledger.Ledger.
func (l *Ledger) Purge(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := l.write(ctx, func(w querier) error {
		res, err := w.ExecContext(ctx, l.q("DELETE FROM journal WHERE time < $1"), nanos(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), l.fail(ctx, "journal purge", err)
}
