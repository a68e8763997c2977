package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/gocloud"
)

// BenchmarkCheck: one Client.Check (no repair) of a bucket and a ledger
// that agree, on local disk and on versitygw (S3). Target: ≤ 0.1 ms a file
// (ns/file, wall time; cpu-ns/file is the process's CPU time). It lives
// here, where the S3 harness and both stores are at hand; the core module
// does not require an S3 server.
//
// Data: 100,000 sent files of 64 bytes in one channel, each with its
// record in the memory ledger (SHA-256 set, so Check looks for its blob);
// one file in ten has a thumbnail, stored and recorded. Nothing is missing
// or orphaned. Each store is filled once (the disk with NoSync, which
// Check does not depend on: it only lists) and shared by the rounds.
// CHECK_FILES sets another number of files (the S3 server stores about a
// hundred a second on a loaded machine).
//
//	go test -run '^$' -bench 'BenchmarkCheck/' -benchtime 3x
func BenchmarkCheck(b *testing.B) {
	files := benchFiles()
	stores := []struct {
		name string
		open func(b *testing.B) *storage.Bucket
	}{
		{"disk", func(b *testing.B) *storage.Bucket {
			disk, err := filesystem.Open(b.TempDir(), &filesystem.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { disk.Close() })
			return disk
		}},
		{"versitygw", s3Store},
	}
	for _, s := range stores {
		var store *storage.Bucket
		l := ledgermemory.New()
		b.Run(fmt.Sprintf("files=%dk/store=%s", files/1000, s.name), func(b *testing.B) {
			if store == nil { // filled once, for the rounds b.N takes
				store = s.open(b)
				start := time.Now()
				fillCheck(b, store, l, files)
				b.Logf("stored %d files on %s in %v", files, s.name, time.Since(start).Round(time.Millisecond))
				b.ResetTimer()
			}
			c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{},
				&attachments.Options{Storage: store, Ledger: l, SweepInterval: -1, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(context.Background())
			cpu := cpuTime()
			for b.Loop() {
				rep, err := c.Check(b.Context(), 0, "")
				if err != nil || len(rep.MissingBlobs)+len(rep.OrphanBlobs)+len(rep.StuckSending) > 0 {
					b.Fatalf("Check of a bucket and a ledger that agree: %v, %+v", err, rep)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(files), "ns/file")
			// On a machine shared with other jobs, wall time is mostly
			// waiting for a core: the process's CPU time says what Check costs.
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N)/float64(files), "cpu-ns/file")
		})
	}
}

// s3Store returns a bucket on a versitygw server started for b.
func s3Store(b *testing.B) *storage.Bucket {
	srv := s3test.Start(b)
	bk := gocloud.New(srv.OpenBucket(b, srv.Client(), srv.CreateBucket(b)), nil)
	b.Cleanup(func() { bk.Close() })
	return bk
}

// fillCheck stores n files and their records, 32 at a time.
func fillCheck(b *testing.B, store *storage.Bucket, l ledger.Ledger, n int) {
	const workers = 32
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				sid := "ME" + hex.EncodeToString([]byte(rand.Text())[:16]) // 34 hex digits, as the library makes them
				r := ledger.Record{SID: sid, Owner: "customer-1", Side: "customer", Channel: "CH1", State: ledger.Sent,
					MessageSID: fmt.Sprintf("IM%d", i), FileName: "a.png", ContentType: "image/png", Size: 64,
					SHA256: strings.Repeat("ab", 32), Created: at, Updated: at}
				if _, err := store.Put(ctx, "media/"+sid, strings.NewReader(strings.Repeat("x", 64)), storage.Metadata{ContentType: "image/png"}); err != nil {
					errc <- err
					return
				}
				if i%10 == 0 {
					r.Renditions = []ledger.Rendition{{Name: "thumbnail", ContentType: "image/png", Size: 1}}
					if _, err := store.Put(ctx, "renditions/"+sid+"/thumbnail", strings.NewReader("x"), storage.Metadata{ContentType: "image/png"}); err != nil {
						errc <- err
						return
					}
				}
				if err := l.Create(ctx, r); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		b.Fatal(err)
	}
}

func benchFiles() int {
	if n, err := strconv.Atoi(os.Getenv("CHECK_FILES")); err == nil {
		return n
	}
	return 100_000
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
