package ledgertest

import (
	"fmt"
	"testing"

	"github.com/attachkit/attachments/ledger"
)

// sweepTable is how many records the sweep benchmark's ledger holds, and
// sweepExpired how many of them the sweep finds.
const (
	sweepTable   = 10_000
	sweepExpired = 100
)

// RunBenchmarks runs the ledger benchmarks against ledgers from h.New:
// Create; Cycle, a file's life through a send (Create, then staged →
// drafted with a limit, → sending, → sent); Get; and Sweep, the List a
// sweep runs (expired staged and drafted files) on a ledger of 10,000
// records of which 100 are expired.
func RunBenchmarks(b *testing.B, h Harness) {
	checkHarness(b, h)
	b.Run("Create", func(b *testing.B) {
		l := open(b, h)
		i := 0
		for b.Loop() {
			i++
			if err := l.Create(b.Context(), rec(fmt.Sprintf("ME%d", i), "alice", "CH1")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Cycle", func(b *testing.B) {
		l := open(b, h)
		i := 0
		for b.Loop() {
			i++
			sid := fmt.Sprintf("ME%d", i)
			if err := l.Create(b.Context(), rec(sid, "alice", "CH1")); err != nil {
				b.Fatal(err)
			}
			attach := change(sid, ledger.Staged, ledger.Drafted, 1)
			attach.Owner, attach.Channel, attach.Limit = "alice", "CH1", 10
			take := change(sid, ledger.Drafted, ledger.Sending, 2)
			take.Owner = "alice"
			sent := change(sid, ledger.Sending, ledger.Sent, 3)
			sent.SetMessageSID = "IM" + sid
			for _, c := range []ledger.Change{attach, take, sent} {
				if _, err := l.Apply(b.Context(), c); err != nil {
					b.Fatalf("%s → %s: %v", c.From[0], c.To, err)
				}
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		l := open(b, h)
		create(b, l, rec("ME1", "alice", "CH1"))
		for b.Loop() {
			if _, err := l.Get(b.Context(), "ME1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("Sweep/%d", sweepTable), func(b *testing.B) {
		l := open(b, h)
		for i := range sweepTable {
			r := rec(fmt.Sprintf("ME%05d", i), fmt.Sprintf("owner%d", i%500), fmt.Sprintf("CH%d", i%300))
			r.State, r.MessageSID, r.Updated = ledger.Sent, fmt.Sprintf("IM%d", i), at(100)
			if i%(sweepTable/sweepExpired) == 0 {
				r.State, r.MessageSID, r.Updated = ledger.Staged, "", at(1)
			}
			create(b, l, r)
		}
		q := ledger.Query{States: []ledger.State{ledger.Uploading, ledger.Staged, ledger.Drafted}, UpdatedBefore: at(50), Limit: 1000}
		for b.Loop() {
			got, err := l.List(b.Context(), q)
			if err != nil || len(got) != sweepExpired {
				b.Fatalf("List: %d records, %v; want %d", len(got), err, sweepExpired)
			}
		}
	})
}
