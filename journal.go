package attachments

import (
	"context"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Journal returns journal entries, newest first: each action's outcome,
// who asked, what it touched, and the words a refused member was shown.
// Entries older than Config.LogRetention are purged by the janitor.
func (c *Client) Journal(ctx context.Context, q ledger.EntryQuery) ([]ledger.Entry, error) {
	return c.ledger.Entries(ctx, q)
}

// journalAfter returns an after-listener that records each outcome of a.
func journalAfter[P, R any](c *Client, a Action[P, R], describe func(P, R) ledger.Entry) AfterListener[P, R] {
	return func(ctx context.Context, p P, r R, err error) {
		e := describe(p, r)
		if e.Actor == "" {
			return // a thumbnail shown, or a request that names nobody
		}
		e.Time = c.now().UTC()
		e.Action = string(a)
		e.Code = "ok"
		if err != nil {
			e.Code = string(errs.CodeOf(err))
			if ee := errs.As(err); ee != nil {
				e.Message = ee.Text()
			}
		}
		if jerr := c.ledger.Record(context.WithoutCancel(ctx), e); jerr != nil {
			c.log.Error("attachments: journal record failed", "action", string(a), "err", jerr)
		}
	}
}
