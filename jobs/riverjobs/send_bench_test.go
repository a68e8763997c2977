package riverjobs_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/jobs/riverjobs"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/storage/filesystem"
)

// senders is how many members send at once.
const senders = 64

// BenchmarkSendMediaMessage4KiBParallel: 64 members send 4 KiB PNGs at
// once to local disk, on SQLite and PostgreSQL, without jobs and with each
// send's rendition job inserted in its transaction (the queue is not
// started: the insert is measured, not the rendering). Compare jobs=on
// with jobs=off of the same run: ≥ 0.8×.
func BenchmarkSendMediaMessage4KiBParallel(b *testing.B) {
	content := png4KiB(b)
	for _, db := range []struct {
		name string
		open func(b *testing.B) *sqlledger.Ledger
	}{
		{"sqlite", func(b *testing.B) *sqlledger.Ledger {
			l, err := sqlite.Open(b.Context(), b.TempDir()+"/ledger.db")
			return closing(b, l, err)
		}},
		{"postgres", func(b *testing.B) *sqlledger.Ledger {
			l, err := postgres.Open(b.Context(), server.CreateDatabase(b))
			return closing(b, l, err)
		}},
	} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("ledger=%s/jobs=%s", db.name, map[bool]string{false: "off", true: "on"}[on]), func(b *testing.B) {
				l := db.open(b)
				c := sendClient(b, l)
				if on {
					q, err := riverjobs.New(b.Context(), l, &riverjobs.Options{Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := preview.Attach(c, preview.NewGoRenderer(nil), &preview.AttachOptions{Jobs: q}); err != nil {
						b.Fatal(err)
					}
				}
				var next atomic.Int64
				b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.SetBytes(int64(len(content)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := int(next.Add(1)-1) % senders
					for pb.Next() {
						if _, err := sendAs(context.Background(), c, i, content); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
			})
		}
	}
}

func closing(b *testing.B, l *sqlledger.Ledger, err error) *sqlledger.Ledger {
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	return l
}

// sendClient returns a Client on filesystem storage and l, in whose
// channels CH0…CH63 the members cust-0…cust-63 are customers.
func sendClient(b *testing.B, l *sqlledger.Ledger) *attachments.Client {
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
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{
		Storage: store, Ledger: l, SweepInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c.Close(context.Background())
		store.Close()
	})
	return c
}

func sendAs(ctx context.Context, c *attachments.Client, i int, content []byte) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: fmt.Sprintf("CH%d", i), Sender: attachments.Member{Identity: fmt.Sprintf("cust-%d", i)},
		File: &attachments.File{Name: "a.png", Body: bytes.NewReader(content)},
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
	return append(buf.Bytes(), make([]byte, 4096-buf.Len())...)
}
