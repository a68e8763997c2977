package shutdown_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/leaktest"
	"github.com/attachkit/attachments/internal/shutdown"
)

func TestWaitReturnsWhenTheWorkEnds(t *testing.T) {
	leaktest.Check(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { <-stop })
	close(stop)
	require.NoError(t, shutdown.Wait(context.Background(), &wg, "close", "left"))
}

func TestWaitReturnsWhenItsContextEnds(t *testing.T) {
	leaktest.Check(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { <-stop })
	defer close(stop) // the work ends after Wait gave up, before the leak check
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := shutdown.Wait(ctx, &wg, "close", "stopped waiting")
	require.Error(t, err, "Wait must not outlast its context")
	assert.True(t, errors.Is(err, errs.Canceled))
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Contains(t, err.Error(), "stopped waiting")
}
