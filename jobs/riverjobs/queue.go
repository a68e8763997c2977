package riverjobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// Options configure New. A nil *Options means every default.
type Options struct {
	// Workers is how many jobs this instance runs at once. Default 10.
	Workers int
	// MaxAttempts bounds the runs of one job, the first included, before
	// it is discarded. Default 25 (River's: about three weeks of retries).
	MaxAttempts int
	// Retry decides when a failed job runs again. Default River's
	// exponential backoff.
	Retry river.ClientRetryPolicy
	// PollInterval is how often idle workers look for new jobs. Default
	// 1 second.
	PollInterval time.Duration
	// Timeout bounds one run of a job. Default 1 minute.
	Timeout time.Duration
	// RescueAfter is how long a job may run before it is considered
	// abandoned (its instance died) and run again elsewhere. It must be
	// longer than Timeout. Default 1 hour.
	RescueAfter time.Duration
	// ID names this instance in River's tables. Default a name River makes
	// from the host name and the time.
	ID string
	// Logger receives River's log. Default slog.Default().
	Logger *slog.Logger
}

// kind is the River kind of every job of a Queue: River's kinds are Go
// types, ours are names components register at run time, so one River kind
// carries the jobs.Job and the Queue dispatches it to its handler.
const kind = "attachments"

// args is the River job: a jobs.Job.
type args struct {
	Name string          `json:"kind"`
	Args json.RawMessage `json:"args,omitempty"`
}

func (args) Kind() string { return kind }

// Queue is a jobs.Queue on River. It is safe for concurrent use. Start
// makes this instance work jobs; Stop stops it.
type Queue struct {
	client *river.Client[*sql.Tx]
	db     *sql.DB
	table  string // river_job, schema-qualified when needed

	mu       sync.RWMutex
	handlers map[string]jobs.Handler
	triggers []jobs.Trigger
}

var (
	_ jobs.Queue     = (*Queue)(nil)
	_ jobs.Discarded = (*Queue)(nil)
)

// New migrates River's tables in l's database to the version this code
// knows and returns a Queue on them, hooked into l so that every Apply
// inserts the jobs its changes cause (see jobs.Trigger) in its transaction.
// The Queue inserts from then on; call Start to work jobs too.
func New(ctx context.Context, l *sqlledger.Ledger, opts *Options) (*Queue, error) {
	const op = "riverjobs new"
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch l.Dialect() {
	case sqlledger.SQLite:
		driver = riversqlite.New(l.DB())
	case sqlledger.Postgres:
		driver = riverdatabasesql.New(l.DB())
	default:
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "unknown SQL dialect"}
	}
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: o.Logger})
	if err != nil {
		return nil, &errs.Error{Code: errs.Internal, Op: op, Err: err}
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fail(ctx, op+" migrate", err)
	}
	q := &Queue{db: l.DB(), table: "river_job", handlers: map[string]jobs.Handler{}}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{q: q}); err != nil {
		return nil, &errs.Error{Code: errs.Internal, Op: op, Err: err}
	}
	q.client, err = river.NewClient(driver, &river.Config{
		ID:                   o.ID,
		Logger:               o.Logger,
		MaxAttempts:          o.MaxAttempts,
		RetryPolicy:          o.Retry,
		FetchPollInterval:    o.PollInterval,
		FetchCooldown:        min(o.PollInterval, river.FetchCooldownDefault),
		JobTimeout:           o.Timeout,
		RescueStuckJobsAfter: o.RescueAfter,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:              workers,
	})
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "invalid River configuration", Err: err}
	}
	l.SetBeforeCommit(q.wants, q.beforeCommit)
	return q, nil
}

// Handle implements jobs.Queue. Every instance that works jobs registers
// the same kinds: a job of a kind this instance does not know is retried
// (another instance may know it), and discarded after MaxAttempts.
func (q *Queue) Handle(kind string, h jobs.Handler) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.handlers[kind]; ok || kind == "" || h == nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: "riverjobs handle " + kind, Message: "a job kind needs one handler"}
	}
	q.handlers[kind] = h
	return nil
}

// OnChange implements jobs.Queue: t's jobs are inserted in the
// transaction of the change that causes them.
func (q *Queue) OnChange(t jobs.Trigger) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.triggers = append(q.triggers, t)
}

