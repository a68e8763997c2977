package attachments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// CheckReport is what Check found where storage and the ledger disagree.
type CheckReport struct {
	// MissingBlobs are live records whose bytes are gone from storage.
	MissingBlobs []string
	// OrphanBlobs are media blobs, and renditions, that no record explains.
	OrphanBlobs []string
	// StuckSending are files a send took longer than a minute ago whose
	// message was never recorded: a process died between sending a message
	// and recording it. The message that names them adopts them when it is
	// downloaded or deleted; until then they are kept.
	StuckSending []string
	// Repaired is how many of the above Check repaired.
	Repaired int
}

// Check compares storage with the ledger and reports where they disagree:
// what a crash, a failing disk or a hand-edited bucket can leave. Unlike
// Sweep it reads every record and every media blob, so hosts run it rarely
// (after an incident, or daily), not on every janitor tick.
//
// With repairUpTo 0 it only reports. With repairUpTo > 0 it also repairs —
// deletes orphan blobs and the records of missing blobs (a message that
// carried one shows it as unavailable, as it already was) — but only when
// there are at most repairUpTo of them in all: repairUpTo is the host's
// confirmation of how much may go. Over it, Check deletes nothing and
// returns the report with an errs.TooManyRepairs error, so a ledger that
// is misconfigured (empty, another instance's, a wrong database) cannot
// empty the bucket: read the report, and run Check again with a larger
// repairUpTo if it is right. To decide first, Check reads everything
// twice when it repairs.
//
// An upload in flight, on this instance or another, has its record before
// its blob, and a delete removes the blob before the record, so a blob
// without a record is an orphan whenever Check sees it.
func (c *Client) Check(ctx context.Context, repairUpTo int) (CheckReport, error) {
	if repairUpTo < 0 {
		return CheckReport{}, &errs.Error{Code: errs.InvalidArgument, Op: "check", Message: "repairUpTo must not be negative"}
	}
	rep, err := c.check(ctx, false)
	n := rep.deletions()
	if err != nil || repairUpTo == 0 || n == 0 {
		return rep, err
	}
	if n > repairUpTo {
		return rep, &errs.Error{Code: errs.TooManyRepairs, Op: "check",
			Message: fmt.Sprintf("repairing would delete %d blobs and records, more than the %d allowed; "+
				"nothing was deleted: check the ledger is the right one, then allow more", n, repairUpTo)}
	}
	return c.check(ctx, true)
}

// deletions is how many blobs and records a repair of what r found deletes.
func (r CheckReport) deletions() int { return len(r.OrphanBlobs) + len(r.MissingBlobs) }

// check is Check's pass: it reports, and with repair deletes, what it finds.
func (c *Client) check(ctx context.Context, repair bool) (CheckReport, error) {
	var rep CheckReport
	for info, err := range c.store.List(ctx, mediaPrefix) {
		if err != nil {
			return rep, err
		}
		sid := strings.TrimPrefix(info.Key, mediaPrefix)
		if !isMediaSID(sid) {
			continue // not ours
		}
		_, err := c.ledger.Get(ctx, sid)
		if !errors.Is(err, errs.NotFound) {
			if err != nil {
				return rep, err
			}
			continue
		}
		rep.OrphanBlobs = append(rep.OrphanBlobs, sid)
		if repair {
			if err := c.store.Delete(ctx, info.Key); err != nil && !errors.Is(err, errs.NotFound) {
				return rep, err
			}
			rep.Repaired++
		}
	}
	if err := c.checkRenditions(ctx, &rep, repair); err != nil {
		return rep, err
	}
	for r, err := range c.records(ctx, ledger.Query{States: ledger.Live}) {
		if err != nil {
			return rep, err
		}
		if r.State == ledger.Sending && r.Updated.Before(c.now().Add(-adoptAfter)) {
			rep.StuckSending = append(rep.StuckSending, r.SID)
		}
		if r.Store != "" || r.SHA256 == "" {
			continue // a host's store, or an upload still in flight
		}
		_, err := c.store.Stat(ctx, mediaKey(r.SID))
		if !errors.Is(err, errs.NotFound) {
			if err != nil {
				return rep, err
			}
			continue
		}
		rep.MissingBlobs = append(rep.MissingBlobs, r.SID)
		if repair {
			if _, err := c.destroy(ctx, ledger.Change{SID: r.SID, From: []ledger.State{r.State}}); err != nil &&
				errs.CodeOf(err) != errs.Conflict {
				return rep, err
			}
			rep.Repaired++
		}
	}
	return rep, nil
}

// checkRenditions reports renditions no live record lists: what a process
// that died between storing a rendition and recording it leaves.
func (c *Client) checkRenditions(ctx context.Context, rep *CheckReport, repair bool) error {
	for info, err := range c.store.List(ctx, renditionsPrefix) {
		if err != nil {
			return err
		}
		sid, name, ok := strings.Cut(strings.TrimPrefix(info.Key, renditionsPrefix), "/")
		if !ok || !isMediaSID(sid) {
			continue // not ours
		}
		r, err := c.ledger.Get(ctx, sid)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return err
		}
		if err == nil && r.State != ledger.Deleted && slices.ContainsFunc(r.Renditions, func(rd ledger.Rendition) bool { return rd.Name == name }) {
			continue
		}
		rep.OrphanBlobs = append(rep.OrphanBlobs, info.Key)
		if repair {
			if err := c.store.Delete(ctx, info.Key); err != nil && !errors.Is(err, errs.NotFound) {
				return err
			}
			rep.Repaired++
		}
	}
	return nil
}
