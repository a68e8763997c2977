package sqlledger_test

import (
	"testing"

	"github.com/attachkit/attachments/ledger"
)

// BenchmarkJournalAppendParallel: what keeping the journal's Seqs in commit
// order costs on PostgreSQL. 16 goroutines append entries through Append
// (a shared advisory lock held to the commit), against the same INSERT
// without the lock (baseline) on the same database, while a reader pages
// the journal newest first. Compare ns/op in one run.
func BenchmarkJournalAppendParallel(b *testing.B) {
	l := openPostgres(b, server.CreateDatabase(b))
	e := ledger.Entry{Time: scaleNow, Action: "sendMediaMessage", Actor: "customer:alice", Channel: "CH1", Code: "ok"}
	run := func(b *testing.B, add func() error) {
		stop := make(chan struct{})
		read := make(chan error, 1)
		go func() {
			for {
				select {
				case <-stop:
					read <- nil
					return
				default:
				}
				if _, err := l.Entries(b.Context(), ledger.EntryQuery{Channel: "CH1", Limit: 25}); err != nil {
					read <- err
					return
				}
			}
		}()
		b.SetParallelism(8) // 16 writers on 2 cores
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := add(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		close(stop)
		if err := <-read; err != nil {
			b.Fatal(err)
		}
	}
	b.Run("ledger=postgres", func(b *testing.B) {
		run(b, func() error { return l.Append(b.Context(), e) })
	})
	b.Run("baseline=postgres-insert", func(b *testing.B) {
		run(b, func() error {
			_, err := l.DB().ExecContext(b.Context(), "INSERT INTO journal (time, channel, entry) VALUES ($1, $2, $3)",
				scaleNow.UnixNano(), "CH1", `{"action":"sendMediaMessage","actor":"customer:alice","channel":"CH1","code":"ok"}`)
			return err
		})
	})
}
