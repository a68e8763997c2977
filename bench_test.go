package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

const size64MiB = 64 << 20

// benchEnv is a Client on store whose customers may send files up to limit
// bytes (0: the default).
func benchEnv(b *testing.B, store *storage.Bucket, limit int64) *env {
	cfg := attachments.DefaultConfig()
	cfg.Customer.FileAttachment.MaxFileSize = limit
	return newEnv(b, envOptions{cfg: &cfg, store: store})
}

func openDisk(b *testing.B, dir string) *storage.Bucket {
	s, err := filesystem.Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// sendAndDelete sends one file of n bytes and deletes its message and media,
// so the disk does not fill up over b.N rounds.
func sendAndDelete(b *testing.B, e *env, n int64) {
	res, err := e.send(context.Background(), customer, &attachments.File{Name: "big.png", Body: bigPNG(n)})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if _, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: channel, Requester: customer, MessageSID: res.Message.SID}); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

func BenchmarkSendMediaMessage64MiB(b *testing.B) {
	e := benchEnv(b, openDisk(b, b.TempDir()), size64MiB)
	b.SetBytes(size64MiB)
	for b.Loop() {
		sendAndDelete(b, e, size64MiB)
	}
}

// BenchmarkSendMediaMessage64MiBBaseline is one plain pass over the same
// bytes: SHA-256 and a write to a file in the same kind of directory, with
// the same fsync the local-disk driver does.
func BenchmarkSendMediaMessage64MiBBaseline(b *testing.B) {
	dir := b.TempDir()
	b.SetBytes(size64MiB)
	for b.Loop() {
		f, err := os.CreateTemp(dir, "baseline")
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(f, h), bigPNG(size64MiB)); err != nil {
			b.Fatal(err)
		}
		_ = h.Sum(nil)
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		_ = f.Close()
		b.StopTimer()
		_ = os.Remove(f.Name())
		b.StartTimer()
	}
}

// BenchmarkSendMediaMessage1GiB reports how far a 1 GiB upload raises the
// heap, sampled every few milliseconds while it runs.
func BenchmarkSendMediaMessage1GiB(b *testing.B) {
	const n = 1 << 30
	e := benchEnv(b, openDisk(b, b.TempDir()), n)
	b.SetBytes(n)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := sampleHeap(&peak)
		sendAndDelete(b, e, n)
		stop()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records in *peak the largest rise of live heap objects above
// where they stand now, until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	const name = "/memory/classes/heap/objects:bytes"
	read := func() uint64 {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > base && v-base > *peak {
				*peak = v - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func BenchmarkSendMediaMessage4KiB(b *testing.B) {
	img := pngBytes(b, 32, 32)
	content := append(img, bytes.Repeat([]byte{0}, 4096-len(img))...)[:4096]
	stores := map[string]func() *storage.Bucket{
		"storage=memory":     memory.New,
		"storage=filesystem": func() *storage.Bucket { return openDisk(b, b.TempDir()) },
	}
	for name, open := range stores {
		b.Run(name, func(b *testing.B) {
			e := benchEnv(b, open(), 0)
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			// Small files are kept: stopping the timer to delete each one
			// would cost more than the send.
			for b.Loop() {
				if _, err := e.send(context.Background(), customer, &attachments.File{Name: "a.png", Body: bytes.NewReader(content)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
