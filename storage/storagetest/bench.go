package storagetest

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchSizes are the blob sizes the Put and Get benchmarks use.
var benchSizes = []int{1 << 10, 1 << 20, 16 << 20}

// onlyReader hides every method but Read, so a driver reads a benchmark's
// source the way it reads a network body.
type onlyReader struct{ io.Reader }

// RunBenchmarks runs the storage benchmarks against buckets from h.New: Put
// and Get at several sizes (with b.SetBytes, so they report MB/s), Stat, and
// a List page.
func RunBenchmarks(b *testing.B, h Harness) {
	checkHarness(b, h)
	for _, size := range benchSizes {
		data := patternBytes(20, size)
		b.Run(fmt.Sprintf("Put/%s", sizeName(size)), func(b *testing.B) {
			bk := open(b, h)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := bk.Put(b.Context(), "bench", onlyReader{bytes.NewReader(data)}, meta()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Get/%s", sizeName(size)), func(b *testing.B) {
			bk := open(b, h)
			if _, err := bk.Put(b.Context(), "bench", bytes.NewReader(data), meta()); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(size))
			for b.Loop() {
				rc, _, err := bk.Get(b.Context(), "bench", nil)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, onlyReader{rc}, buf)
				rc.Close()
				if err != nil || n != int64(size) {
					b.Fatalf("Get: read %d bytes, %v; want %d", n, err, size)
				}
			}
		})
	}
	b.Run("Stat", func(b *testing.B) {
		bk := open(b, h)
		if _, err := bk.Put(b.Context(), "bench", bytes.NewReader([]byte("x")), meta()); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := bk.Stat(b.Context(), "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListPage/100", func(b *testing.B) {
		bk := open(b, h)
		for i := range 200 {
			key := fmt.Sprintf("list/%04d", i)
			if _, err := bk.Put(b.Context(), key, bytes.NewReader(nil), meta()); err != nil {
				b.Fatal(err)
			}
		}
		// A page from the middle: the token comes from the page before, as
		// the Driver contract has it, not from a key.
		first, err := bk.ListPage(b.Context(), "list/", "", 50)
		if err != nil || len(first.Items) != 50 || first.Next == "" {
			b.Fatalf("ListPage: got %d items, next %q, %v; want 50 and a next token", len(first.Items), first.Next, err)
		}
		for b.Loop() {
			p, err := bk.ListPage(b.Context(), "list/", first.Next, 100)
			if err != nil || len(p.Items) != 100 || p.Items[0].Key != "list/0050" {
				b.Fatalf("ListPage(next): got %d items from %q, %v; want 100 from list/0050", len(p.Items), keysOf(p.Items[:min(len(p.Items), 1)]), err)
			}
		}
	})
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
