package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

func TestRenditionsLiveAndDieWithTheirFile(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		e := newEnv(t, envOptions{store: newStore()})
		ctx := context.Background()
		sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
		require.NoError(t, err)
		sid := sent.Media[0].SID
		thumb := pngBytes(t, 2, 2)
		require.NoError(t, e.c.PutRendition(ctx, sid, ledger.Rendition{Name: "thumbnail", ContentType: "image/png", Width: 2, Height: 2, BlurHash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}, bytes.NewReader(thumb)))

		dl, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
			Channel: channel, Requester: agent, MessageSID: sent.Message.SID, Rendition: "thumbnail"})
		require.NoError(t, err)
		require.Len(t, dl.Media.Renditions, 1, "the media must list its renditions")
		assert.Equal(t, int64(len(thumb)), dl.Media.Renditions[0].Size)
		status, body := e.fetch(t, dl.Link.URL)
		assert.Equal(t, 200, status)
		assert.Equal(t, thumb, body, "the link must serve the rendition, not the original")
		entries, err := e.ledger.Entries(ctx, ledger.EntryQuery{})
		require.NoError(t, err)
		for _, en := range entries {
			assert.NotEqual(t, "DownloadMedia", en.Action, "showing a thumbnail must not be journalled as a download")
		}
		_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
			Channel: channel, Requester: agent, MessageSID: sent.Message.SID, Rendition: "preview"})
		assert.Equal(t, errs.NotFound, code(err), "a rendition not made yet is not found")
		_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
			Channel: "CH2", Requester: stranger, MediaSID: sid, Rendition: "thumbnail"})
		assert.Equal(t, errs.NotFound, code(err), "a rendition is held to the same checks as its file")

		_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: customer, MessageSID: sent.Message.SID})
		require.NoError(t, err)
		e.mustBeEmpty(t)
		status, _ = e.fetch(t, dl.Link.URL)
		assert.Equal(t, 404, status, "a deleted file's thumbnail must be gone too")
		err = e.c.PutRendition(ctx, sid, ledger.Rendition{Name: "thumbnail", ContentType: "image/png"}, bytes.NewReader(thumb))
		assert.Equal(t, errs.NotFound, code(err), "a rendition of a deleted file must be refused")
		e.mustBeEmpty(t)
	})
}

func TestPutRenditionRefusesBadInput(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	sid := sent.Media[0].SID
	for _, r := range []ledger.Rendition{
		{Name: "../x", ContentType: "image/png"},
		{Name: "", ContentType: "image/png"},
		{Name: strings.Repeat("a", 40), ContentType: "image/png"},
		{Name: "thumbnail", ContentType: "text/html"},
		{Name: "thumbnail", ContentType: "image/svg+xml"},
	} {
		err := e.c.PutRendition(ctx, sid, r, strings.NewReader("x"))
		assert.Equal(t, errs.InvalidArgument, code(err), "%+v must be refused", r)
	}
	assert.Equal(t, errs.InvalidArgument, code(e.c.PutRendition(ctx, "../x", ledger.Rendition{Name: "t", ContentType: "image/png"}, strings.NewReader("x"))))
	assert.Equal(t, errs.NotFound, code(e.c.PutRendition(ctx, attachments.NewMediaSID(), ledger.Rendition{Name: "t", ContentType: "image/png"}, strings.NewReader("x"))))
	assert.Equal(t, []string{"media/" + sid}, e.keys(t), "a refused rendition must leave nothing")
}

func TestEraseMemberDeletesRenditions(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	att, err := attach(e, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	require.NoError(t, e.c.PutRendition(ctx, att.Media.SID, ledger.Rendition{Name: "thumbnail", ContentType: "image/png"}, bytes.NewReader(pngBytes(t, 2, 2))))
	n, err := e.c.EraseMember(ctx, customer.Identity)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e.mustBeEmpty(t)
}

func TestCheckFindsAnUnrecordedRendition(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	stray := "renditions/" + sent.Media[0].SID + "/thumbnail"
	_, err = e.store.Put(ctx, stray, strings.NewReader("x"), storage.Metadata{})
	require.NoError(t, err)
	rep, err := e.c.Check(ctx, 1, "")
	require.NoError(t, err)
	assert.Equal(t, []string{stray}, rep.OrphanBlobs, "a rendition a crash left unrecorded must be found")
	assert.Equal(t, []string{"media/" + sent.Media[0].SID}, e.keys(t))
}

// recordedFirst is a rendition body that looks, when first read, at what
// the ledger says of the rendition being stored.
type recordedFirst struct {
	r       *bytes.Reader
	look    func()
	fail    error // returned instead of the body's end, when set
	started bool
}

func (b *recordedFirst) Read(p []byte) (int, error) {
	if !b.started {
		b.started = true
		b.look()
	}
	n, err := b.r.Read(p)
	if err != nil && b.fail != nil {
		return n, b.fail
	}
	return n, err
}

func TestPutRenditionRecordsBeforeItStores(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	sid := sent.Media[0].SID
	var during ledger.Record
	var downloadErr error
	body := &recordedFirst{r: bytes.NewReader(pngBytes(t, 2, 2)), look: func() {
		during, err = e.ledger.Get(ctx, sid)
		require.NoError(t, err)
		_, downloadErr = attachments.Invoke(ctx, e.c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
			Channel: channel, Requester: agent, MessageSID: sent.Message.SID, Rendition: "thumbnail"})
	}}
	require.NoError(t, e.c.PutRendition(ctx, sid, ledger.Rendition{Name: "thumbnail", ContentType: "image/png"}, body))
	require.Len(t, during.Renditions, 1, "while its blob is written, the rendition must be recorded: Check would delete it as an orphan")
	assert.False(t, during.Renditions[0].Pending.IsZero(), "recorded as pending while its blob is written")
	assert.Equal(t, errs.NotFound, code(downloadErr), "a pending rendition is not served")
	after, err := e.ledger.Get(ctx, sid)
	require.NoError(t, err)
	require.Len(t, after.Renditions, 1)
	assert.True(t, after.Renditions[0].Pending.IsZero(), "once stored, the rendition is no longer pending")
	assert.Positive(t, after.Renditions[0].Size)

	// A body that fails half way leaves neither the blob nor the entry.
	body = &recordedFirst{r: bytes.NewReader(pngBytes(t, 3, 3)), look: func() {}, fail: errors.New("renderer died")}
	require.Error(t, e.c.PutRendition(ctx, sid, ledger.Rendition{Name: "preview", ContentType: "image/png"}, body))
	after, err = e.ledger.Get(ctx, sid)
	require.NoError(t, err)
	assert.Equal(t, []string{"thumbnail"}, renditionNames(after), "a rendition that failed to store must not stay recorded")
	assert.Equal(t, []string{"media/" + sid, "renditions/" + sid + "/thumbnail"}, e.keys(t))
}

func renditionNames(r ledger.Record) []string {
	out := []string{}
	for _, rd := range r.Renditions {
		out = append(out, rd.Name)
	}
	return out
}

func TestRenditionsPutAtOnceAreAllKept(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	sid := sent.Media[0].SID
	img := pngBytes(t, 2, 2)
	const n = 8
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errc <- e.c.PutRendition(ctx, sid, ledger.Rendition{Name: fmt.Sprintf("size-%d", i), ContentType: "image/png"}, bytes.NewReader(img))
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		require.NoError(t, err)
	}
	r, err := e.ledger.Get(ctx, sid)
	require.NoError(t, err)
	assert.Len(t, r.Renditions, n, "renditions recorded at once were lost: their links 404 for good")
	rep, err := e.c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs, "every rendition stored is recorded")
}
