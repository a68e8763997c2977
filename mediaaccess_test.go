package attachments_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

func TestResolveAndOpenMedia(t *testing.T) {
	ctx := context.Background()
	c, _ := newExample()
	defer c.Close(context.Background())
	png := examplePNG()
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(png)},
	})
	require.NoError(t, err)
	att, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "draft.png", Body: bytes.NewReader(png)},
	})
	require.NoError(t, err)
	sid := sent.Media[0].SID
	draftSID := att.Media.SID

	tests := []struct {
		name    string
		p       attachments.DownloadMediaPayload
		wantSID string
		want    errs.Code
	}{
		{"by message", attachments.DownloadMediaPayload{Channel: "CH1", MessageSID: sent.Message.SID}, sid, ""},
		{"by media", attachments.DownloadMediaPayload{Channel: "CH1", MediaSID: sid}, sid, ""},
		{"own draft", attachments.DownloadMediaPayload{Channel: "CH1", Requester: alice, MediaSID: draftSID}, draftSID, ""},
		{"someone else's draft", attachments.DownloadMediaPayload{Channel: "CH1", Requester: bob, MediaSID: draftSID}, "", errs.NotFound},
		{"other channel", attachments.DownloadMediaPayload{Channel: "CH2", MediaSID: sid}, "", errs.NotFound},
		{"names nothing", attachments.DownloadMediaPayload{Channel: "CH1"}, "", errs.InvalidPayload},
		{"no channel", attachments.DownloadMediaPayload{MediaSID: sid}, "", errs.InvalidPayload},
		{"malformed sid", attachments.DownloadMediaPayload{Channel: "CH1", MediaSID: "../x"}, "", errs.InvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := c.ResolveMedia(ctx, tt.p)
			require.Equal(t, tt.want, errs.CodeOf(err), "a listener would describe the wrong download: %v", err)
			assert.Equal(t, tt.wantSID, md.SID)
			if tt.want == "" {
				assert.Equal(t, "image/png", md.ContentType)
				assert.Equal(t, int64(len(png)), md.Size)
			}
		})
	}

	rc, err := c.OpenMedia(ctx, sid)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Equal(t, png, got, "a scanner would read other bytes than those sent")
	_, err = c.OpenMedia(ctx, "ME../../etc/passwd")
	assert.ErrorIs(t, err, errs.InvalidPayload, "a path in a SID reaches storage")
	_, err = c.OpenMedia(ctx, attachments.NewMediaSID())
	assert.ErrorIs(t, err, errs.NotFound)
}
