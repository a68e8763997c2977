package storagetest

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/storage"
)

// largeSize is the size of the blob testLargeBlob streams through a driver.
const largeSize = 256 << 20

// maxTransientHeap is how much the heap may grow above what a driver keeps
// while it streams largeSize bytes in or out: generous for buffers and
// parts in flight, and far below the blob's size.
const maxTransientHeap = 32 << 20

// heapPeak samples the live heap while an operation runs.
type heapPeak struct {
	base uint64
	peak uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

// startHeapPeak collects garbage, takes the heap's size as the base, and
// samples it every few milliseconds until end.
func startHeapPeak() *heapPeak {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapPeak{base: ms.HeapAlloc, peak: ms.HeapAlloc, stop: make(chan struct{})}
	h.wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-h.stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				h.peak = max(h.peak, ms.HeapAlloc)
			}
		}
	})
	return h
}

// end stops sampling and returns the peak growth over the base, and how much
// of it the heap still holds after a collection: what the driver keeps.
func (h *heapPeak) end() (peak, kept int64) {
	close(h.stop)
	h.wg.Wait()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
	return int64(h.peak - h.base), int64(ms.HeapAlloc) - int64(h.base)
}

// testLargeBlob: a 256 MiB blob streamed in from a generated source and read
// back holds no more than maxTransientHeap of memory beyond what the driver
// keeps (all of it for an in-memory driver, none for a disk).
func testLargeBlob(t *testing.T, hs Harness, b *storage.Bucket) {
	if testing.Short() {
		t.Skip("streams 256 MiB")
	}
	if hs.SkipLarge != "" {
		t.Skip(hs.SkipLarge)
	}
	const key = "large"
	h := startHeapPeak()
	info, err := b.Put(t.Context(), key, newPattern(13, largeSize), storage.Metadata{ContentType: "video/mp4"})
	peak, kept := h.end()
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != largeSize {
		t.Errorf("Put: got size %d, want %d", info.Size, largeSize)
	}
	t.Logf("Put %d MiB: heap peak +%.1f MiB, kept +%.1f MiB", largeSize>>20, mib(peak), mib(kept))
	if peak-kept > maxTransientHeap {
		t.Errorf("Put: the heap grew by %.1f MiB above the %.1f MiB kept, want at most %d MiB", mib(peak-kept), mib(kept), maxTransientHeap>>20)
	}

	h = startHeapPeak()
	rc, _, err := b.Get(t.Context(), key, nil)
	if err != nil {
		h.end()
		t.Fatalf("Get: %v", err)
	}
	err = compareStreams(rc, newPattern(13, largeSize))
	rc.Close()
	peak, kept = h.end()
	if err != nil {
		t.Errorf("reading back: %v", err)
	}
	t.Logf("Get %d MiB: heap peak +%.1f MiB", largeSize>>20, mib(peak))
	if peak-kept > maxTransientHeap {
		t.Errorf("Get: the heap grew by %.1f MiB, want at most %d MiB", mib(peak-kept), maxTransientHeap>>20)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