// Enqueue implements jobs.Queue.
func (q *Queue) Enqueue(ctx context.Context, js ...jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	_, err := q.client.InsertMany(ctx, params(js))
	return fail(ctx, "riverjobs enqueue", err)
}

// EnqueueTx inserts jobs in tx: they commit or roll back with it.
func (q *Queue) EnqueueTx(ctx context.Context, tx *sql.Tx, js ...jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	_, err := q.client.InsertManyTx(ctx, tx, params(js))
	return fail(ctx, "riverjobs enqueue", err)
}

func params(js []jobs.Job) []river.InsertManyParams {
	p := make([]river.InsertManyParams, len(js))
	for i, j := range js {
		p[i] = river.InsertManyParams{Args: args{Name: j.Kind, Args: j.Args}}
	}
	return p
}

// wants reports whether c may cause a job.
func (q *Queue) wants(c ledger.Change) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return jobs.Wants(q.triggers, c)
}

// beforeCommit is the ledger's sqlledger.BeforeCommit hook.
func (q *Queue) beforeCommit(ctx context.Context, tx *sql.Tx, changes []ledger.Change, records []ledger.Record) error {
	q.mu.RLock()
	js := jobs.Run(q.triggers, changes, records)
	q.mu.RUnlock()
	return q.EnqueueTx(ctx, tx, js...)
}

// Start makes this instance work jobs, and take part in River's leader
// election (the leader enqueues periodic jobs and rescues abandoned ones),
// until Stop. Register every handler first.
func (q *Queue) Start(ctx context.Context) error {
	return fail(ctx, "riverjobs start", q.client.Start(ctx))
}

// Stop stops fetching jobs and waits for the jobs running to finish, until
// ctx ends; then it cancels their contexts and returns errs.Canceled at
// once. A handler must honour its context: the job it was running is
// retried later, here or on another instance. A Queue that was never
// started stops at once.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return fail(ctx, "riverjobs stop", err)
	}
	_ = q.client.StopAndCancel(ctx) // ctx has ended: it cancels and returns
	return &errs.Error{Code: errs.Canceled, Op: "riverjobs stop", Message: "running jobs were cancelled", Err: ctx.Err()}
}

// Discarded implements jobs.Discarded: the jobs in River's table that were
// discarded (out of attempts) or cancelled (jobs.Discard), until River's
// cleaner removes them (after 7 days).
func (q *Queue) Discarded(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q.table+" WHERE state IN ('discarded', 'cancelled')").Scan(&n)
	return n, fail(ctx, "riverjobs discarded", err)
}

// Janitor makes c's sweep a periodic job, run every interval (and at once
// when an instance becomes leader) by one instance only. Give c an
// Options.SweepInterval that is negative, so it runs no janitor of its
// own. Call it before Start, on every instance.
func (q *Queue) Janitor(c *attachments.Client, interval time.Duration) error {
	const sweep = "attachments.sweep"
	err := q.Handle(sweep, func(ctx context.Context, _ json.RawMessage) error {
		_, err := c.Sweep(ctx)
		return err
	})
	if err != nil {
		return err
	}
	q.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args{Name: sweep}, &river.InsertOpts{MaxAttempts: 1}
		}, &river.PeriodicJobOpts{RunOnStart: true}))
	return nil
}

// worker runs a Queue's jobs: it finds the handler of each job's kind.
type worker struct {
	river.WorkerDefaults[args]
	q *Queue
}

func (w *worker) Work(ctx context.Context, j *river.Job[args]) error {
	w.q.mu.RLock()
	h := w.q.handlers[j.Args.Name]
	w.q.mu.RUnlock()
	if h == nil {
		return &errs.Error{Code: errs.Unsupported, Op: "riverjobs work " + j.Args.Name, Message: "no handler for this kind of job"}
	}
	err := h(ctx, j.Args.Args)
	if jobs.IsDiscard(err) {
		return river.JobCancel(err)
	}
	return err
}

// fail maps a River or database error to an *errs.Error.
func fail(ctx context.Context, op string, err error) error {
	if err == nil || errs.As(err) != nil {
		return err
	}
	if ctx.Err() != nil {
		return &errs.Error{Code: errs.Canceled, Op: op, Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
}
