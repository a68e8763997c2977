package preview_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// meter is a fake Renderer that records how many renders, and how many
// estimated bytes of them, are inside it at once.
type meter struct {
	mu                  sync.Mutex
	inside, insideBytes int64
	maxInside, maxBytes int64
	calls               int
	hold                chan struct{} // when set, a render waits for it to close
	entered             chan struct{} // when set, told of each render that enters
}

func (m *meter) Render(ctx context.Context, src io.Reader, _ []preview.Target) ([]preview.Rendition, error) {
	h, err := preview.Probe(src)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.calls++
	m.inside++
	m.insideBytes += h.Pixels()
	m.maxInside = max(m.maxInside, m.inside)
	m.maxBytes = max(m.maxBytes, m.insideBytes)
	m.mu.Unlock()
	if m.entered != nil {
		m.entered <- struct{}{}
	}
	if m.hold != nil {
		<-m.hold
	}
	for range 10 {
		runtime.Gosched() // give others the chance to crowd in
	}
	m.mu.Lock()
	m.inside--
	m.insideBytes -= h.Pixels()
	m.mu.Unlock()
	return []preview.Rendition{{}}, nil
}

// byPixels estimates a render's memory as its pixel count, so tests can
// size budgets in pixels.
func byPixels(h preview.Header) int64 { return h.Pixels() }

func target() []preview.Target { return []preview.Target{{Max: preview.Thumbnail, W: io.Discard}} }

func TestPoolKeepsWithinWorkersAndBudget(t *testing.T) {
	m := &meter{}
	const budget = 1000
	p := preview.NewPool(m, &preview.PoolOptions{Workers: 3, MemoryBudget: budget, Estimate: byPixels})
	var wg sync.WaitGroup
	for i := range 64 {
		side := uint32(10 + i%15) // 100 to 576 pixels
		wg.Go(func() {
			_, err := p.Render(t.Context(), bytes.NewReader(previewtest.PNGHeader(side, side)), target())
			assert.NoError(t, err, "a render that fits the budget failed")
		})
	}
	wg.Wait()
	assert.Equal(t, 64, m.calls, "not every render ran")
	assert.LessOrEqual(t, m.maxInside, int64(3), "more renders ran at once than the pool has workers")
	assert.LessOrEqual(t, m.maxBytes, int64(budget), "the renders running at once took more memory than the budget")
}

func TestPoolRefusesAnImageBiggerThanItsBudget(t *testing.T) {
	m := &meter{}
	p := preview.NewPool(m, &preview.PoolOptions{MemoryBudget: 1000, Estimate: byPixels})
	_, err := p.Render(t.Context(), bytes.NewReader(previewtest.PNGHeader(40, 40)), target())
	require.Error(t, err, "an image over the whole budget would wait forever")
	assert.Equal(t, errs.FileTooLarge, errs.CodeOf(err), "the host cannot tell why there is no preview: %v", err)
	assert.Equal(t, int64(1000), errs.As(err).Details.Limit, "the error does not name the budget")
	assert.Zero(t, m.calls, "an image over budget reached the renderer")
}

func TestPoolWaiterLeavesWhenItsContextEnds(t *testing.T) {
	tests := []struct {
		name string
		opts preview.PoolOptions
	}{
		{"waiting for budget", preview.PoolOptions{Workers: 4, MemoryBudget: 150, Estimate: byPixels}},
		{"waiting for a worker", preview.PoolOptions{Workers: 1, MemoryBudget: 1000, Estimate: byPixels}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &meter{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
			p := preview.NewPool(m, &tt.opts)
			var wg sync.WaitGroup
			wg.Go(func() {
				_, err := p.Render(t.Context(), bytes.NewReader(previewtest.PNGHeader(10, 10)), target())
				assert.NoError(t, err, "the first render failed")
			})
			<-m.entered // the first render holds the only worker, or 100 of the 150 bytes
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := p.Render(ctx, bytes.NewReader(previewtest.PNGHeader(10, 10)), target())
			assert.Equal(t, errs.Canceled, errs.CodeOf(err), "a render whose caller gave up while it waited did not leave: %v", err)
			close(m.hold)
			wg.Wait()
			assert.Equal(t, 1, m.calls, "a render that gave up reached the renderer")
		})
	}
}

func TestPoolPassesOnBadInput(t *testing.T) {
	p := preview.NewPool(preview.NewGoRenderer(nil), nil)
	_, err := p.Render(t.Context(), bytes.NewReader(previewtest.PNGHeader(100000, 100000)), target())
	assert.Equal(t, errs.FileTooLarge, errs.CodeOf(err), "a PNG bomb was not refused before decoding: %v", err)
	_, err = p.Render(t.Context(), bytes.NewReader([]byte("not an image")), target())
	assert.Equal(t, errs.Unsupported, errs.CodeOf(err), "a file that is no image did not say so: %v", err)
}
