// Package jobs is the interface the work an action causes after it returns
// is queued through — renditions, post-event webhooks, the janitor — and an
// in-process implementation of it, Local.
//
// A job runs at least once: again after its handler fails (with backoff),
// and, on a durable queue, when the process that ran it died. Handlers are
// therefore idempotent: a rendition made twice is stored once, a webhook
// delivered twice carries one event ID.
//
// The work a ledger change causes is named by a Trigger and enqueued
// atomically with the change: a durable queue (package jobs/riverjobs, a
// nested module on River) inserts it in the change's own SQL transaction,
// so a change that rolls back enqueues nothing and a change that commits
// cannot lose its job; Local enqueues it once the change has succeeded.
//
// # Errors
//
// Enqueue returns errs.Unavailable when a job cannot be queued (a full
// Local, an unreachable database), errs.Closed on a closed Local, and
// errs.InvalidArgument for a job of a kind Local has no handler for.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/attachkit/attachments/ledger"
)

// Job is one unit of work.
type Job struct {
	// Kind names the Handler that works it, such as "preview.render".
	Kind string
	// Args are its arguments as JSON; the Handler decodes them.
	Args json.RawMessage
}

// Handler works one job. It must be idempotent: a job may run more than
// once. An error makes the queue retry the job later, with backoff, until
// it gives up; an error wrapped by Discard gives up at once.
type Handler func(ctx context.Context, args json.RawMessage) error

// Trigger names the jobs a successful ledger change causes.
type Trigger struct {
	// To are the states a change must move its record to for Jobs to see
	// it: a ledger puts only the changes that may cause jobs in a
	// transaction with them.
	To []ledger.State
	// Jobs names the jobs of change c, given the record as c leaves it;
	// nil for none. It runs inside the change's transaction: it must be
	// quick and do no I/O.
	Jobs func(c ledger.Change, r ledger.Record) []Job
}

// Wants reports whether c may cause one of ts's jobs.
func Wants(ts []Trigger, c ledger.Change) bool {
	for _, t := range ts {
		if slices.Contains(t.To, c.To) {
			return true
		}
	}
	return false
}

// Queue is the interface that components (package preview, hooks/webhook)
// queue their work through. Implementations are safe for concurrent use.
type Queue interface {
	// Handle registers h as the handler of kind. A kind has one handler:
	// registering a second is errs.InvalidArgument.
	Handle(kind string, h Handler) error
	// OnChange registers t: every job it names for a successful ledger
	// change is enqueued with the change, all or none.
	OnChange(t Trigger)
	// Enqueue adds jobs that no ledger change causes, all or none.
	Enqueue(ctx context.Context, jobs ...Job) error
}

// Discarded is implemented by a queue that keeps the jobs it gave up on, so
// that an operator (and Client.Check) can see them.
type Discarded interface {
	// Discarded reports how many jobs failed for good.
	Discarded(ctx context.Context) (int, error)
}

// discard marks an error a job never recovers from.
type discard struct{ err error }

func (d discard) Error() string { return d.err.Error() }
func (d discard) Unwrap() error { return d.err }

// Discard wraps err so that the queue gives its job up at once instead of
// retrying it: the job's input is wrong, or its target is gone for good.
func Discard(err error) error {
	if err == nil {
		return nil
	}
	return discard{err}
}

// IsDiscard reports whether err came from Discard.
func IsDiscard(err error) bool {
	var d discard
	return errors.As(err, &d)
}

// Run is the triggers' common part: the jobs ts name for the changes and
// the records as they leave them.
func Run(ts []Trigger, changes []ledger.Change, records []ledger.Record) []Job {
	var out []Job
	for i, c := range changes {
		if i >= len(records) {
			break
		}
		for _, t := range ts {
			if slices.Contains(t.To, c.To) {
				out = append(out, t.Jobs(c, records[i])...)
			}
		}
	}
	return out
}
