package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/jobs"
)

// PostJob prefixes the kind of the jobs a Notifier with
// NotifierOptions.Jobs queues: one post-event to deliver. The kind ends
// with a digest of the service's URL, so that Notifiers to several services
// share a queue; every instance that works jobs makes the same Notifiers.
const PostJob = "webhook.post."

// jobKind is the kind of n's jobs.
func jobKind(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return PostJob + hex.EncodeToString(sum[:8])
}

// useJobs makes q deliver n's events: one attempt a run, retried by the
// queue with its backoff. The Envelope, its ID included, is made once when
// the action returns and travels in the job, so every attempt carries the
// same ID.
func (n *Notifier) useJobs(q jobs.Queue) error {
	n.kind = jobKind(n.ep.url)
	return q.Handle(n.kind, n.runJob)
}

// enqueueJob is the after-listener with a job queue.
func (n *Notifier) enqueueJob(ctx context.Context, e hooks.Event) {
	body, err := json.Marshal(newEnvelope(PhaseAfter, e))
	if err == nil {
		err = n.o.Jobs.Enqueue(context.WithoutCancel(ctx), jobs.Job{Kind: n.kind, Args: body})
	}
	if err != nil {
		n.drop(ctx, e.Action, "not queued: "+string(errs.CodeOf(err)))
	}
}

// runJob makes one attempt to deliver the Envelope body holds.
func (n *Notifier) runJob(ctx context.Context, body json.RawMessage) error {
	ctx, cancel := context.WithTimeout(ctx, n.o.Timeout)
	defer cancel()
	res, err := n.ep.post(ctx, body)
	switch {
	case err != nil:
		n.retried.Add(1)
		return &errs.Error{Code: errs.Unavailable, Op: "webhook post", Message: "the webhook service could not be reached", Err: urlCause(err)}
	case res.ok():
		n.delivered.Add(1)
		return nil
	case !retryable(res.status):
		n.failed.Add(1)
		n.log.Warn("webhook: event refused, not retried", "status", res.status)
		return jobs.Discard(&errs.Error{Code: errs.Unavailable, Op: "webhook post", Message: fmt.Sprintf("the webhook service answered %d", res.status)})
	}
	n.retried.Add(1)
	return &errs.Error{Code: errs.Unavailable, Op: "webhook post", Message: fmt.Sprintf("the webhook service answered %d", res.status)}
}
