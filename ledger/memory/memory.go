// Package memory is an in-memory ledger.Ledger: the zero-config default, for
// tests and single-process demos. Its records die with the process and are
// not shared with other processes; use ledger/sqlledger for that.
package memory

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Ledger is an in-memory ledger.Ledger. Its zero value is not usable; call
// New.
type Ledger struct {
	mu      sync.Mutex
	seq     int64
	records map[string]*ledger.Record
	usage   map[string]ledger.Usage // by owner, kept with records
	drafts  map[[2]string]string    // {channel, owner} -> text
	journal []ledger.Entry          // in Seq order
	jseq    int64                   // the last entry's Seq
}

// New returns an empty Ledger.
func New() *Ledger {
	return &Ledger{records: map[string]*ledger.Record{}, usage: map[string]ledger.Usage{}, drafts: map[[2]string]string{}}
}

var _ ledger.Ledger = (*Ledger)(nil)

func done(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: op, Err: err}
	}
	return nil
}

func clone(r *ledger.Record) ledger.Record {
	c := *r
	c.Renditions = slices.Clone(r.Renditions)
	return c
}

// Create implements ledger.Ledger.
func (l *Ledger) Create(ctx context.Context, r ledger.Record, quota ...ledger.Quota) error {
	if err := done(ctx, "ledger create"); err != nil {
		return err
	}
	if r.SID == "" || r.State == "" {
		return &errs.Error{Code: errs.InvalidArgument, Op: "ledger create", Message: "a record needs a SID and a state"}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.records[r.SID]; ok {
		return &errs.Error{Code: errs.Conflict, Op: "ledger create " + r.SID}
	}
	before := l.usage[r.Owner]
	after := before.Add(ledger.Counted(r))
	for _, q := range quota {
		if err := q.Check(before, after); err != nil {
			return err
		}
	}
	l.usage[r.Owner] = after
	l.seq++
	r.Seq = l.seq
	c := clone(&r)
	l.records[r.SID] = &c
	return nil
}

// Get implements ledger.Ledger.
func (l *Ledger) Get(ctx context.Context, sid string) (ledger.Record, error) {
	if err := done(ctx, "ledger get"); err != nil {
		return ledger.Record{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.records[sid]
	if !ok {
		return ledger.Record{}, &errs.Error{Code: errs.NotFound, Op: "ledger get " + sid}
	}
	return clone(r), nil
}

// Apply implements ledger.Ledger.
func (l *Ledger) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	if err := done(ctx, "ledger apply"); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Check every change against the records as the earlier changes leave
	// them, on copies, so that a failure changes nothing.
	next := map[string]ledger.Record{}
	cur := func(sid string) (ledger.Record, bool) {
		if r, ok := next[sid]; ok {
			return r, true
		}
		r, ok := l.records[sid]
		if !ok {
			return ledger.Record{}, false
		}
		return clone(r), true
	}
	out := make([]ledger.Record, 0, len(changes))
	usage := map[string]ledger.Usage{} // the owners' usage as the changes leave it
	for _, ch := range changes {
		if ch.Now.IsZero() || len(ch.From) == 0 {
			return nil, &errs.Error{Code: errs.InvalidArgument, Op: "ledger apply " + ch.SID, Message: "a change needs From and Now"}
		}
		r, ok := cur(ch.SID)
		if !ok {
			return nil, &errs.Error{Code: errs.NotFound, Op: "ledger apply " + ch.SID}
		}
		if !ledger.Holds(ch, r) || (ch.Limit > 0 && l.countLocked(next, r, ch.To) >= ch.Limit) {
			return nil, &errs.Error{Code: errs.Conflict, Op: "ledger apply " + ch.SID}
		}
		was := r
		r = ledger.Changed(ch, r)
		next[r.SID] = r
		out = append(out, r)
		u, ok := usage[r.Owner]
		if !ok {
			u = l.usage[r.Owner]
		}
		after := u.Add(ledger.Counted(r)).Add(ledger.Counted(was).Neg())
		if err := ch.Quota.Check(u, after); err != nil {
			return nil, err
		}
		usage[r.Owner] = after
	}
	maps.Copy(l.usage, usage)
	for sid, r := range next {
		c := clone(&r)
		l.records[sid] = &c
	}
	return out, nil
}

// countLocked counts the records of r's owner and channel in state s, other
// than r, as the pending changes leave them.
func (l *Ledger) countLocked(next map[string]ledger.Record, r ledger.Record, s ledger.State) int {
	n := 0
	for sid, rec := range l.records {
		st := rec.State
		if p, ok := next[sid]; ok {
			st = p.State
		}
		if sid != r.SID && rec.Owner == r.Owner && rec.Channel == r.Channel && st == s {
			n++
		}
	}
	return n
}

// List implements ledger.Ledger.
func (l *Ledger) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	if err := done(ctx, "ledger list"); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Sort and cut the records selected, then copy only those returned: a
	// caller paging through a large ledger pays for a page, not a copy of
	// every record it selects.
	var sel []*ledger.Record
	for _, r := range l.records {
		if ledger.Selects(q, *r) {
			sel = append(sel, r)
		}
	}
	if q.BySID {
		slices.SortFunc(sel, func(a, b *ledger.Record) int { return strings.Compare(a.SID, b.SID) })
	} else {
		slices.SortFunc(sel, func(a, b *ledger.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	if q.Limit > 0 && len(sel) > q.Limit {
		sel = sel[:q.Limit]
	}
	var out []ledger.Record
	for _, r := range sel {
		out = append(out, clone(r))
	}
	return out, nil
}

// Remove implements ledger.Ledger.
func (l *Ledger) Remove(ctx context.Context, sid string) error {
	if err := done(ctx, "ledger remove"); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.records[sid]
	if !ok {
		return nil
	}
	if r.State != ledger.Deleted {
		return &errs.Error{Code: errs.Conflict, Op: "ledger remove " + sid, Message: "only a deleted record can be removed"}
	}
	delete(l.records, sid)
	return nil
}

// Usage implements ledger.Ledger.
func (l *Ledger) Usage(ctx context.Context, owner string) (ledger.Usage, error) {
	if err := done(ctx, "ledger usage"); err != nil {
		return ledger.Usage{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.usage[owner], nil
}

// DraftText implements ledger.Ledger.
func (l *Ledger) DraftText(ctx context.Context, channel, owner string) (string, error) {
	if err := done(ctx, "ledger draft"); err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.drafts[[2]string{channel, owner}], nil
}

// SetDraftText implements ledger.Ledger.
func (l *Ledger) SetDraftText(ctx context.Context, channel, owner, text string) error {
	if err := done(ctx, "ledger draft"); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if text == "" {
		delete(l.drafts, [2]string{channel, owner})
	} else {
		l.drafts[[2]string{channel, owner}] = text
	}
	return nil
}

// ForgetOwner implements ledger.Ledger.
func (l *Ledger) ForgetOwner(ctx context.Context, owner string) error {
	if err := done(ctx, "ledger forget"); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.drafts {
		if k[1] == owner {
			delete(l.drafts, k)
		}
	}
	return nil
}

// Append implements ledger.Ledger.
func (l *Ledger) Append(ctx context.Context, e ledger.Entry) error {
	if err := done(ctx, "journal record"); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.MediaSIDs = slices.Clone(e.MediaSIDs)
	e.FileNames = slices.Clone(e.FileNames)
	l.jseq++
	e.Seq = l.jseq
	l.journal = append(l.journal, e)
	return nil
}

// Entries implements ledger.Ledger.
func (l *Ledger) Entries(ctx context.Context, q ledger.EntryQuery) ([]ledger.Entry, error) {
	if err := done(ctx, "journal entries"); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ledger.Entry
	for i := range l.journal {
		if !q.Forward {
			i = len(l.journal) - 1 - i
		}
		e := l.journal[i]
		if (q.Channel != "" && e.Channel != q.Channel) || (q.BeforeSeq > 0 && e.Seq >= q.BeforeSeq) || e.Seq <= q.AfterSeq {
			continue
		}
		e.MediaSIDs = slices.Clone(e.MediaSIDs)
		e.FileNames = slices.Clone(e.FileNames)
		out = append(out, e)
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// Purge implements ledger.Ledger.
func (l *Ledger) Purge(ctx context.Context, before time.Time) (int, error) {
	if err := done(ctx, "journal purge"); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.journal)
	l.journal = slices.DeleteFunc(l.journal, func(e ledger.Entry) bool { return e.Time.Before(before) })
	return n - len(l.journal), nil
}
