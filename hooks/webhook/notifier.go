package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/jobs"
)

// Defaults of NotifierOptions.
const (
	DefaultQueueSize   = 1024
	DefaultWorkers     = 2
	DefaultMaxAttempts = 5
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultPostTimeout = 10 * time.Second
)

// NotifierOptions are NewNotifier's optional arguments. A nil
// *NotifierOptions means every default.
type NotifierOptions struct {
	// Actions names the actions to report (see package hooks). Nil means
	// hooks.MediaActions(): SendMediaMessage, AttachFile, DownloadMedia.
	Actions []string
	// QueueSize is how many events may wait for delivery. When the queue is
	// full a new event is dropped, counted in Stats.Dropped and logged,
	// rather than holding up the action. Zero means DefaultQueueSize.
	QueueSize int
	// Workers is how many events are delivered at once. Zero means
	// DefaultWorkers.
	Workers int
	// MaxAttempts bounds the attempts to deliver one event, the first
	// included. Zero means DefaultMaxAttempts.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before each retry: it doubles
	// from MinBackoff up to MaxBackoff, with jitter, and a Retry-After the
	// service sends is honoured up to MaxBackoff. Zero means
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Timeout limits each attempt. Zero means DefaultPostTimeout.
	Timeout time.Duration
	// Client sends the requests; the Notifier uses a copy that follows no
	// redirects. Each request carries the context of the action it reports,
	// so a traced Transport (package github.com/attachkit/attachments/otel)
	// sends the action's trace as a traceparent header. Nil means a new
	// http.Client.
	Client *http.Client
	// Logger receives failed deliveries and drops, without personal data.
	// Nil means slog.Default().
	Logger *slog.Logger
	// Jobs, when set, delivers the events as jobs on this queue (a
	// PostJob each) instead of on the Notifier's own: one attempt a run,
	// retried with the queue's backoff up to its own limit, and on a
	// durable queue (jobs/riverjobs) kept across restarts and taken over
	// by another instance. QueueSize, Workers, MaxAttempts and the backoffs
	// do not apply. Nil means the Notifier's in-memory queue.
	Jobs jobs.Queue
}

// Stats count what a Notifier did with the events it was given.
type Stats struct {
	Delivered uint64 // answered 2xx
	Retried   uint64 // attempts after the first, over all events
	Failed    uint64 // given up: a 3xx or 4xx answer, or every attempt failed
	Dropped   uint64 // never tried to the end: the queue was full, or Close gave up
	Queued    int    // waiting now
}

// Notifier delivers post-event webhooks: an after-listener puts each
// outcome of its actions on a bounded queue, and worker goroutines POST them
// as Envelopes with PhaseAfter, signed, retrying with backoff. The action's
// caller never waits for the service.
//
// A Notifier owns its goroutines; Close removes its listeners and stops
// them. It is safe for concurrent use.
type Notifier struct {
	ep   *endpoint
	o    NotifierOptions
	log  *slog.Logger
	jobs chan delivery

	mu     sync.RWMutex // guards closed against sends on jobs
	closed bool
	remove func()

	ctx    context.Context // ends when Close gives up on delivering
	cancel context.CancelFunc
	wg     sync.WaitGroup

	delivered, retried, failed, dropped atomic.Uint64
	lastDropLog                         atomic.Int64 // unix nanoseconds
	kind                                string       // the jobs' kind, with NotifierOptions.Jobs
}

// delivery is one queued event, with the context of the action it reports,
// detached from its cancellation: its requests keep the action's values
// (its trace span, which an instrumented Client.Transport sends as
// traceparent) but not its deadline.
type delivery struct {
	ctx context.Context
	env Envelope
}

// NewNotifier starts a Notifier that reports c's actions to rawURL, signed
// with secret. It returns an errs.InvalidConfig error for a rawURL that is not
// absolute http(s), a secret shorter than MinSecretLen or a negative option,
// and the errors of hooks.After for bad Actions.
func NewNotifier(c *attachments.Client, rawURL string, secret []byte, opts *NotifierOptions) (*Notifier, error) {
	const op = "webhook notifier"
	var o NotifierOptions
	if opts != nil {
		o = *opts
	}
	if o.QueueSize < 0 || o.Workers < 0 || o.MaxAttempts < 0 || o.MinBackoff < 0 || o.MaxBackoff < 0 || o.Timeout < 0 {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "negative webhook notifier option"}
	}
	ep, err := newEndpoint(op, rawURL, secret, o.Client)
	if err != nil {
		return nil, err
	}
	setDefault(&o.QueueSize, DefaultQueueSize)
	setDefault(&o.Workers, DefaultWorkers)
	setDefault(&o.MaxAttempts, DefaultMaxAttempts)
	setDefault(&o.MinBackoff, DefaultMinBackoff)
	setDefault(&o.MaxBackoff, DefaultMaxBackoff)
	setDefault(&o.Timeout, DefaultPostTimeout)
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.Actions == nil {
		o.Actions = hooks.MediaActions()
	}
	n := &Notifier{ep: ep, o: o, log: o.Logger, jobs: make(chan delivery, o.QueueSize)}
	if n.log == nil {
		n.log = slog.Default()
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	listener := n.enqueue
	if o.Jobs != nil {
		if err := n.useJobs(o.Jobs); err != nil {
			n.cancel()
			return nil, err
		}
		listener, o.Workers = n.enqueueJob, 0
	}
	n.remove, err = hooks.After(c, listener, o.Actions...)
	if err != nil {
		n.cancel()
		return nil, err
	}
	for range o.Workers {
		n.wg.Go(n.work)
	}
	return n, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// enqueue is the after-listener: it queues e or drops it, never waits.
func (n *Notifier) enqueue(ctx context.Context, e hooks.Event) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return
	}
	select {
	case n.jobs <- delivery{ctx: context.WithoutCancel(ctx), env: newEnvelope(PhaseAfter, e)}:
	default:
		n.drop(ctx, e.Action, "queue full")
	}
}

