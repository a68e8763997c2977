package httpapi_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/internal/leaktest"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// stuckListing is storage whose listing waits for its context: a sweep of
// expired uploads on a bucket that stopped answering.
type stuckListing struct {
	storage.Driver
	once    sync.Once
	entered chan struct{}
}

func (d *stuckListing) List(ctx context.Context, prefix, token string, pageSize int) (storage.Page, error) {
	d.once.Do(func() { close(d.entered) })
	<-ctx.Done()
	return storage.Page{}, ctx.Err()
}

// TestCloseStopsTheSweeper: Close ends the background sweep, even one
// waiting on storage, and leaves no goroutine behind.
func TestCloseStopsTheSweeper(t *testing.T) {
	leaktest.Check(t)
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{},
		&attachments.Options{Logger: slog.New(slog.DiscardHandler), SweepInterval: -1})
	require.NoError(t, err)
	defer c.Close(context.Background())
	d := &stuckListing{Driver: memory.New().Driver(), entered: make(chan struct{})}
	h, err := httpapi.New(c, memberOf, &httpapi.Options{UploadStorage: storage.NewBucket(d), SweepInterval: time.Millisecond})
	require.NoError(t, err)
	<-d.entered
	require.NoError(t, h.Close(context.Background()), "Close must stop the sweep it started")
	require.NoError(t, h.Close(context.Background()), "a second Close is harmless")
}
