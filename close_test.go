package attachments_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/leaktest"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
)

// stuckLedger is a ledger whose List stops answering once the janitor asks:
// it signals entered, then waits for its context (honourCtx) or for release.
type stuckLedger struct {
	ledger.Ledger
	honourCtx bool
	entered   chan struct{}
	release   chan struct{}
	once      sync.Once
}

func newStuckLedger(honourCtx bool) *stuckLedger {
	return &stuckLedger{Ledger: ledgermemory.New(), honourCtx: honourCtx,
		entered: make(chan struct{}), release: make(chan struct{})}
}

func (l *stuckLedger) List(ctx context.Context, q ledger.Query) ([]ledger.Record, error) {
	l.once.Do(func() { close(l.entered) })
	if l.honourCtx {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.release:
		}
	} else {
		<-l.release
	}
	return l.Ledger.List(ctx, q)
}

func TestCloseCancelsASweepStuckOnTheLedger(t *testing.T) {
	leaktest.Check(t)
	l := newStuckLedger(true)
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(),
		&attachments.Options{Ledger: l, SweepInterval: time.Millisecond})
	<-l.entered // the janitor's sweep is waiting on the ledger

	// No deadline: Close must not need one to stop a sweep it owns.
	require.NoError(t, h.Client.Close(context.Background()),
		"Close must cancel the janitor's sweep rather than wait for the ledger forever")
	require.NoError(t, h.Client.Close(context.Background()), "a second Close is harmless")
}

func TestCloseReturnsWhenItsContextEnds(t *testing.T) {
	leaktest.Check(t)
	l := newStuckLedger(false) // a ledger that ignores cancellation
	defer close(l.release)     // before the leak check: the sweep then ends
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(),
		&attachments.Options{Ledger: l, SweepInterval: time.Millisecond})
	<-l.entered

	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- h.Client.Close(ctx) }()
	cancel()
	err := <-closed
	require.Error(t, err, "Close returns when its context ends, even if the work it waits for does not")
	assert.True(t, errors.Is(err, errs.Canceled), "a Close cut short is errs.Canceled, got %v", err)
	assert.True(t, errors.Is(err, context.Canceled), "the context's own error is kept")
}
