package sqlledger

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Record implements ledger.Ledger. The entry is stored as JSON, beside the
// time and channel the journal is queried by.
func (l *Ledger) Record(ctx context.Context, e ledger.Entry) error {
	const op = "journal record"
	b, err := json.Marshal(e)
	if err != nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Err: err}
	}
	err = l.write(ctx, func(w querier) error {
		_, err := w.ExecContext(ctx, l.q("INSERT INTO journal (time, channel, entry) VALUES ($1, $2, $3)"),
			nanos(e.Time), e.Channel, string(b))
		return err
	})
	return l.fail(ctx, op, err)
}

// Entries implements ledger.Ledger: newest first, in the order recorded.
func (l *Ledger) Entries(ctx context.Context, q ledger.EntryQuery) ([]ledger.Entry, error) {
	const op = "journal entries"
	var where []string
	var args []any
	if q.Channel != "" {
		args = append(args, q.Channel)
		where = append(where, "channel = $1")
	}
	if !q.Before.IsZero() {
		args = append(args, nanos(q.Before))
		where = append(where, "time < "+placeholders(len(args), 1))
	}
	query := "SELECT entry FROM journal"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC"
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += " LIMIT " + placeholders(len(args), 1)
	}
	rows, err := l.db.QueryContext(ctx, l.q(query), args...)
	if err != nil {
		return nil, l.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []ledger.Entry
	for rows.Next() {
		var s string
		var e ledger.Entry
		if err := rows.Scan(&s); err != nil {
			return nil, l.fail(ctx, op, err)
		}
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return nil, &errs.Error{Code: errs.Internal, Op: op, Message: "a journal entry is not valid JSON", Err: err}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail(ctx, op, err)
	}
	return out, nil
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
