package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// LocalOptions configure NewLocal. A nil *LocalOptions means every default.
type LocalOptions struct {
	// Size is how many jobs may wait. When it is full, Enqueue fails with
	// errs.Unavailable rather than holding the caller. Default 1024.
	Size int
	// Workers is how many jobs run at once. Default 2.
	Workers int
	// MaxAttempts bounds the runs of one job, the first included.
	// Default 5.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before each retry: it
	// doubles from MinBackoff up to MaxBackoff, half of it random. Default
	// 1 second and 1 minute.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one run. Default 1 minute.
	Timeout time.Duration
	// Logger receives the jobs given up on. Default slog.Default().
	Logger *slog.Logger
}

// Local is a Queue in this process's memory: for tests and one-process
// hosts on the memory ledger. Its jobs are lost when the process dies; use
// a durable queue (jobs/riverjobs) with a SQL ledger for anything else.
// Close stops it.
type Local struct {
	o    LocalOptions
	jobs chan Job

	mu       sync.RWMutex // guards handlers, triggers, closed
	handlers map[string]Handler
	triggers []Trigger
	closed   bool

	ctx    context.Context // ends when Close gives up
	cancel context.CancelFunc
	wg     sync.WaitGroup

	discarded atomic.Int64
}

var (
	_ Queue     = (*Local)(nil)
	_ Discarded = (*Local)(nil)
)

// NewLocal starts a Local queue and its workers.
func NewLocal(opts *LocalOptions) *Local {
	var o LocalOptions
	if opts != nil {
		o = *opts
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Size, 1024)
	def(&o.Workers, 2)
	def(&o.MaxAttempts, 5)
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(time.Minute, o.MinBackoff)
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	q := &Local{o: o, jobs: make(chan Job, o.Size), handlers: map[string]Handler{}}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	for range o.Workers {
		q.wg.Go(q.work)
	}
	return q
}

// Handle implements Queue.
func (q *Local) Handle(kind string, h Handler) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.handlers[kind]; ok || kind == "" || h == nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: "jobs handle " + kind, Message: "a job kind needs one handler"}
	}
	q.handlers[kind] = h
	return nil
}

// OnChange implements Queue: t's jobs are enqueued once a change made
// through the ledger Ledger returns has succeeded.
func (q *Local) OnChange(t Trigger) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.triggers = append(q.triggers, t)
}

// Enqueue implements Queue. It never waits: a full queue is
// errs.Unavailable, a closed one errs.Closed, and then none of jobs is
// queued.
func (q *Local) Enqueue(ctx context.Context, jobs ...Job) error {
	const op = "jobs enqueue"
	q.mu.RLock()
	defer q.mu.RUnlock()
	for _, j := range jobs {
		if q.handlers[j.Kind] == nil {
			return &errs.Error{Code: errs.InvalidArgument, Op: op + " " + j.Kind, Message: "no handler for this kind of job"}
		}
	}
	switch {
	case q.closed:
		return &errs.Error{Code: errs.Closed, Op: op, Message: "the job queue is closed"}
	case len(jobs) > cap(q.jobs)-len(q.jobs):
		return &errs.Error{Code: errs.Unavailable, Op: op, Message: "the job queue is full"}
	}
	for _, j := range jobs {
		select {
		case q.jobs <- j:
		default: // another Enqueue took the room: what is queued runs anyway
			return &errs.Error{Code: errs.Unavailable, Op: op, Message: "the job queue is full"}
		}
	}
	return nil
}

// Ledger returns l with q's triggers: the jobs they name for a change made
// through it are enqueued once the change has succeeded. A job that cannot
// be queued is logged; the change stands.
func (q *Local) Ledger(l ledger.Ledger) ledger.Ledger { return &localLedger{Ledger: l, q: q} }

type localLedger struct {
	ledger.Ledger
	q *Local
}

func (l *localLedger) Apply(ctx context.Context, changes ...ledger.Change) ([]ledger.Record, error) {
	out, err := l.Ledger.Apply(ctx, changes...)
	if err != nil {
		return out, err
	}
	l.q.mu.RLock()
	jobs := Run(l.q.triggers, changes, out)
	l.q.mu.RUnlock()
	if len(jobs) > 0 {
		if err := l.q.Enqueue(context.WithoutCancel(ctx), jobs...); err != nil {
			l.q.o.Logger.Warn("jobs: the work a change causes was not queued", "err", err)
		}
	}
	return out, nil
}

func (q *Local) work() {
	for j := range q.jobs {
		q.run(j)
	}
}

// run runs j until it succeeds, is discarded, or runs out of attempts.
func (q *Local) run(j Job) {
	q.mu.RLock()
	h := q.handlers[j.Kind]
	q.mu.RUnlock()
	for attempt := 1; ; attempt++ {
		if q.ctx.Err() != nil {
			q.giveUp(j, attempt-1, q.ctx.Err())
			return
		}
		ctx, cancel := context.WithTimeout(q.ctx, q.o.Timeout)
		err := safeRun(ctx, h, j.Args)
		cancel()
		if err == nil {
			return
		}
		if IsDiscard(err) || attempt >= q.o.MaxAttempts {
			q.giveUp(j, attempt, err)
			return
		}
		t := time.NewTimer(q.backoff(attempt))
		select {
		case <-t.C:
		case <-q.ctx.Done():
			t.Stop()
		}
	}
}

// safeRun runs h, turning a panic into an error that discards the job.
func safeRun(ctx context.Context, h Handler, args json.RawMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Discard(&errs.Error{Code: errs.Internal, Op: "jobs run", Message: "the job's handler panicked"})
		}
	}()
	return h(ctx, args)
}

func (q *Local) giveUp(j Job, attempts int, err error) {
	q.discarded.Add(1)
	q.o.Logger.Warn("jobs: a job failed for good", "kind", j.Kind, "attempts", attempts, "code", string(errs.CodeOf(err)), "err", err)
}

// backoff is the wait after the given failed attempt.
func (q *Local) backoff(attempt int) time.Duration {
	d := q.o.MaxBackoff
	if shift := attempt - 1; shift < 32 && q.o.MinBackoff<<shift > 0 && q.o.MinBackoff<<shift < d {
		d = q.o.MinBackoff << shift
	}
	return d/2 + rand.N(d/2+1)
}

// Discarded implements Discarded: the jobs this Local gave up on since it
// started.
func (q *Local) Discarded(context.Context) (int, error) { return int(q.discarded.Load()), nil }

// Close stops queueing and runs the jobs already queued, retries included,
// until they are done or ctx ends. When ctx ends first, it abandons them
// (they count as discarded), waits for the handlers running to return, and
// returns an errs.Canceled error. Once Close has returned no goroutine of q
// runs. Close is idempotent.
func (q *Local) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.jobs)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		q.cancel()
		return nil
	case <-ctx.Done():
		q.cancel()
		<-done
		return &errs.Error{Code: errs.Canceled, Op: "jobs close", Message: "queued jobs were left undone", Err: ctx.Err()}
	}
}
