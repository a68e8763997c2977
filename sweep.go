package attachments

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// SweepReport says what a Sweep did.
type SweepReport struct {
	// Files is how many expired files (staged or in a draft for longer than
	// Config.DraftLifetime) were deleted, and leftovers of deletes that a
	// failure or a crash interrupted were finished.
	Files int
	// Failed is how many files could not be deleted (their storage failed):
	// each is logged, marked deleted, and tried again by a later pass,
	// less often each time it fails.
	Failed int
	// JournalEntries is how many journal entries older than
	// Config.LogRetention were purged.
	JournalEntries int
}

// sweepBatch is how many records a sweep takes at a time.
const sweepBatch = 100

// Sweep deletes the files that have sat staged or in a draft for longer than
// Config.DraftLifetime, and the uploads that made no progress for as long, finishes deletes that were interrupted, and purges
// the journal past Config.LogRetention. The janitor calls it every
// Options.SweepInterval; hosts that turn the janitor off call it
// themselves.
//
// Each file goes through a conditional transition, so a file a send takes
// while the sweep runs, on this instance or another, is never swept: the
// send or the sweep wins, never both. A file whose bytes cannot be deleted
// is counted in Failed and left for a later pass (after a minute, then
// twice as long each time, up to an hour), and the sweep goes on with the
// others and the journal; it returns an error only when it could not read
// the ledger, after doing what it could. Its cost grows with what it
// deletes, not with the ledger's size: with nothing due, a pass reads a few
// index pages.
func (c *Client) Sweep(ctx context.Context) (SweepReport, error) {
	var r SweepReport
	errExpired := c.sweepExpired(ctx, &r)
	errDeleted := c.sweepDeleted(ctx, &r)
	var errJournal error
	r.JournalEntries, errJournal = c.ledger.Purge(ctx, c.now().Add(-c.cfg.LogRetention))
	return r, errors.Join(errExpired, errDeleted, errJournal)
}

func (c *Client) sweepExpired(ctx context.Context, rep *SweepReport) error {
	cutoff := c.now().Add(-c.cfg.DraftLifetime)
	expired := []ledger.State{ledger.Uploading, ledger.Staged, ledger.Drafted}
	for r, err := range c.records(ctx, ledger.Query{States: expired, UpdatedBefore: cutoff}) {
		if err != nil {
			return err
		}
		d, err := c.destroy(ctx, ledger.Change{SID: r.SID, From: expired, UpdatedBefore: cutoff})
		if taken, err := lostRace(err); taken {
			continue
		} else if err != nil && d.State != ledger.Deleted {
			return err // the ledger failed: the next page would too
		}
		c.swept(ctx, rep, d, err)
	}
	return nil
}

// deletedGrace is how long a Deleted record is left to the delete that
// marked it before the sweep finishes the job itself.
const deletedGrace = time.Minute

func (c *Client) sweepDeleted(ctx context.Context, rep *SweepReport) error {
	now := c.now()
	for r, err := range c.records(ctx, ledger.Query{States: []ledger.State{ledger.Deleted}, UpdatedBefore: now.Add(-deletedGrace)}) {
		if err != nil {
			return err
		}
		if !c.retries.due(r.SID, now) {
			continue
		}
		c.swept(ctx, rep, r, c.purge(ctx, r))
	}
	return nil
}

// swept counts a file the sweep deleted, or that failed (err): that one is
// logged and retried later.
func (c *Client) swept(ctx context.Context, rep *SweepReport, r ledger.Record, err error) {
	if err == nil {
		c.retries.done(r.SID)
		rep.Files++
		return
	}
	rep.Failed++
	if ctx.Err() != nil {
		return // not the file's fault: the pass is over
	}
	after := c.retries.failed(r.SID, c.now())
	c.log.WarnContext(ctx, "attachments: the sweep could not delete a file; a later pass retries", "media", r.SID, "retryAfter", after, "err", err)
}

// Retry backoff of a file the sweep could not delete.
const (
	sweepRetryFirst = time.Minute
	sweepRetryMax   = time.Hour
)

// retries are the files the sweep failed to delete, and when to try each
// again. They live in the instance: another instance tries on its own
// schedule, and a restarted one tries at once. The zero value is ready.
type retries struct {
	mu sync.Mutex
	m  map[string]retry
}

type retry struct {
	wait time.Duration // the last wait
	next time.Time
}

// due reports whether sid may be tried at now.
func (rs *retries) due(sid string, now time.Time) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.m[sid]
	return !ok || !now.Before(r.next)
}

// failed records a failure of sid at now and returns the wait before the
// next try: twice the last, from sweepRetryFirst up to sweepRetryMax.
func (rs *retries) failed(sid string, now time.Time) time.Duration {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m == nil {
		rs.m = map[string]retry{}
	}
	r := rs.m[sid]
	r.wait = min(max(2*r.wait, sweepRetryFirst), sweepRetryMax)
	r.next = now.Add(r.wait)
	rs.m[sid] = r
	return r.wait
}

// done forgets sid.
func (rs *retries) done(sid string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.m, sid)
}

// records yields the records q selects, a page at a time (of q.Limit
// records, sweepBatch when 0) in Seq order, or SID order with q.BySID, so a
// caller that changes them as it goes never holds the whole ledger.
func (c *Client) records(ctx context.Context, q ledger.Query) iter.Seq2[ledger.Record, error] {
	return func(yield func(ledger.Record, error) bool) {
		if q.Limit <= 0 {
			q.Limit = sweepBatch
		}
		for {
			recs, err := c.ledger.List(ctx, q)
			if err != nil {
				yield(ledger.Record{}, err)
				return
			}
			for _, r := range recs {
				if q.BySID {
					q.AfterSID = r.SID
				} else {
					q.AfterSeq = r.Seq
				}
				if !yield(r, nil) {
					return
				}
			}
			if len(recs) < q.Limit {
				return
			}
		}
	}
}

// lostRace reports whether err says another request (on any instance)
// changed or deleted the record first, which a sweep or an erasure takes as
// done; any other error is returned.
func lostRace(err error) (bool, error) {
	switch errs.CodeOf(err) {
	case "":
		return false, nil
	case errs.Conflict, errs.NotFound:
		return true, nil
	}
	return false, err
}

// owned is every state of a file a member owns: uploads in flight too.
var owned = append([]ledger.State{ledger.Uploading}, ledger.Live...)

// EraseMember deletes every file identity uploaded, in any channel, sent or
// still in a draft, wherever it is stored, and its draft texts, and reports
// how many files it deleted. It is how a host honours a request to erase a
// member's data (GDPR Article 17). The messages stay with the host; their
// media links stop working. The ledger says what the member owns, so its
// cost grows with what the member stored, not with the ledger's size.
func (c *Client) EraseMember(ctx context.Context, identity string) (int, error) {
	if identity == "" {
		return 0, &errs.Error{Code: errs.InvalidArgument, Op: "erase", Message: "no identity to erase"}
	}
	if err := c.ledger.ForgetOwner(ctx, identity); err != nil {
		return 0, err
	}
	n := 0
	for r, err := range c.records(ctx, ledger.Query{Owner: identity}) {
		if err != nil {
			return n, err
		}
		if r.State == ledger.Deleted {
			err = c.purge(ctx, r)
		} else {
			_, err = c.destroy(ctx, ledger.Change{SID: r.SID, From: owned, Owner: identity})
		}
		if gone, err := lostRace(err); err != nil {
			return n, err
		} else if !gone {
			n++
		}
	}
	return n, nil
}
