package preview_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// TestRenditionsAsJobsAreMadeOnceHoweverOftenTheyRun runs the renditions
// through the job interface in process (jobs.Local on the memory ledger),
// and runs the job of one file twice, as a queue that delivers at least
// once may.
func TestRenditionsAsJobsAreMadeOnceHoweverOftenTheyRun(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	q := jobs.NewLocal(&jobs.LocalOptions{MinBackoff: time.Millisecond, Logger: quiet})
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(),
		&attachments.Options{Ledger: q.Ledger(memory.New()), SweepInterval: -1})
	_, err := preview.Attach(h.Client, preview.NewGoRenderer(nil), &preview.AttachOptions{Jobs: q, Logger: quiet})
	require.NoError(t, err)

	sent, err := h.Send(t.Context(), h.Customer, "photo.jpg", previewtest.OrientedJPEG(1))
	require.NoError(t, err)
	require.Len(t, sent.Media, 1)
	sid := sent.Media[0].SID
	again, _ := json.Marshal(map[string]string{"sid": sid})
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: preview.RenderJob, Args: again}))
	_, err = h.Send(t.Context(), h.Customer, "notes.txt", []byte("not a picture"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, q.Close(ctx), "the queue must drain the renditions")

	media, err := h.Client.ResolveMedia(t.Context(), attachments.DownloadMediaPayload{Channel: attachmentstest.Channel,
		Requester: h.Agent, MessageSID: sent.Message.SID})
	require.NoError(t, err)
	var names []string
	for _, r := range media.Renditions {
		names = append(names, r.Name)
	}
	assert.ElementsMatch(t, []string{preview.ThumbnailName, preview.PreviewName}, names,
		"a rendition made twice must be recorded once")
	var keys []string
	for info, err := range h.Client.Storage().List(t.Context(), "renditions/") {
		require.NoError(t, err)
		keys = append(keys, info.Key)
	}
	assert.ElementsMatch(t, []string{"renditions/" + sid + "/thumbnail", "renditions/" + sid + "/preview"}, keys,
		"a rendition made twice must be stored once, and a text file gets none")
	n, err := q.Discarded(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "no rendition job may fail")
}

func TestARenditionJobForAFileThatIsGoneIsDiscardedNotRetried(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	// A retry would wait an hour, and Close would give up on it.
	q := jobs.NewLocal(&jobs.LocalOptions{MinBackoff: time.Hour, Logger: quiet})
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(),
		&attachments.Options{Ledger: q.Ledger(memory.New()), SweepInterval: -1})
	_, err := preview.Attach(h.Client, preview.NewGoRenderer(nil), &preview.AttachOptions{Jobs: q, Logger: quiet})
	require.NoError(t, err)
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: preview.RenderJob, Args: json.RawMessage(`{"sid":"ME00000000000000000000000000000000"}`)}))
	require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: preview.RenderJob, Args: json.RawMessage(`"forged"`)}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, q.Close(ctx), "a job that cannot succeed was retried")
	n, err := q.Discarded(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, n, "a job for a missing file or with malformed arguments must be given up at once")
}
