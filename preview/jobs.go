package preview

import (
	"context"
	"encoding/json"
	"io"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/ledger"
)

// RenderJob is the kind of the jobs Attach queues on AttachOptions.Jobs:
// make one file's renditions. Every instance that works jobs on a shared
// queue must Attach, so that it knows the kind.
const RenderJob = "preview.render"

// renderArgs are a RenderJob's arguments.
type renderArgs struct {
	SID string `json:"sid"`
}

// useJobs makes q make the renditions: a file recorded as sent or attached
// gets a RenderJob, enqueued with the change that records it.
func (p *Previews) useJobs(q jobs.Queue) error {
	if err := q.Handle(RenderJob, p.runJob); err != nil {
		return err
	}
	q.OnChange(jobs.Trigger{To: []ledger.State{ledger.Sent, ledger.Drafted}, Jobs: renderJobs})
	return nil
}

// renderJobs names the RenderJob of a file that a change sends or
// attaches, if it is an image without renditions yet.
func renderJobs(_ ledger.Change, r ledger.Record) []jobs.Job {
	if !images[r.ContentType] || len(r.Renditions) > 0 {
		return nil
	}
	args, _ := json.Marshal(renderArgs{SID: r.SID}) // a struct of a string always encodes
	return []jobs.Job{{Kind: RenderJob, Args: args}}
}

// runJob works a RenderJob. Running it twice stores and records each
// rendition once: PutRendition replaces a rendition of the same name, at the
// same key. A file that cannot be rendered (or is gone) is discarded at
// once; a storage or ledger that fails is retried.
func (p *Previews) runJob(ctx context.Context, raw json.RawMessage) error {
	var a renderArgs
	if err := json.Unmarshal(raw, &a); err != nil || a.SID == "" {
		return jobs.Discard(&errs.Error{Code: errs.InvalidArgument, Op: "preview render job", Message: "malformed job arguments", Err: err})
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	err := p.renderErr(ctx, a.SID, func(ctx context.Context) (io.ReadCloser, error) { return p.c.OpenMedia(ctx, a.SID) })
	switch errs.CodeOf(err) {
	case "", errs.Unavailable, errs.Canceled, errs.Internal:
		return err
	}
	p.o.Logger.Info("preview: no rendition", "media", a.SID, "code", string(errs.CodeOf(err)), "err", err)
	return jobs.Discard(err)
}
