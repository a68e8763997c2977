package preview_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/leaktest"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// stuckRenderer renders nothing: it waits for its context, as a renderer
// busy with a huge picture would, after saying it started.
type stuckRenderer struct {
	once    sync.Once
	started chan struct{}
}

func (r *stuckRenderer) Render(ctx context.Context, _ io.Reader, _ []preview.Target) ([]preview.Rendition, error) {
	r.once.Do(func() { close(r.started) })
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCloseGivesUpOnTheQueueWhenItsContextEnds(t *testing.T) {
	leaktest.Check(t)
	ch := newChat(t)
	r := &stuckRenderer{started: make(chan struct{})}
	p, err := preview.Attach(ch.c, r, nil) // the default one-minute timeout a file
	require.NoError(t, err)
	for range 3 {
		ch.send(t, "photo.jpg", previewtest.OrientedJPEG(1))
	}
	<-r.started

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = p.Close(ctx)
	require.Error(t, err, "Close must return when its context ends, not after 3 files × 1 minute")
	assert.True(t, errors.Is(err, errs.Canceled), "got %v", err)
	assert.True(t, errors.Is(err, context.Canceled), "the context's error is kept")
	// The leak check then holds Close to its word: the workers stop.
}

func TestCloseWaitsForTheQueueWithinItsContext(t *testing.T) {
	leaktest.Check(t)
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	sent := ch.send(t, "photo.jpg", previewtest.OrientedJPEG(1))
	require.NoError(t, p.Close(context.Background()))
	require.NoError(t, p.Close(context.Background()), "a second Close is harmless")

	m, err := ch.c.ResolveMedia(context.Background(),
		attachments.DownloadMediaPayload{Channel: "CH1", Requester: alex, MessageSID: sent.Message.SID})
	require.NoError(t, err)
	assert.Len(t, m.Renditions, 2, "a Close with time to spare renders what was queued")
}
