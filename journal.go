package attachments

import (
	"context"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

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
		if jerr := c.ledger.Append(context.WithoutCancel(ctx), e); jerr != nil {
			c.log.ErrorContext(ctx, "attachments: journal record failed", "action", string(a), "err", jerr)
		}
	}
}
