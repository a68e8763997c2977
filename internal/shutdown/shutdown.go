// Package shutdown is how the library's types that run goroutines (a
// Client's janitor, httpapi's sweeper, preview's workers) wait for them when
// they close: until the goroutines end or the caller's context does,
// whichever comes first. One rule for every Close(ctx).
package shutdown

import (
	"context"
	"sync"

	"github.com/attachkit/attachments/errs"
)

// Wait waits for wg, or for ctx to end first: then it returns an
// errs.Canceled error for op that wraps ctx's error, saying what was left
// (message); the goroutines go on ending on their own, which the caller has
// already asked them to do.
func Wait(ctx context.Context, wg *sync.WaitGroup, op, message string) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return &errs.Error{Code: errs.Canceled, Op: op, Message: message, Err: ctx.Err()}
	}
}
