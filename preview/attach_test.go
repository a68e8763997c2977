package preview_test

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

type chat struct {
	c       *attachments.Client
	links   *httptest.Server
	logs    *bytes.Buffer
	members *attachmentstest.Members
}

var (
	casey = attachments.Member{Identity: "casey"}
	alex  = attachments.Member{Identity: "alex"}
)

func newChat(t *testing.T) *chat {
	t.Helper()
	ctx := context.Background()
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(ctx, "CH1", casey.Identity, attachments.RoleCustomer))
	require.NoError(t, members.SetRole(ctx, "CH1", alex.Identity, attachments.RoleAgent))
	logs := &bytes.Buffer{}
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	srv := httptest.NewServer(c.Links())
	t.Cleanup(srv.Close)
	return &chat{c: c, links: srv, logs: logs, members: members}
}

func (ch *chat) send(t *testing.T, name string, body []byte) attachments.SendMediaMessageResult {
	t.Helper()
	res, err := attachments.Invoke(context.Background(), ch.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: casey, File: &attachments.File{Name: name, Body: bytes.NewReader(body)}})
	require.NoError(t, err, "a picture must be sent whatever becomes of its preview")
	return res
}

// rendition downloads a rendition of a message's file as the agent sees it.
func (ch *chat) rendition(t *testing.T, msg, name string) ([]byte, attachments.Media, error) {
	t.Helper()
	dl, err := attachments.Invoke(context.Background(), ch.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: "CH1", Requester: alex, MessageSID: msg, Rendition: name})
	if err != nil {
		return nil, attachments.Media{}, err
	}
	resp, err := http.Get(ch.links.URL + dl.Link.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b, dl.Media, nil
}

func TestAttachMakesUprightPrivateRenditions(t *testing.T) {
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	// A phone photo stored sideways (EXIF orientation 6), with a GPS
	// position, XMP, IPTC and a comment.
	sent := ch.send(t, "photo.jpg", previewtest.OrientedJPEG(6))
	require.NoError(t, p.Close(context.Background())) // renders what was queued

	for _, name := range []string{preview.ThumbnailName, preview.PreviewName} {
		b, media, err := ch.rendition(t, sent.Message.SID, name)
		require.NoError(t, err, "the %s must exist once the queue is drained", name)
		segs := previewtest.JPEGSegments(t, b)
		for _, m := range []byte{0xE1, 0xED, 0xFE} {
			assert.NotContains(t, segs, m, "the %s keeps segment %#x: the sender's EXIF, GPS, IPTC or comment", name, m)
		}
		for _, s := range []string{"GPS", "xmp", "Photoshop", "COMMENT"} {
			assert.False(t, strings.Contains(string(b), s), "the %s keeps %s", name, s)
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		require.NoError(t, err)
		r, g, bl, _ := img.At(img.Bounds().Dx()/8, img.Bounds().Dy()/8).RGBA()
		assert.True(t, r > 0xc000 && g < 0x4000 && bl < 0x4000, "the %s is not upright: its top left is not red", name)
		require.Len(t, media.Renditions, 2)
		assert.NotEmpty(t, media.Renditions[0].BlurHash, "a client needs a placeholder to lay the picture out")
	}
	thumb, _, _ := ch.rendition(t, sent.Message.SID, preview.ThumbnailName)
	img, _, err := image.Decode(bytes.NewReader(thumb))
	require.NoError(t, err)
	assert.LessOrEqual(t, max(img.Bounds().Dx(), img.Bounds().Dy()), preview.Thumbnail)
}

func TestAHEICPhotoGetsAPreviewEveryBrowserShows(t *testing.T) {
	heic, err := os.ReadFile(filepath.Join("previewtest", "testdata", "pattern.heic"))
	require.NoError(t, err)
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	sent := ch.send(t, "IMG_0001.HEIC", heic)
	require.NoError(t, p.Close(context.Background()))
	b, _, err := ch.rendition(t, sent.Message.SID, preview.PreviewName)
	require.NoError(t, err)
	_, format, err := image.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", format)
}

func TestABrokenPictureIsSentWithoutPreview(t *testing.T) {
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), &preview.AttachOptions{Logger: slog.New(slog.NewTextHandler(ch.logs, nil))})
	require.NoError(t, err)
	jpg := previewtest.OrientedJPEG(1)
	sent := ch.send(t, "cut.jpg", jpg[:len(jpg)*2/3]) // sniffs as JPEG, decodes as nothing
	bomb := ch.send(t, "bomb.png", previewtest.PNGHeader(65535, 65535))
	require.NoError(t, p.Close(context.Background()))
	for _, s := range []attachments.SendMediaMessageResult{sent, bomb} {
		_, _, err := ch.rendition(t, s.Message.SID, preview.ThumbnailName)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err), "a picture that cannot be rendered gets no thumbnail")
	}
	assert.Contains(t, ch.logs.String(), "preview: no rendition", "a failed preview must leave a log line")
}

