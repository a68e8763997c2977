package sqlledger_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// benchDialects are the databases the ledger benchmarks run on, each
// opening a new, empty ledger.
var benchDialects = []struct {
	name string
	open func(b *testing.B) *sqlledger.Ledger
}{
	{"sqlite", func(b *testing.B) *sqlledger.Ledger {
		return openSQLite(b, filepath.Join(b.TempDir(), "ledger.db"))
	}},
	{"postgres", func(b *testing.B) *sqlledger.Ledger { return openPostgres(b, server.CreateDatabase(b)) }},
}

// The scale benchmarks: on a ledger of 10,000 and of 1,000,000 records, a
// sweep of 100 expired files and the erasure of one member's 100 files cost
// what they delete, not the table: ns/op at 1M should be about ns/op at
// 10k.
//
//	go test -run '^$' -bench 'BenchmarkScale' -benchtime 20x
func BenchmarkScale(b *testing.B) {
	for _, d := range benchDialects {
		for _, n := range []int{10_000, 1_000_000} {
			b.Run(fmt.Sprintf("ledger=%s/records=%d", d.name, n), func(b *testing.B) {
				l := d.open(b)
				start := time.Now()
				fill(b, l.DB(), d.name, n)
				b.Logf("filled %d records in %v", n, time.Since(start).Round(time.Millisecond))
				b.Run("Sweep100", func(b *testing.B) { benchSweep(b, l) })
				b.Run("Erase100", func(b *testing.B) { benchErase(b, l) })
			})
		}
	}
}

// scaleNow is when the filled records last changed; files staged before
// scaleNow-1h are expired.
var scaleNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// fill inserts n sent records, in 100-record groups of one owner each, with
// one statement that generates the rows in the database: a million rows
// in seconds, not a million round trips.
func fill(b *testing.B, db *sql.DB, dialect string, n int) {
	b.Helper()
	series := "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) SELECT i FROM s"
	if dialect == "postgres" {
		series = "SELECT generate_series(1, $1) AS i"
	}
	q := `INSERT INTO media (sid, owner, side, channel, state, message_sid, store, location, file_name,
		content_type, size, sha256, renditions, created, updated)
		SELECT 'MEfill' || i, 'owner' || (i % $2), 'customer', 'CH' || (i % 1000), 'sent', 'IM' || i, '', '',
		'photo.jpg', 'image/jpeg', 4096, '', '', $3, $3 FROM (` + series + `) AS g`
	if dialect == "sqlite" {
		q = rebindSQLite(q)
	}
	if _, err := db.ExecContext(b.Context(), q, n, n/100, scaleNow.UnixNano()); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(b.Context(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// rebindSQLite spells $1 placeholders ?1.
func rebindSQLite(q string) string {
	out := []byte(q)
	for i, c := range out {
		if c == '$' {
			out[i] = '?'
		}
	}
	return string(out)
}

// addFiles creates 100 files of owner, staged at updated.
func addFiles(b *testing.B, l ledger.Ledger, prefix, owner string, updated time.Time) {
	b.Helper()
	for i := range 100 {
		r := ledger.Record{SID: fmt.Sprintf("%s-%d", prefix, i), Owner: owner, Side: "customer", Channel: "CHscale",
			State: ledger.Staged, FileName: "a.png", ContentType: "image/png", Size: 10, Created: updated, Updated: updated}
		if err := l.Create(b.Context(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// deleteAll takes each of rs to Deleted under c's conditions and removes
// it, as the sweep and EraseMember do once the bytes are gone.
func deleteAll(ctx context.Context, b *testing.B, l ledger.Ledger, rs []ledger.Record, c ledger.Change) {
	for _, r := range rs {
		c.SID = r.SID
		if _, err := l.Apply(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := l.Remove(ctx, r.SID); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSweep: each op finds the 100 expired staged files among the table
// and deletes them, each with a conditional transition.
func benchSweep(b *testing.B, l ledger.Ledger) {
	expired := scaleNow.Add(-2 * time.Hour)
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		addFiles(b, l, fmt.Sprintf("MEsweep%d", i), fmt.Sprintf("sweeper%d", i), expired)
		b.StartTimer()
		cutoff := scaleNow.Add(-time.Hour)
		rs, err := l.List(b.Context(), ledger.Query{States: []ledger.State{ledger.Staged, ledger.Drafted}, UpdatedBefore: cutoff, Limit: 100})
		if err != nil || len(rs) != 100 {
			b.Fatalf("sweep List: %d records, %v; want 100", len(rs), err)
		}
		deleteAll(b.Context(), b, l, rs, ledger.Change{From: []ledger.State{ledger.Staged, ledger.Drafted}, To: ledger.Deleted,
			UpdatedBefore: cutoff, Now: scaleNow})
	}
}

// benchErase: each op finds one member's 100 files and deletes them.
func benchErase(b *testing.B, l ledger.Ledger) {
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		owner := fmt.Sprintf("erasee%d", i)
		addFiles(b, l, "MEerase"+owner, owner, scaleNow)
		b.StartTimer()
		rs, err := l.List(b.Context(), ledger.Query{Owner: owner, Limit: 100})
		if err != nil || len(rs) != 100 {
			b.Fatalf("erase List: %d records, %v; want 100", len(rs), err)
		}
		deleteAll(b.Context(), b, l, rs, ledger.Change{From: ledger.Live, To: ledger.Deleted, Owner: owner, Now: scaleNow})
	}
}
