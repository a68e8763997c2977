package sqlledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// columns are a record's columns, in the order scan reads them.
const columns = `seq, sid, owner, side, channel, state, message_sid, store, location,
	file_name, content_type, size, sha256, renditions, created, updated`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scan reads a record from the columns.
func scan(s scanner) (ledger.Record, error) {
	var r ledger.Record
	var state, rends string
	var created, updated int64
	if err := s.Scan(&r.Seq, &r.SID, &r.Owner, &r.Side, &r.Channel, &state, &r.MessageSID, &r.Store, &r.Location,
		&r.FileName, &r.ContentType, &r.Size, &r.SHA256, &rends, &created, &updated); err != nil {
		return r, err
	}
	r.State, r.Created, r.Updated = ledger.State(state), fromNanos(created), fromNanos(updated)
	if rends != "" {
		if err := json.Unmarshal([]byte(rends), &r.Renditions); err != nil {
			return r, &errs.Error{Code: errs.Internal, Op: "sqlledger record " + r.SID, Message: "a record's renditions are not valid JSON", Err: err}
		}
	}
	return r, nil
}

// renditions returns rs as stored: "" for none.
func renditions(rs []ledger.Rendition) string {
	if rs == nil {
		return ""
	}
	b, _ := json.Marshal(rs) // a slice of plain structs always encodes
	return string(b)
}

// nanos returns t as stored: Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Create implements ledger.Ledger.
func (l *Ledger) Create(ctx context.Context, r ledger.Record, quota ...ledger.Quota) error {
	op := "ledger create " + r.SID
	if err := ctx.Err(); err != nil {
		return l.fail(ctx, op, err)
	}
	if r.SID == "" || r.State == "" {
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "a record needs a SID and a state"}
	}
	insert := func(w querier) error {
		_, err := w.ExecContext(ctx, l.q(`INSERT INTO media (sid, owner, side, channel, state, message_sid, store, location,
			file_name, content_type, size, sha256, renditions, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`),
			r.SID, r.Owner, r.Side, r.Channel, string(r.State), r.MessageSID, r.Store, r.Location,
			r.FileName, r.ContentType, r.Size, r.SHA256, renditions(r.Renditions), nanos(r.Created), nanos(r.Updated))
		return err
	}
	var q ledger.Quota
	if len(quota) > 0 {
		q = quota[0]
	}
	if q == (ledger.Quota{}) {
		return l.fail(ctx, op, l.write(ctx, insert))
	}
	return l.fail(ctx, op, l.inTx(ctx, func(tx querier) error {
		return l.withinQuota(ctx, tx, r.Owner, q, func() error { return insert(tx) })
	}))
}

// Get implements ledger.Ledger.
func (l *Ledger) Get(ctx context.Context, sid string) (ledger.Record, error) {
	op := "ledger get " + sid
	r, err := scan(l.db.QueryRowContext(ctx, l.q("SELECT "+columns+" FROM media WHERE sid = $1"), sid))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Record{}, &errs.Error{Code: errs.NotFound, Op: op}
	}
	if err != nil {
		return ledger.Record{}, l.fail(ctx, op, err)
	}
	return r, nil
}

// List implements ledger.Ledger.
func (l *Ledger) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	const op = "ledger list"
	query, args := l.listQuery(q)
	rows, err := l.db.QueryContext(ctx, l.q(query), args...)
	if err != nil {
		return nil, l.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []ledger.Record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, l.fail(ctx, op, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, l.fail(ctx, op, err)
	}
	return out, nil
}

// listQuery returns the SELECT that List runs for q, with its arguments:
// ledger.Selects in SQL. States are spelled as literals, not arguments, so
// that SQLite, which plans before it sees arguments, can use the partial
// indexes on the states the sweep looks for.
func (l *Ledger) listQuery(q ledger.Query) (string, []any) {
	var where []string
	var args []any
	cond := func(c string, v ...any) {
		where = append(where, fmt.Sprintf(c, placeholders(len(args)+1, len(v))))
		args = append(args, v...)
	}
	if q.Owner != "" {
		cond("owner = %s", q.Owner)
	}
	if q.Channel != "" {
		cond("channel = %s", q.Channel)
	}
	switch len(q.States) {
	case 0:
	case 1:
		where = append(where, "state = "+literal(string(q.States[0])))
	default:
		lits := make([]string, len(q.States))
		for i, s := range q.States {
			lits[i] = literal(string(s))
		}
		where = append(where, "state IN ("+strings.Join(lits, ", ")+")")
	}
	if q.MessageSID != "" {
		cond("message_sid = %s", q.MessageSID)
	}
	if !q.UpdatedBefore.IsZero() {
		cond("updated < %s", nanos(q.UpdatedBefore))
	}
	if q.AfterSeq != 0 {
		cond("seq > %s", q.AfterSeq)
	}
	if q.AfterSID != "" {
		cond(l.d.sidBytes+" > %s", q.AfterSID)
	}
	query := "SELECT " + columns + " FROM media"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if q.BySID {
		query += " ORDER BY " + l.d.sidBytes
	} else {
		query += " ORDER BY seq"
	}
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return query, args
}

// literal returns s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Remove implements ledger.Ledger.
func (l *Ledger) Remove(ctx context.Context, sid string) error {
	op := "ledger remove " + sid
	var n int64
	err := l.write(ctx, func(w querier) error {
		// By SID alone, as Apply's UPDATE is (see update).
		res, err := w.ExecContext(ctx, l.q("DELETE FROM media WHERE sid = $1 AND state || '' = $2"), sid, string(ledger.Deleted))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil || n > 0 {
		return l.fail(ctx, op, err)
	}
	// Nothing removed: either there is nothing to remove, or the record is
	// live.
	if _, err := l.Get(ctx, sid); errs.CodeOf(err) == errs.NotFound {
		return nil
	} else if err != nil {
		return err
	}
	return &errs.Error{Code: errs.Conflict, Op: op, Message: "only a deleted record can be removed"}
}
