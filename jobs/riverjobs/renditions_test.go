package riverjobs_test

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// TestASentPictureGetsItsRenditionsOnceFromAJob sends a picture through a
// Client on a SQL ledger: its rendition job is inserted with the send and
// worked by River; a second run of the same job changes nothing.
func TestASentPictureGetsItsRenditionsOnceFromAJob(t *testing.T) {
	each(t, func(t *testing.T, open database) {
		l := open(t)
		q := newQueue(t, l, fast())
		h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Ledger: l, SweepInterval: -1})
		_, err := preview.Attach(h.Client, preview.NewGoRenderer(nil),
			&preview.AttachOptions{Jobs: q, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		events, stop := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		defer stop()
		require.NoError(t, q.Start(t.Context()))

		sent, err := h.Send(t.Context(), h.Customer, "photo.jpg", previewtest.OrientedJPEG(1))
		require.NoError(t, err)
		sid := sent.Media[0].SID
		wait(t, events, rivertype.JobStateCompleted)
		again, _ := json.Marshal(map[string]string{"sid": sid})
		require.NoError(t, q.Enqueue(t.Context(), jobs.Job{Kind: preview.RenderJob, Args: again}))
		wait(t, events, rivertype.JobStateCompleted)

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
			"a rendition made twice must be stored once")
		assert.Equal(t, 2, jobCount(t, l), "the send must have enqueued one job")
	})
}
