package filesystem_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/storage"
)

// The benchmarks below pair each driver operation with a baseline: the same
// bytes written to, or read from, a plain os.File in the same directory
// with the same fsync policy. Compare their MB/s from one run:
//
//	go test -run '^$' -bench 'Filesystem(Put|Get)64MiB' -benchtime 5x -count 3 ./storage/filesystem

const benchSize = 64 << 20

func benchData() []byte {
	data := make([]byte, benchSize)
	rand.NewChaCha8([32]byte{1}).Read(data)
	return data
}

func BenchmarkFilesystemPut64MiB(b *testing.B) {
	bk, _ := open(b, nil)
	defer bk.Close()
	data := benchData()
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := bk.Put(b.Context(), "bench/put", bytes.NewReader(data), storage.Metadata{ContentType: "video/mp4"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilesystemPut64MiBBaseline(b *testing.B) {
	_, dir := open(b, nil)
	data := benchData()
	name := filepath.Join(dir, "baseline")
	b.SetBytes(benchSize)
	for b.Loop() {
		f, err := os.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// readOnly hides every method but Read, so both Get benchmarks copy through
// the same buffer.
type readOnly struct{ io.Reader }

func BenchmarkFilesystemGet64MiB(b *testing.B) {
	bk, _ := open(b, nil)
	defer bk.Close()
	if _, err := bk.Put(b.Context(), "bench/get", bytes.NewReader(benchData()), storage.Metadata{}); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(benchSize)
	for b.Loop() {
		rc, _, err := bk.Get(b.Context(), "bench/get", nil)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.CopyBuffer(io.Discard, readOnly{rc}, buf); err != nil || n != benchSize {
			b.Fatalf("read %d bytes, %v", n, err)
		}
		rc.Close()
	}
}

func BenchmarkFilesystemGet64MiBBaseline(b *testing.B) {
	_, dir := open(b, nil)
	name := filepath.Join(dir, "baseline")
	if err := os.WriteFile(name, benchData(), 0o600); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(benchSize)
	for b.Loop() {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.CopyBuffer(io.Discard, readOnly{f}, buf); err != nil || n != benchSize {
			b.Fatalf("read %d bytes, %v", n, err)
		}
		f.Close()
	}
}

// repeater yields n bytes by repeating block: a 1 GiB source in 1 MiB.
type repeater struct {
	block []byte
	n     int64
}

func (r *repeater) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(int64(len(p)), r.n)], r.block)
	r.n -= int64(k)
	return k, nil
}

// BenchmarkFilesystemPut1GiB reports the heap's peak growth during a 1 GiB
// Put as peak-heap-MiB.
func BenchmarkFilesystemPut1GiB(b *testing.B) {
	bk, _ := open(b, nil)
	defer bk.Close()
	block := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{2}).Read(block)
	const size = 1 << 30
	b.SetBytes(size)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var top uint64
		wg.Go(func() {
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			var ms runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					runtime.ReadMemStats(&ms)
					top = max(top, ms.HeapAlloc)
				}
			}
		})
		_, err := bk.Put(b.Context(), "bench/1gib", &repeater{block: block, n: size}, storage.Metadata{ContentType: "video/mp4"})
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if top > base {
			peak = max(peak, top-base)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
