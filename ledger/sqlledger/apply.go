package sqlledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Apply implements ledger.Ledger. Each change is one conditional UPDATE;
// several changes, one with a limit, or one that edits the renditions run
// in one transaction. A change that edits the renditions reads the list
// under a lock on the row (SELECT … FOR UPDATE on PostgreSQL; SQLite's
// transactions take the write lock first), so two edits at once both stay.
func (l *Ledger) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	const op = "ledger apply"
	if err := ctx.Err(); err != nil {
		return nil, l.fail(ctx, op, err)
	}
	for _, c := range changes {
		if c.Now.IsZero() || len(c.From) == 0 {
			return nil, &errs.Error{Code: errs.InvalidArgument, Op: op + " " + c.SID, Message: "a change needs From and Now"}
		}
	}
	out := make([]ledger.Record, 0, len(changes))
	before := l.hook(changes)
	switch {
	case len(changes) == 0:
		return out, nil
	case len(changes) == 1 && changes[0].Quota == (ledger.Quota{}) && (changes[0].Limit == 0 || l.d.lockDraft == "") && !editsRenditions(changes[0]) && before == nil:
		// One statement is atomic on its own: no transaction to pay for.
		err := l.write(ctx, func(w querier) error {
			r, err := l.change(ctx, w, changes[0])
			out = append(out, r)
			return err
		})
		if err != nil {
			return nil, l.fail(ctx, op+" "+changes[0].SID, err)
		}
		return out, nil
	}
	var sid string
	err := l.inTx(ctx, func(tx querier) error {
		for _, c := range changes {
			sid = c.SID
			if c.Limit > 0 && l.d.lockDraft != "" {
				if _, err := tx.ExecContext(ctx, l.q(l.d.lockDraft), c.SID); err != nil {
					return err
				}
			}
			var r ledger.Record
			write := func() (err error) {
				r, err = l.change(ctx, tx, c)
				return err
			}
			var err error
			if c.Quota == (ledger.Quota{}) {
				err = write()
			} else {
				err = l.quotaChange(ctx, tx, c, write)
			}
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		if before != nil {
			return before(ctx, txOf(tx), changes, out)
		}
		return nil
	})
	if err != nil {
		return nil, l.fail(ctx, op+" "+sid, err)
	}
	return out, nil
}

// quotaChange makes c with write, within its quota.
func (l *Ledger) quotaChange(ctx context.Context, tx querier, c ledger.Change, write func() error) error {
	owner := c.Owner
	if owner == "" {
		var err error
		if owner, err = l.ownerOf(ctx, tx, c.SID); err != nil {
			return err
		}
	}
	return l.withinQuota(ctx, tx, owner, c.Quota, write)
}

// change makes c in one conditional UPDATE and returns the record as it
// leaves it. When no row matched, it looks the SID up to tell NotFound from
// Conflict.
func (l *Ledger) change(ctx context.Context, q querier, c ledger.Change) (ledger.Record, error) {
	var rends *string
	if editsRenditions(c) {
		var cur string
		err := q.QueryRowContext(ctx, l.q("SELECT renditions FROM media WHERE sid = $1"+l.d.forUpdate), c.SID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.Record{}, &errs.Error{Code: errs.NotFound, Op: "ledger apply " + c.SID}
		}
		if err != nil {
			return ledger.Record{}, err
		}
		var list []ledger.Rendition
		if cur != "" {
			if err := json.Unmarshal([]byte(cur), &list); err != nil {
				return ledger.Record{}, &errs.Error{Code: errs.Internal, Op: "ledger apply " + c.SID, Message: "a record's renditions are not valid JSON", Err: err}
			}
		}
		s := renditions(ledger.EditRenditions(c, list))
		rends = &s
	}
	query, args := update(c, rends)
	r, err := scan(q.QueryRowContext(ctx, l.q(query), args...))
	if !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	var one int
	err = q.QueryRowContext(ctx, l.q("SELECT 1 FROM media WHERE sid = $1"), c.SID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, &errs.Error{Code: errs.NotFound, Op: "ledger apply " + c.SID}
	case err != nil:
		return r, err
	}
	return r, &errs.Error{Code: errs.Conflict, Op: "ledger apply " + c.SID}
}

// editsRenditions reports whether c edits a record's renditions.
func editsRenditions(c ledger.Change) bool { return c.AddRendition != nil || c.DropRendition != "" }

// update returns the conditional UPDATE that makes c, with its arguments,
// setting the renditions to rends when not nil. Its WHERE clause is
// ledger.Holds in SQL, plus the limit.
func update(c ledger.Change, rends *string) (string, []any) {
	args := []any{c.SID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	set := []string{"updated = " + arg(nanos(c.Now))}
	if c.To != "" {
		set = append(set, "state = "+arg(string(c.To)))
	}
	if c.SetMessageSID != "" {
		set = append(set, "message_sid = "+arg(c.SetMessageSID))
	}
	if c.Size > 0 {
		set = append(set, "size = "+arg(c.Size))
	}
	if c.SHA256 != "" {
		set = append(set, "sha256 = "+arg(c.SHA256))
	}
	if rends != nil {
		set = append(set, "renditions = "+arg(*rends))
	}
	from := make([]string, len(c.From))
	for i, s := range c.From {
		from[i] = arg(string(s))
	}
	// The record is found by its SID alone: "state || ''" and "updated + 0"
	// keep the planner off the (state, updated) index, which PostgreSQL
	// otherwise picks when its statistics say a state is rare (a million
	// sent files, none staged yet) and then walks every dead version of
	// the files the sweep just changed.
	where := []string{"sid = $1", "state || '' IN (" + strings.Join(from, ", ") + ")"}
	if c.Owner != "" {
		where = append(where, "owner = "+arg(c.Owner))
	}
	if c.Channel != "" {
		where = append(where, "channel = "+arg(c.Channel))
	}
	if c.MessageSID != "" {
		where = append(where, "message_sid = "+arg(c.MessageSID))
	}
	if !c.UpdatedBefore.IsZero() {
		where = append(where, "updated + 0 < "+arg(nanos(c.UpdatedBefore)))
	}
	if c.Limit > 0 {
		// Fewer than Limit other records of the draft in state To: the
		// (owner, channel, state) index makes this cost the draft's size.
		where = append(where, fmt.Sprintf(`(SELECT COUNT(*) FROM media o WHERE o.owner = media.owner
			AND o.channel = media.channel AND o.state = %s AND o.sid <> media.sid) < %s`, arg(string(c.To)), arg(c.Limit)))
	}
	return "UPDATE media SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(where, " AND ") +
		" RETURNING " + columns, args
}
