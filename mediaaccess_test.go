package attachments_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

func TestResolveAndOpenMedia(t *testing.T) {
	ctx := context.Background()
	c, _ := newExample()
	defer c.Close()
	png := examplePNG()
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(png)},
	})
	if err != nil {
		t.Fatal(err)
	}
	att, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "draft.png", Body: bytes.NewReader(png)},
	})
	if err != nil {
		t.Fatal(err)
	}
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
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("ResolveMedia code = %q (%v), want %q", got, err, tt.want)
			}
			if md.SID != tt.wantSID {
				t.Errorf("ResolveMedia SID = %q, want %q", md.SID, tt.wantSID)
			}
			if tt.want == "" && (md.ContentType != "image/png" || md.Size != int64(len(png))) {
				t.Errorf("ResolveMedia = %+v, want image/png of %d bytes", md, len(png))
			}
		})
	}

	rc, err := c.OpenMedia(ctx, sid)
	if err != nil {
		t.Fatalf("OpenMedia: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, png) {
		t.Errorf("OpenMedia read %d bytes (err %v), want the %d bytes sent", len(got), err, len(png))
	}
	if _, err := c.OpenMedia(ctx, "ME../../etc/passwd"); errs.CodeOf(err) != errs.InvalidPayload {
		t.Errorf("OpenMedia(malformed) = %v, want %q", err, errs.InvalidPayload)
	}
	if _, err := c.OpenMedia(ctx, attachments.NewMediaSID()); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("OpenMedia(unknown) = %v, want %q", err, errs.NotFound)
	}
}
