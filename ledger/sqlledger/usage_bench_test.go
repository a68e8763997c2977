package sqlledger_test

import (
	"testing"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// BenchmarkUsage reads the usage of a member with 100,000 files, among a
// table of 110,000 (another member holds the rest): 99% sent, 1% staged,
// 4 KiB each, as a busy agent's history looks. The quotas read it on every
// upload, so it must cost one row, not the member's files. The sum=…
// rows are the query Usage ran before its counters, on the same data: the
// cost it replaced.
//
//	go test -run '^$' -bench 'BenchmarkUsage'
func BenchmarkUsage(b *testing.B) {
	const n = 100_000
	b.Run("files=100k", func(b *testing.B) {
		for _, d := range benchDialects {
			l := d.open(b)
			fillMember(b, l, d.name, "agent", n)
			fillMember(b, l, d.name, "other", n/10)
			want := ledger.Usage{Files: n, Bytes: n * 4096, Pending: n / 100}
			b.Run("ledger="+d.name, func(b *testing.B) {
				for b.Loop() {
					u, err := l.Usage(b.Context(), "agent")
					if err != nil || u != want {
						b.Fatalf("Usage = %+v, %v; want %+v", u, err, want)
					}
				}
			})
			b.Run("sum="+d.name, func(b *testing.B) {
				q := `SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT),
					COUNT(CASE WHEN state IN ('staged', 'drafted') THEN 1 END) FROM media WHERE owner = $1 AND state <> 'deleted'`
				if d.name == "sqlite" {
					q = rebindSQLite(q)
				}
				for b.Loop() {
					var u ledger.Usage
					if err := l.DB().QueryRowContext(b.Context(), q, "agent").Scan(&u.Files, &u.Bytes, &u.Pending); err != nil || u != want {
						b.Fatalf("sum = %+v, %v; want %+v", u, err, want)
					}
				}
			})
		}
	})
}

// fillMember inserts n files of owner in one statement, every hundredth
// staged and the rest sent.
func fillMember(b *testing.B, l *sqlledger.Ledger, dialect, owner string, n int) {
	b.Helper()
	series := "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) SELECT i FROM s"
	if dialect == "postgres" {
		series = "SELECT generate_series(1, $1) AS i"
	}
	q := `INSERT INTO media (sid, owner, side, channel, state, message_sid, store, location, file_name,
		content_type, size, sha256, renditions, created, updated)
		SELECT 'ME' || $2 || i, $2, 'agent', 'CH' || (i % 1000),
		CASE WHEN i % 100 = 0 THEN 'staged' ELSE 'sent' END, 'IM' || i, '', '',
		'photo.jpg', 'image/jpeg', 4096, '', '', $3, $3 FROM (` + series + `) AS g`
	if dialect == "sqlite" {
		q = rebindSQLite(q)
	}
	if _, err := l.DB().ExecContext(b.Context(), q, n, owner, scaleNow.UnixNano()); err != nil {
		b.Fatal(err)
	}
	// What autovacuum does after a bulk load: the usage row's versions,
	// one a file inserted, go.
	analyze := "ANALYZE"
	if dialect == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	if _, err := l.DB().ExecContext(b.Context(), analyze); err != nil {
		b.Fatal(err)
	}
}
