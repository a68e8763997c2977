package sqlledger_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/storage/filesystem"
)

// senders is how many members send at once in the parallel benchmark.
const senders = 64

// benchLedgers are the ledgers the send benchmarks compare: memory is the
// baseline the SQL ledgers are measured against, in the same run.
func benchLedgers(withPostgres bool) []struct {
	name string
	open func(b *testing.B) ledger.Ledger
} {
	out := []struct {
		name string
		open func(b *testing.B) ledger.Ledger
	}{
		{"memory", func(*testing.B) ledger.Ledger { return ledgermemory.New() }},
		{"sqlite", func(b *testing.B) ledger.Ledger { return openSQLite(b, filepath.Join(b.TempDir(), "ledger.db")) }},
	}
	if withPostgres {
		out = append(out, struct {
			name string
			open func(b *testing.B) ledger.Ledger
		}{"postgres", func(b *testing.B) ledger.Ledger { return openPostgres(b, server.CreateDatabase(b)) }})
	}
	return out
}

// sendClient returns a Client on filesystem storage and l, in whose channels
// CH0…CH63 the members cust-0…cust-63 are customers. The janitor is off, so
// only the sends are measured.
func sendClient(b *testing.B, l ledger.Ledger, maxSize int64) *attachments.Client {
	b.Helper()
	store, err := filesystem.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	members := &attachmentstest.Members{}
	for i := range senders {
		if err := members.SetRole(b.Context(), fmt.Sprintf("CH%d", i), fmt.Sprintf("cust-%d", i), attachments.RoleCustomer); err != nil {
			b.Fatal(err)
		}
	}
	cfg := attachments.DefaultConfig()
	cfg.Customer.FileAttachment.MaxFileSize = maxSize
	c, err := attachments.New(cfg, &attachmentstest.Transport{}, members, &attachments.Options{
		Storage: store, Ledger: l, SweepInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c.Close(context.Background())
		store.Close()
	})
	return c
}

// send sends f as member i in its channel.
func send(ctx context.Context, c *attachments.Client, i int, f *attachments.File) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: fmt.Sprintf("CH%d", i), Sender: attachments.Member{Identity: fmt.Sprintf("cust-%d", i)},
		File: f,
	})
}

// png4KiB returns a 4 KiB PNG image.
func png4KiB(b *testing.B) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	if buf.Len() > 4096 {
		b.Fatalf("the test image is %d bytes, more than 4 KiB", buf.Len())
	}
	return append(buf.Bytes(), make([]byte, 4096-buf.Len())...)
}

// BenchmarkSendMediaMessage4KiBParallel: 64 members send 4 KiB files at
// once, to local disk, with the ledger in memory, in SQLite and in
// PostgreSQL; every send is of a new file, in an empty ledger at first.
// The baselines do what a peer (Mattermost) does per upload: a send on the
// memory ledger plus one INSERT of a row on the same database. Compare
// ns/op (or sends/s) in one run: each SQL ledger ≥ 0.8× its baseline,
// SQLite ≥ 0.6× and PostgreSQL ≥ 0.5× memory.
func BenchmarkSendMediaMessage4KiBParallel(b *testing.B) {
	content := png4KiB(b)
	run := func(b *testing.B, c *attachments.Client, after func(ctx context.Context, i int) error) {
		var next atomic.Int64
		b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.SetBytes(int64(len(content)))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)-1) % senders
			for pb.Next() {
				if _, err := send(context.Background(), c, i, &attachments.File{Name: "a.png", Body: bytes.NewReader(content)}); err != nil {
					b.Error(err)
					return
				}
				if after != nil {
					if err := after(context.Background(), i); err != nil {
						b.Error(err)
						return
					}
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	}
	for _, lg := range benchLedgers(true) {
		b.Run("ledger="+lg.name, func(b *testing.B) { run(b, sendClient(b, lg.open(b), 0), nil) })
	}
	for _, lg := range benchLedgers(true)[1:] {
		b.Run("baseline="+lg.name+"-insert", func(b *testing.B) {
			db := lg.open(b).(*sqlledger.Ledger).DB()
			if _, err := db.ExecContext(b.Context(), `CREATE TABLE uploads (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
				channel TEXT NOT NULL, name TEXT NOT NULL, size BIGINT NOT NULL, created BIGINT NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			insert := "INSERT INTO uploads (id, owner, channel, name, size, created) VALUES ($1, $2, $3, $4, $5, $6)"
			if lg.name == "sqlite" {
				insert = rebindSQLite(insert)
			}
			var id atomic.Int64
			run(b, sendClient(b, ledgermemory.New(), 0), func(ctx context.Context, i int) error {
				_, err := db.ExecContext(ctx, insert, fmt.Sprintf("ME%d", id.Add(1)), fmt.Sprintf("cust-%d", i),
					fmt.Sprintf("CH%d", i), "a.png", len(content), time.Now().UnixNano())
				return err
			})
		})
	}
}

// BenchmarkSendMediaMessage64MiB: one member sends a 64 MiB file to local
// disk, with the ledger in memory and in SQLite: the ledger must not show
// on large files (SQLite ≥ 0.95× memory).
func BenchmarkSendMediaMessage64MiB(b *testing.B) {
	const size = 64 << 20
	for _, lg := range benchLedgers(false) {
		b.Run("ledger="+lg.name, func(b *testing.B) {
			c := sendClient(b, lg.open(b), size)
			b.SetBytes(size)
			for b.Loop() {
				res, err := send(context.Background(), c, 0, &attachments.File{Name: "big.png", Body: bigPNG(size)})
				if err != nil {
					b.Fatal(err)
				}
				// Delete it, so the disk does not fill up over b.N rounds.
				b.StopTimer()
				if _, err := attachments.Invoke(context.Background(), c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
					Channel: "CH0", Requester: attachments.Member{Identity: "cust-0"}, MessageSID: res.Message.SID,
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// bigPNG returns n bytes that sniff as a PNG.
func bigPNG(n int64) io.Reader {
	return io.MultiReader(strings.NewReader("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), io.LimitReader(zeros{}, n-16))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
