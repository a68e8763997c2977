package attachments

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

// CheckReport is what Check found where storage and the ledger disagree.
// Each list holds at most the first 1,000 findings of its kind; Omitted
// counts the rest.
type CheckReport struct {
	// MissingBlobs are live records whose bytes are gone from storage.
	MissingBlobs []string
	// OrphanBlobs are media blobs, and renditions, that no record explains,
	// and renditions left pending longer than ten minutes by a process that
	// died before it stored them.
	OrphanBlobs []string
	// StuckSending are files a send took longer than a minute ago whose
	// message was never recorded: a process died between sending a message
	// and recording it. The message that names them adopts them when it is
	// downloaded or deleted; until then they are kept.
	StuckSending []string
	// Omitted is how many findings were past the lists' bounds: counted
	// (and repaired) but not listed.
	Omitted int
	// Repaired is how many of the findings Check repaired.
	Repaired int
	// Next is where a Check that stopped early (its context ended, storage
	// or the ledger failed) resumes: pass it as from. "" once Check went
	// through everything.
	Next string
}

// checkReportMax bounds each list of a CheckReport.
const checkReportMax = 1000

// renditionGrace is how long a rendition may stay pending (recorded, its
// blob being written) before Check takes it for the leftover of a process
// that died.
const renditionGrace = 10 * time.Minute

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
// It reads the bucket's listing and the ledger's records side by side, both
// in SID order, a page at a time: its cost is one listing and one pass over
// the ledger, never a request a file, and its memory is a page. What looks
// wrong is looked up once more before it is reported, since an upload or a
// delete may run meanwhile on any instance. A Check that stops early says
// where it got to (CheckReport.Next); from resumes after that SID ("" starts
// at the beginning).
func (c *Client) Check(ctx context.Context, repairUpTo int, from string) (CheckReport, error) {
	if repairUpTo < 0 {
		return CheckReport{}, &errs.Error{Code: errs.InvalidArgument, Op: "check", Message: "repairUpTo must not be negative"}
	}
	rep, n, err := c.check(ctx, 0, from)
	if err != nil || repairUpTo == 0 || n == 0 {
		return rep, err
	}
	if n > repairUpTo {
		return rep, &errs.Error{Code: errs.TooManyRepairs, Op: "check",
			Message: fmt.Sprintf("repairing would delete %d blobs and records, more than the %d allowed; "+
				"nothing was deleted: check the ledger is the right one, then allow more", n, repairUpTo)}
	}
	rep, _, err = c.check(ctx, repairUpTo, from)
	return rep, err
}

// check is one pass of Check: it reports what it finds, repairs the first
// repairUpTo of it (none when 0; a second pass never deletes more than the
// first counted, whatever changed between them), and says how many blobs
// and records a repair deletes (listed or not).
func (c *Client) check(ctx context.Context, repairUpTo int, from string) (CheckReport, int, error) {
	k := &checker{c: c, repairUpTo: repairUpTo, from: from, rep: CheckReport{Next: from}}
	k.media = newListing(c.store.List(ctx, mediaPrefix))
	defer k.media.stop()
	k.rends = newListing(c.store.List(ctx, renditionsPrefix))
	defer k.rends.stop()
	for r, err := range c.records(ctx, ledger.Query{BySID: true, AfterSID: from, Limit: storage.DefaultPageSize}) {
		if err == nil {
			err = k.record(ctx, r)
		}
		if err != nil {
			return k.rep, k.deletions, err
		}
		k.rep.Next = r.SID
	}
	// The blobs past the last record.
	if err := k.orphansBefore(ctx, ""); err != nil {
		return k.rep, k.deletions, err
	}
	k.rep.Next = ""
	return k.rep, k.deletions, nil
}

// checker is one Check's state.
type checker struct {
	c          *Client
	repairUpTo int
	from       string
	media      *listing
	rends      *listing
	rep        CheckReport
	// deletions is how many blobs and records a repair deletes.
	deletions int
}

// listing is a storage listing read one item ahead.
type listing struct {
	next func() (storage.Info, error, bool)
	stop func()
	head storage.Info
	err  error
	ok   bool
}

func newListing(seq iter.Seq2[storage.Info, error]) *listing {
	next, stop := iter.Pull2(seq)
	l := &listing{next: next, stop: stop}
	l.advance()
	return l
}

func (l *listing) advance() { l.head, l.err, l.ok = l.next() }

// sidOf returns the SID a key under prefix belongs to, and the rest of the
// key ("" for media, the rendition's name), or ok false for a key that is
// not the library's.
func sidOf(key, prefix string) (sid, rest string, ok bool) {
	sid, rest, _ = strings.Cut(strings.TrimPrefix(key, prefix), "/")
	return sid, rest, isMediaSID(sid) && (prefix == mediaPrefix) == (rest == "")
}

