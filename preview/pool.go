package preview

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/attachkit/attachments/errs"
	"golang.org/x/sync/semaphore"
)

// DefaultMemoryBudget is a Pool's memory budget when PoolOptions leaves it
// zero: 256 MiB, five 12-megapixel photos decoding at once.
const DefaultMemoryBudget = 256 << 20

// PoolOptions configures a Pool. A nil *PoolOptions means the defaults.
type PoolOptions struct {
	// Workers is how many renders run at once. Zero means
	// runtime.GOMAXPROCS(0): decoding is CPU work, and more at once only
	// takes more memory.
	Workers int
	// MemoryBudget is how much memory, in bytes, the renders running at
	// once may take together, by their estimates. A render waits until its
	// estimate fits; one whose estimate exceeds the whole budget is refused.
	// Zero means DefaultMemoryBudget.
	//
	// The estimates bound what the renders allocate, garbage included, but
	// Go's collector frees garbage late: by default it lets the heap grow
	// to twice what is live, so the garbage of finished renders adds to
	// the budget. To hold the heap to it, set the runtime's memory limit
	// (GOMEMLIMIT, or debug.SetMemoryLimit) to the budget plus what the
	// rest of the process takes.
	MemoryBudget int64
	// Estimate returns the memory a render of an image with header h takes.
	// Nil means the renderer's own Estimate when it is an Estimator
	// (GoRenderer and the libvips renderer are), which also weighs the
	// targets; else Header.DecodeBytes plus ProbeLimit.
	Estimate func(h Header) int64
}

// Pool is a Renderer that runs another within a bound: at most Workers
// renders at once, and at most MemoryBudget bytes of them by estimate, the
// estimate made from the image's header before anything is decoded. So a
// hundred photos arriving at once queue instead of exhausting memory, and
// a photo too big for the budget is refused without a byte decoded.
//
// A Pool starts no goroutine: each Render runs in its caller's goroutine
// once admitted, and a caller waiting for its turn leaves when its ctx is
// done. Waiters are admitted first come, first served, so a big image is
// not starved by small ones. Its zero value is not usable; use NewPool.
type Pool struct {
	r        Renderer
	workers  *semaphore.Weighted
	budget   *semaphore.Weighted
	size     int64
	estimate func(Header, []Target) int64
}

// NewPool returns a Pool that runs r within opts (nil for defaults).
func NewPool(r Renderer, opts *PoolOptions) *Pool {
	var o PoolOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	estimate := func(h Header, _ []Target) int64 { return h.DecodeBytes() + ProbeLimit }
	if e, ok := r.(Estimator); ok {
		estimate = e.Estimate
	}
	if o.Estimate != nil {
		estimate = func(h Header, _ []Target) int64 { return o.Estimate(h) }
	}
	return &Pool{
		r:        r,
		workers:  semaphore.NewWeighted(int64(o.Workers)),
		budget:   semaphore.NewWeighted(o.MemoryBudget),
		size:     o.MemoryBudget,
		estimate: estimate,
	}
}

// Render implements Renderer: it reads the header, waits for a worker and
// for the image's estimate to fit the budget, and renders with the pool's
// renderer. Beside the renderer's errors it returns FileTooLarge for an
// image whose estimate exceeds the whole budget, and Canceled when ctx is
// done while it waits.
func (p *Pool) Render(ctx context.Context, src io.Reader, targets []Target) ([]Rendition, error) {
	if err := CheckTargets(targets); err != nil {
		return nil, err
	}
	h, r, err := ProbeReader(src)
	if err != nil {
		return nil, err
	}
	need := max(p.estimate(h, targets), 1)
	if need > p.size {
		return nil, &errs.Error{
			Code:    errs.FileTooLarge,
			Op:      "preview.Pool",
			Message: "the image is too large for a preview",
			Details: errs.Details{Limit: p.size, Size: need, Reason: "memory budget"},
			Err:     fmt.Errorf("%d×%d %s needs about %d bytes, over the budget of %d", h.Width, h.Height, h.Format, need, p.size),
		}
	}
	// Budget first: a render waiting for memory holds no worker.
	if err := p.budget.Acquire(ctx, need); err != nil {
		return nil, canceled(err)
	}
	defer p.budget.Release(need)
	if err := p.workers.Acquire(ctx, 1); err != nil {
		return nil, canceled(err)
	}
	defer p.workers.Release(1)
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	return p.r.Render(ctx, r, targets)
}
