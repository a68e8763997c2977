package ledgertest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/memory"
)

// The suite is only worth its cases if they fail on the bugs they are for.
// Each row breaks the memory driver in one way and runs the case meant to
// catch it, in a child process, which must fail.
func TestSuiteCatchesBrokenDrivers(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child")
	}
	tests := []struct{ bug, catcher string }{
		{"checks, then sets", "RaceSameTransition"},
		{"counts the draft, then attaches", "RaceLimit"},
		{"ignores the limit", "Limit"},
		{"counts the file itself", "Limit"},
		{"applies changes one by one", "ApplyAllOrNothing"},
		{"ignores the context", "CanceledContext"},
		{"keeps microseconds", "CreateAndGet"},
		{"keeps microseconds", "Conditions"},
		{"lists newest first", "List"},
		{"ignores AfterSeq", "ListPages"},
		{"overwrites on Create", "CreateDuplicate"},
		{"overwrites on Create", "RaceCreate"},
		{"removes live records", "Remove"},
		{"forgets every owner", "DraftText"},
		{"journals oldest first", "Journal"},
		{"purges up to and including", "Purge"},
		{"counts deleted files", "Usage"},
		{"ignores quotas", "QuotaCreate"},
		{"ignores quotas", "RaceQuota"},
		{"says Conflict for a missing record", "ApplyNotFoundOrConflict"},
	}
	for _, tt := range tests {
		t.Run(tt.bug+"/"+tt.catcher, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenLedger$/^"+tt.catcher+"$")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.bug)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "--- FAIL: TestBrokenLedger/"+tt.catcher) {
				t.Errorf("a ledger that %s: %s did not fail (%v):\n%s", tt.bug, tt.catcher, err, out)
			}
		})
	}
}

const brokenEnv = "LEDGERTEST_BROKEN"

// TestBrokenLedger runs the suite on a broken ledger; only
// TestSuiteCatchesBrokenDrivers runs it.
func TestBrokenLedger(t *testing.T) {
	bug := os.Getenv(brokenEnv)
	if bug == "" {
		t.Skip("run by TestSuiteCatchesBrokenDrivers")
	}
	ledgertest.RunConformanceTests(t, ledgertest.Harness{
		New: func(testing.TB) ledger.Ledger { return &broken{Ledger: memory.New(), bug: bug} },
	})
}

// gap is how long a racy bug leaves its window open: long enough for the
// other racers to pass through it on a busy machine.
const gap = 5 * time.Millisecond

// broken is the memory ledger with one bug.
type broken struct {
	*memory.Ledger
	bug string
}

func (b *broken) Create(ctx context.Context, r ledger.Record, quota ...ledger.Quota) error {
	switch b.bug {
	case "keeps microseconds":
		r.Created, r.Updated = r.Created.Truncate(time.Microsecond), r.Updated.Truncate(time.Microsecond)
	case "overwrites on Create":
		if old, err := b.Ledger.Get(ctx, r.SID); err == nil {
			b.Ledger.Apply(ctx, ledger.Change{SID: r.SID, From: ledger.Live, To: ledger.Deleted, Now: old.Updated})
			b.Ledger.Remove(ctx, r.SID)
		}
	case "ignores quotas":
		quota = nil
	}
	return b.Ledger.Create(ctx, r, quota...)
}

func (b *broken) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	switch b.bug {
	case "ignores the context":
		ctx = context.Background()
	case "keeps microseconds":
		for i := range changes {
			changes[i].Now = changes[i].Now.Truncate(time.Microsecond)
			changes[i].UpdatedBefore = changes[i].UpdatedBefore.Truncate(time.Microsecond)
		}
	case "ignores the limit":
		for i := range changes {
			changes[i].Limit = 0
		}
	case "counts the file itself":
		for i := range changes {
			if changes[i].Limit > 0 {
				changes[i].Limit--
			}
		}
	case "checks, then sets", "counts the draft, then attaches":
		// Check each change on its own, then make it unconditionally.
		for i, c := range changes {
			r, err := b.Ledger.Get(ctx, c.SID)
			if err != nil {
				return nil, err
			}
			if c.Limit > 0 && b.bug == "counts the draft, then attaches" {
				n, _ := b.Ledger.List(ctx, ledger.Query{Owner: r.Owner, Channel: r.Channel, States: []ledger.State{c.To}})
				if len(n) >= c.Limit {
					return nil, conflict
				}
			} else if !ledger.Holds(c, r) {
				return nil, conflict
			}
			changes[i].From, changes[i].Limit = ledger.Live, 0
			changes[i].Owner, changes[i].Channel = "", ""
		}
		time.Sleep(gap)
	case "applies changes one by one":
		var out []ledger.Record
		for _, c := range changes {
			r, err := b.Ledger.Apply(ctx, c)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	case "says Conflict for a missing record":
		out, err := b.Ledger.Apply(ctx, changes...)
		if err != nil {
			return nil, conflict
		}
		return out, nil
	}
	return b.Ledger.Apply(ctx, changes...)
}

var conflict = &errs.Error{Code: errs.Conflict, Op: "broken apply"}

func (b *broken) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	switch b.bug {
	case "lists newest first":
		out, err := b.Ledger.List(ctx, q)
		slices.Reverse(out)
		return out, err
	case "ignores AfterSeq":
		q.AfterSeq = 0
	}
	return b.Ledger.List(ctx, q)
}

func (b *broken) Remove(ctx context.Context, sid string) error {
	if b.bug == "removes live records" {
		if r, err := b.Ledger.Get(ctx, sid); err == nil {
			b.Ledger.Apply(ctx, ledger.Change{SID: sid, From: []ledger.State{r.State}, To: ledger.Deleted, Now: r.Updated})
		}
	}
	return b.Ledger.Remove(ctx, sid)
}

func (b *broken) ForgetOwner(ctx context.Context, owner string) error {
	if b.bug == "forgets every owner" {
		for _, o := range []string{"alice", "bob"} {
			b.Ledger.ForgetOwner(ctx, o)
		}
	}
	return b.Ledger.ForgetOwner(ctx, owner)
}

func (b *broken) Entries(ctx context.Context, q ledger.EntryQuery) ([]ledger.Entry, error) {
	if b.bug == "journals oldest first" {
		all, err := b.Ledger.Entries(ctx, ledger.EntryQuery{Channel: q.Channel, BeforeSeq: q.BeforeSeq, AfterSeq: q.AfterSeq})
		slices.Reverse(all)
		if q.Limit > 0 && len(all) > q.Limit {
			all = all[:q.Limit]
		}
		return all, err
	}
	return b.Ledger.Entries(ctx, q)
}

func (b *broken) Purge(ctx context.Context, before time.Time) (int, error) {
	if b.bug == "purges up to and including" {
		before = before.Add(1)
	}
	return b.Ledger.Purge(ctx, before)
}

func (b *broken) Usage(ctx context.Context, owner string) (ledger.Usage, error) {
	if b.bug == "counts deleted files" {
		rs, err := b.Ledger.List(ctx, ledger.Query{Owner: owner})
		var u ledger.Usage
		for _, r := range rs {
			u.Files++
			u.Bytes += r.Size
		}
		return u, err
	}
	return b.Ledger.Usage(ctx, owner)
}