// orphansBefore takes every blob of either listing whose SID sorts before
// sid (every one left, when sid is ""): no record was listed for it.
func (k *checker) orphansBefore(ctx context.Context, sid string) error {
	for _, l := range []*listing{k.media, k.rends} {
		prefix := mediaPrefix
		if l == k.rends {
			prefix = renditionsPrefix
		}
		for ; l.ok; l.advance() {
			if l.err != nil {
				return l.err
			}
			bsid, _, ours := sidOf(l.head.Key, prefix)
			if sid != "" && bsid >= sid {
				break
			}
			if !ours || bsid <= k.from {
				continue // not ours, or checked by the pass this one resumes
			}
			if err := k.orphan(ctx, l.head.Key, bsid, l == k.media); err != nil {
				return err
			}
		}
	}
	return nil
}

// orphan handles a blob the records passed by: unless its record exists
// after all (an upload that started since that page was read), it is an
// orphan.
func (k *checker) orphan(ctx context.Context, key, sid string, media bool) error {
	r, err := k.c.ledger.Get(ctx, sid)
	switch {
	case err == nil && media:
		return nil
	case err == nil && r.State != ledger.Deleted && k.lists(r, key):
		return nil
	case err != nil && !errors.Is(err, errs.NotFound):
		return err
	}
	name := key
	if media {
		name = sid
	}
	return k.deleteOrphan(ctx, name, key)
}

// lists reports whether r lists the rendition stored under key.
func (k *checker) lists(r ledger.Record, key string) bool {
	_, name, _ := sidOf(key, renditionsPrefix)
	return slices.ContainsFunc(r.Renditions, func(rd ledger.Rendition) bool { return rd.Name == name })
}

func (k *checker) deleteOrphan(ctx context.Context, name, key string) error {
	k.add(&k.rep.OrphanBlobs, name)
	k.deletions++
	if k.deletions > k.repairUpTo {
		return nil
	}
	if err := k.c.store.Delete(ctx, key); err != nil && !errors.Is(err, errs.NotFound) {
		return err
	}
	k.rep.Repaired++
	return nil
}

// add lists a finding, or counts it past the bound.
func (k *checker) add(list *[]string, v string) {
	if len(*list) < checkReportMax {
		*list = append(*list, v)
	} else {
		k.rep.Omitted++
	}
}

// record checks r against the blobs the listings hold for its SID.
func (k *checker) record(ctx context.Context, r ledger.Record) error {
	if err := k.orphansBefore(ctx, r.SID); err != nil {
		return err
	}
	stored := false
	if k.media.ok && k.media.err == nil && k.media.head.Key == mediaKey(r.SID) {
		stored = true
		k.media.advance()
	}
	for ; k.rends.ok; k.rends.advance() {
		if k.rends.err != nil {
			return k.rends.err
		}
		sid, _, _ := sidOf(k.rends.head.Key, renditionsPrefix)
		if sid != r.SID {
			break
		}
		if r.State == ledger.Deleted || !k.lists(r, k.rends.head.Key) {
			if err := k.orphan(ctx, k.rends.head.Key, sid, false); err != nil {
				return err
			}
		}
	}
	if r.State == ledger.Deleted {
		return nil // a delete in flight, or one the sweep finishes
	}
	now := k.c.now()
	if r.State == ledger.Sending && r.Updated.Before(now.Add(-adoptAfter)) {
		k.add(&k.rep.StuckSending, r.SID)
	}
	for _, rd := range r.Renditions {
		if !rd.Pending.IsZero() && rd.Pending.Before(now.Add(-renditionGrace)) {
			if err := k.stalePending(ctx, r, rd.Name); err != nil {
				return err
			}
		}
	}
	if stored || r.Store != "" || r.SHA256 == "" {
		return nil // there, in a host's store, or an upload still in flight
	}
	return k.missing(ctx, r)
}

// stalePending drops a rendition left pending past renditionGrace, and its
// blob if the process got that far.
func (k *checker) stalePending(ctx context.Context, r ledger.Record, name string) error {
	key := renditionKey(r.SID, name)
	k.add(&k.rep.OrphanBlobs, key)
	k.deletions++
	if k.deletions > k.repairUpTo {
		return nil
	}
	if err := k.c.store.Delete(ctx, key); err != nil && !errors.Is(err, errs.NotFound) {
		return err
	}
	_, err := k.c.ledger.Apply(ctx, ledger.Change{SID: r.SID, From: []ledger.State{r.State}, DropRendition: name, Now: k.c.now()})
	if _, err := lostRace(err); err != nil {
		return err
	}
	k.rep.Repaired++
	return nil
}

// missing handles a live record whose blob the listing did not hold: unless
// the blob is there after all (stored since that page was listed), it is
// missing.
func (k *checker) missing(ctx context.Context, r ledger.Record) error {
	_, err := k.c.store.Stat(ctx, mediaKey(r.SID))
	if !errors.Is(err, errs.NotFound) {
		return err
	}
	k.add(&k.rep.MissingBlobs, r.SID)
	k.deletions++
	if k.deletions > k.repairUpTo {
		return nil
	}
	if _, err := k.c.destroy(ctx, ledger.Change{SID: r.SID, From: []ledger.State{r.State}}); err != nil &&
		errs.CodeOf(err) != errs.Conflict {
		return err
	}
	k.rep.Repaired++
	return nil
}
