package attachments_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

func attach(e *env, from attachments.Member, f *attachments.File) (attachments.AttachFileResult, error) {
	return attachments.Invoke(context.Background(), e.c.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: channel, Sender: from, File: f})
}

func TestWebchatDraft(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	_, err := e.c.SetDraftText(ctx, channel, customer, "here is my receipt")
	require.NoError(t, err)
	res, err := attach(e, customer, pngFile(t, "receipt.png"))
	require.NoError(t, err)
	assert.Equal(t, "receipt.png", res.Media.FileName, "the input box shows the wrong name")
	assert.Equal(t, "image/png", res.Media.ContentType)
	assert.NotZero(t, res.Media.Size)
	assert.Empty(t, res.Draft.Text, "in webchat mode the file replaces the text")
	assert.Len(t, res.Draft.Files, 1)
	_, err = e.c.SetDraftText(ctx, channel, customer, "and text")
	assert.ErrorIs(t, err, errs.InvalidPayload, "text beside a file in webchat mode")
	// A second file is one too many (one file per message by default).
	_, err = attach(e, customer, pngFile(t, "other.png"))
	assert.ErrorIs(t, err, errs.TooManyFiles)
	detach := attachments.DetachFilePayload{Channel: channel, Sender: customer, MediaSID: res.Media.SID}
	det, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DetachFile, detach)
	require.NoError(t, err)
	assert.Equal(t, attachments.Draft{Channel: channel, Files: []attachments.Media{}}, det.Draft,
		"after detaching, the draft is not empty: detaching does not restore the text")
	e.mustBeEmpty(t)
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.DetachFile, detach)
	assert.ErrorIs(t, err, errs.NotFound, "detaching twice")
}

func TestSendingADraftCommitsWithoutCopying(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.Mode = attachments.ModeConversations
	cfg.FilesPerMessage = 2
	e := newEnv(t, envOptions{cfg: &cfg})
	ctx := context.Background()
	_, err := e.c.SetDraftText(ctx, channel, customer, "two photos")
	require.NoError(t, err)
	a, err := attach(e, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	// The same name, size and type again is a duplicate.
	_, err = attach(e, customer, pngFile(t, "a.png"))
	assert.ErrorIs(t, err, errs.DuplicateFile)
	b, err := attach(e, customer, pngFile(t, "b.png"))
	require.NoError(t, err)
	assert.Equal(t, "two photos", b.Draft.Text, "in conversations mode text and files sit side by side")
	assert.Len(t, b.Draft.Files, 2)
	_, err = attach(e, customer, pngFile(t, "c.png"))
	assert.ErrorIs(t, err, errs.TooManyFiles)

	keysBefore := mediaKeys(e.keys(t))
	fromDraft := attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true}
	res, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage, fromDraft)
	require.NoError(t, err)
	assert.Equal(t, "two photos", res.Message.Body, "the draft's text is not sent")
	require.Len(t, res.Media, 2, "the draft's files are not sent")
	assert.Equal(t, []string{a.Media.SID, b.Media.SID}, []string{res.Media[0].SID, res.Media[1].SID},
		"the message does not carry the staged files, in order")
	assert.Equal(t, keysBefore, mediaKeys(e.keys(t)), "sending the draft copied files in storage")
	d, err := e.c.Draft(ctx, channel, customer)
	require.NoError(t, err)
	assert.Empty(t, d.Text, "the sent draft keeps its text")
	assert.Empty(t, d.Files, "the sent draft keeps its files")
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage, fromDraft)
	assert.ErrorIs(t, err, errs.InvalidPayload, "an empty draft is sent")
}

func TestDraftSurvivesAFailedSend(t *testing.T) {
	e := newEnv(t, envOptions{transport: &faultyTransport{}})
	_, err := attach(e, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	_, err = attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true})
	require.ErrorIs(t, err, errs.Unavailable)
	d, err := e.c.Draft(context.Background(), channel, customer)
	require.NoError(t, err)
	assert.Len(t, d.Files, 1, "a failed send loses the draft's file: the sender cannot retry")
}

func TestSweepRemovesExpiredDraftFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := attach(e, customer, pngFile(t, "old.png"))
	require.NoError(t, err)
	e.clock.Advance(30 * time.Minute)
	_, err = attach(e, agent, pngFile(t, "new.png"))
	require.NoError(t, err)
	e.clock.Advance(31 * time.Minute) // old is 61 minutes old, new 31
	r, err := e.c.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, r.Files, "the sweep should delete exactly the expired file")
	d, err := e.c.Draft(context.Background(), channel, customer)
	require.NoError(t, err)
	assert.Empty(t, d.Files, "expired file still in the draft")
	d, err = e.c.Draft(context.Background(), channel, agent)
	require.NoError(t, err)
	assert.Len(t, d.Files, 1, "fresh file swept")
	assert.Len(t, e.keys(t), 1, "storage should hold only the fresh file")
}

func TestJanitorStopsOnClose(t *testing.T) {
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{},
		&attachments.Options{SweepInterval: time.Millisecond, Logger: discardLogger()})
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	done := make(chan struct{})
	go func() { _ = c.Close(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "Close did not stop the janitor")
	}
	_ = c.Close(context.Background()) // idempotent
}

func TestAttachFileIsCheckedLikeASend(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := attach(e, customer, &attachments.File{Name: "cat.png", Body: bytes.NewReader(peLike())})
	assert.ErrorIs(t, err, errs.TypeMismatch, "a renamed executable is attached")
	e.mustBeEmpty(t)
}

func mediaKeys(keys []string) []string {
	return slices.DeleteFunc(keys, func(k string) bool { return !strings.HasPrefix(k, "media/") })
}

// TestSweepFindsFilesOfAStoppedProcess: a process staged a file and died;
// a new Client on the same storage sweeps it once it expires.
func TestSweepFindsFilesOfAStoppedProcess(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := attach(e, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	_ = e.c.Close(context.Background())
	later, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{
		Storage: e.store, Ledger: e.ledger, Logger: discardLogger(), SweepInterval: -1,
		Now: func() time.Time { return e.clock.Now().Add(2 * time.Hour) }})
	require.NoError(t, err)
	defer later.Close(context.Background())
	r, err := later.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, r.Files, "a new Client on the same storage and ledger should sweep the stopped one's expired file")
	e.mustBeEmpty(t)
}
