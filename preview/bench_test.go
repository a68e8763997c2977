package preview_test

import (
	"bytes"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/internal/previewbench"
	"github.com/attachkit/attachments/preview/previewtest"
)

// photo12MP is a 4000×3000 JPEG of previewtest.Photo, made once.
var photo12MP = sync.OnceValue(func() []byte { return previewtest.PhotoJPEG(4000, 3000) })

func BenchmarkThumbnail12MP(b *testing.B) {
	previewbench.BenchThumbnail(b, preview.NewGoRenderer(nil), photo12MP())
}

func BenchmarkThumbnail12MPBaseline(b *testing.B) {
	previewbench.BenchBaseline(b, photo12MP())
}

// BenchmarkPool32x12MP renders 32 12-megapixel photos at once through a
// Pool with 32 workers and a 128 MiB budget, so the budget is what holds
// them back, and reports the peak Go heap seen against the budget. The
// peak is sampled, and counts garbage not yet collected, so it errs high.
func BenchmarkPool32x12MP(b *testing.B) { benchPool32x12MP(b, false) }

// BenchmarkPool32x12MPMemoryLimit is BenchmarkPool32x12MP with the Go
// runtime's memory limit at the budget plus the heap before, as a host
// that wants the budget to hold sets GOMEMLIMIT: without it the collector
// lets garbage of finished renders pile up to twice the live heap.
func BenchmarkPool32x12MPMemoryLimit(b *testing.B) { benchPool32x12MP(b, true) }

func benchPool32x12MP(b *testing.B, limit bool) {
	const budget = 128 << 20
	src := photo12MP()
	if limit {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(ms.HeapAlloc) + budget))
	}
	pool := preview.NewPool(preview.NewGoRenderer(nil), &preview.PoolOptions{Workers: 32, MemoryBudget: budget})
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := sampleHeap(&peak)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				if _, err := pool.Render(b.Context(), bytes.NewReader(src), []preview.Target{{Max: preview.Thumbnail, W: io.Discard}}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		stop()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(budget/(1<<20), "budget-MiB")
}

// sampleHeap samples the heap's object bytes until the returned function
// is called, keeping the largest in *peak.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
