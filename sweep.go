package attachments

import (
	"context"
	"iter"
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
	// JournalEntries is how many journal entries older than
	// Config.LogRetention were purged.
	JournalEntries int
}

// sweepBatch is how many records a sweep takes at a time.
const sweepBatch = 100

// Sweep deletes the files that have sat staged or in a draft for longer than
// Config.DraftLifetime, finishes deletes that were interrupted, and purges
// the journal past Config.LogRetention. The janitor calls it every
// Options.SweepInterval; hosts that turn the janitor off call it
// themselves.
//
// Each file goes through a conditional transition, so a file a send takes
// while the sweep runs, on this instance or another, is never swept: the
// send or the sweep wins, never both. Its cost grows with what it deletes,
// not with the ledger's size.
func (c *Client) Sweep(ctx context.Context) (SweepReport, error) {
	var r SweepReport
	n, err := c.sweepExpired(ctx)
	r.Files += n
	if err != nil {
		return r, err
	}
	n, err = c.sweepDeleted(ctx)
	r.Files += n
	if err != nil {
		return r, err
	}
	r.JournalEntries, err = c.ledger.Purge(ctx, c.now().Add(-c.cfg.LogRetention))
	return r, err
}

func (c *Client) sweepExpired(ctx context.Context) (int, error) {
	cutoff := c.now().Add(-c.cfg.DraftLifetime)
	expired := []ledger.State{ledger.Staged, ledger.Drafted}
	n := 0
	for r, err := range c.records(ctx, ledger.Query{States: expired, UpdatedBefore: cutoff}) {
		if err != nil {
			return n, err
		}
		_, err := c.destroy(ctx, ledger.Change{SID: r.SID, From: expired, UpdatedBefore: cutoff})
		if taken, err := lostRace(err); err != nil {
			return n, err
		} else if !taken {
			n++
		}
	}
	return n, nil
}

// deletedGrace is how long a Deleted record is left to the delete that
// marked it before the sweep finishes the job itself.
const deletedGrace = time.Minute

func (c *Client) sweepDeleted(ctx context.Context) (int, error) {
	n := 0
	for r, err := range c.records(ctx, ledger.Query{States: []ledger.State{ledger.Deleted}, UpdatedBefore: c.now().Add(-deletedGrace)}) {
		if err == nil {
			err = c.purge(ctx, r)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// records yields the records q selects, a page at a time in Seq order, so
// a caller that changes them as it goes never holds the whole ledger.
func (c *Client) records(ctx context.Context, q ledger.Query) iter.Seq2[ledger.Record, error] {
	return func(yield func(ledger.Record, error) bool) {
		q.Limit = sweepBatch
		for {
			recs, err := c.ledger.List(ctx, q)
			if err != nil {
				yield(ledger.Record{}, err)
				return
			}
			for _, r := range recs {
				q.AfterSeq = r.Seq
				if !yield(r, nil) {
					return
				}
			}
			if len(recs) < sweepBatch {
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
			_, err = c.destroy(ctx, ledger.Change{SID: r.SID, From: ledger.Live, Owner: identity})
		}
		if gone, err := lostRace(err); err != nil {
			return n, err
		} else if !gone {
			n++
		}
	}
	return n, nil
}