// drop counts a dropped event and logs it, at most once a second.
func (n *Notifier) drop(ctx context.Context, action, why string) {
	total := n.dropped.Add(1)
	now := time.Now().UnixNano()
	last := n.lastDropLog.Load()
	if now-last >= int64(time.Second) && n.lastDropLog.CompareAndSwap(last, now) {
		n.log.WarnContext(ctx, "webhook: notifier dropped an event", "action", action, "why", why, "droppedTotal", total)
	}
}

// work delivers queued events until the queue is closed and empty, or the
// Notifier gives up.
func (n *Notifier) work() {
	for d := range n.jobs {
		if n.ctx.Err() != nil {
			n.drop(d.ctx, d.env.Action, "closed before delivery")
			continue
		}
		n.deliver(d.ctx, d.env)
	}
}

// deliver tries to deliver env up to MaxAttempts times, each attempt in a
// context that has actx's values and ends when the Notifier gives up.
func (n *Notifier) deliver(actx context.Context, env Envelope) {
	body, err := json.Marshal(env)
	if err != nil {
		n.failed.Add(1)
		n.log.ErrorContext(n.ctx, "webhook: could not encode an event", "action", env.Action, "id", env.ID, "err", err)
		return
	}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(actx, n.o.Timeout)
		stop := context.AfterFunc(n.ctx, cancel)
		res, err := n.ep.post(ctx, body)
		stop()
		cancel()
		var cause error
		switch {
		case err == nil && res.ok():
			n.delivered.Add(1)
			return
		case err == nil && !retryable(res.status):
			n.failed.Add(1)
			n.log.WarnContext(n.ctx, "webhook: event refused, not retried", "action", env.Action, "id", env.ID, "status", res.status)
			return
		case err == nil:
			cause = fmt.Errorf("answered %d", res.status)
		default:
			cause = urlCause(err)
		}
		if n.ctx.Err() != nil {
			n.drop(n.ctx, env.Action, "closed during delivery")
			return
		}
		if attempt >= n.o.MaxAttempts {
			n.failed.Add(1)
			n.log.WarnContext(n.ctx, "webhook: event not delivered, giving up", "action", env.Action, "id", env.ID,
				"attempts", attempt, "err", cause)
			return
		}
		if !n.sleep(n.backoff(attempt, res.header)) {
			n.drop(n.ctx, env.Action, "closed during delivery")
			return
		}
		n.retried.Add(1)
	}
}

// retryable reports whether an answer with this status may succeed later.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// backoff is the wait after the given failed attempt: MinBackoff doubled
// per attempt, capped at MaxBackoff, half of it random; or the service's
// Retry-After in seconds, capped at MaxBackoff.
func (n *Notifier) backoff(attempt int, h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, n.o.MaxBackoff)
	}
	d := n.o.MaxBackoff
	if shift := attempt - 1; shift < 32 && n.o.MinBackoff<<shift < n.o.MaxBackoff && n.o.MinBackoff<<shift > 0 {
		d = n.o.MinBackoff << shift
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, and reports false if the Notifier gives up first.
func (n *Notifier) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

// Stats returns what the Notifier has done so far.
func (n *Notifier) Stats() Stats {
	return Stats{
		Delivered: n.delivered.Load(),
		Retried:   n.retried.Load(),
		Failed:    n.failed.Load(),
		Dropped:   n.dropped.Load(),
		Queued:    len(n.jobs),
	}
}

// Close removes the Notifier's listeners, so no new event is queued, and
// delivers the events already queued, retries included, until they are done
// or ctx ends. When ctx ends first, it abandons the deliveries in flight and
// the events left (counting them in Stats.Dropped), waits for its
// goroutines to return, and returns an errs.Canceled error. Once Close has
// returned, no goroutine of the Notifier runs. Close is idempotent; a later
// call waits the same way.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		n.remove()
		close(n.jobs)
	}
	n.mu.Unlock()

	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		n.cancel()
		return nil
	case <-ctx.Done():
		n.cancel()
		<-done
		return &errs.Error{Code: errs.Canceled, Op: "webhook notifier close",
			Message: "webhook events were left undelivered", Err: ctx.Err()}
	}
}