func TestSyncRenditionsTravelWithTheMessage(t *testing.T) {
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), &preview.AttachOptions{Sync: true})
	require.NoError(t, err)
	defer p.Close(context.Background())
	sent := ch.send(t, "photo.jpg", previewtest.OrientedJPEG(1))
	media, err := sent.Message.Media()
	require.NoError(t, err)
	require.Len(t, media[0].Renditions, 2, "with Sync the message itself carries the renditions")
	assert.Equal(t, preview.ThumbnailName, media[0].Renditions[0].Name)
	assert.Positive(t, media[0].Renditions[0].Width)

	// A draft file gets its thumbnail too, for the composer.
	att, err := attachments.Invoke(context.Background(), ch.c.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: "CH1", Sender: casey, File: &attachments.File{Name: "b.jpg", Body: bytes.NewReader(previewtest.OrientedJPEG(3))}})
	require.NoError(t, err)
	dl, err := attachments.Invoke(context.Background(), ch.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: "CH1", Requester: casey, MediaSID: att.Media.SID, Rendition: preview.ThumbnailName})
	require.NoError(t, err, "the sender sees its draft's thumbnail")
	assert.True(t, strings.HasPrefix(dl.Link.URL, "/attachments/dl/"))
}

func TestDeletingAMessageDeletesItsRenditions(t *testing.T) {
	ch := newChat(t)
	p, err := preview.Attach(ch.c, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	sent := ch.send(t, "photo.jpg", previewtest.OrientedJPEG(1))
	require.NoError(t, p.Close(context.Background()))
	_, err = attachments.Invoke(context.Background(), ch.c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: "CH1", Requester: casey, MessageSID: sent.Message.SID})
	require.NoError(t, err)
	for _, err := range ch.c.Storage().List(context.Background(), "") {
		t.Errorf("left in storage after the delete: %v", err)
	}
	n := 0
	for range ch.c.Storage().List(context.Background(), "") {
		n++
	}
	assert.Zero(t, n, "the renditions must go with their message")
}

func TestStripOriginalsKeepsPixelsAndDropsTheSendersMetadata(t *testing.T) {
	ctx := context.Background()
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(ctx, "CH1", casey.Identity, attachments.RoleCustomer))
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler), Rewrite: preview.StripOriginals})
	require.NoError(t, err)
	defer c.Close(context.Background())
	photo := previewtest.OrientedJPEG(6)
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey, File: &attachments.File{Name: "photo.jpg", Body: bytes.NewReader(photo)}})
	require.NoError(t, err)
	rc, err := c.OpenMedia(ctx, res.Media[0].SID)
	require.NoError(t, err)
	stored, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Less(t, len(stored), len(photo), "the stored original must have lost its metadata")
	assert.Equal(t, int64(len(stored)), res.Media[0].Size, "the recorded size is the stored file's")
	for _, s := range []string{"GPS", "xmp", "Photoshop", "COMMENT"} {
		assert.False(t, strings.Contains(string(stored), s), "the stored original keeps %s", s)
	}
	h, err := preview.Probe(bytes.NewReader(stored))
	require.NoError(t, err)
	assert.Equal(t, 6, h.Orientation, "the orientation must survive, or the photo shows sideways")
	a, _, err := image.Decode(bytes.NewReader(photo))
	require.NoError(t, err)
	b, _, err := image.Decode(bytes.NewReader(stored))
	require.NoError(t, err)
	assert.Equal(t, a, b, "the pixels must be untouched: the strip is lossless")

	// A PNG passes through as sent.
	png := previewtest.PNGBytes(previewtest.Pattern(8, 8))
	res, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(png)}})
	require.NoError(t, err)
	assert.Equal(t, int64(len(png)), res.Media[0].Size)
}

func TestPicturesInAHostsOwnStoreGetRenditions(t *testing.T) {
	ctx := context.Background()
	own := &attachmentstest.Store{}
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(ctx, "CH1", casey.Identity, attachments.RoleCustomer))
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{
		Logger: slog.New(slog.DiscardHandler), Stores: map[string]attachments.Store{"own": own},
		Ledger: ledgermemory.New(), // the test's store lives as long as the process
	})
	require.NoError(t, err)
	defer c.Close(context.Background())
	p, err := preview.Attach(c, preview.NewGoRenderer(nil), nil)
	require.NoError(t, err)
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "photo.jpg", Body: bytes.NewReader(previewtest.OrientedJPEG(6)), Store: "own"}})
	require.NoError(t, err)
	require.NoError(t, p.Close(context.Background()))
	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: "CH1", Requester: casey, MessageSID: res.Message.SID, Rendition: preview.ThumbnailName})
	require.NoError(t, err, "a picture in the host's store must get its thumbnail like any other")
	assert.Len(t, dl.Media.Renditions, 2)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: "CH1", Requester: casey, MessageSID: res.Message.SID})
	require.NoError(t, err)
	assert.Zero(t, own.Len(), "the original goes from the host's store")
	n := 0
	for range c.Storage().List(ctx, "") {
		n++
	}
	assert.Zero(t, n, "its renditions go from the library's storage")
}
