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
	if _, err := e.c.SetDraftText(context.Background(), channel, customer, "here is my receipt"); err != nil {
		t.Fatal(err)
	}
	res, err := attach(e, customer, pngFile(t, "receipt.png"))
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Media; p.FileName != "receipt.png" || p.ContentType != "image/png" || p.Size == 0 {
		t.Errorf("preview = %+v, want name, type and size", p)
	}
	if res.Draft.Text != "" || len(res.Draft.Files) != 1 {
		t.Errorf("draft = %+v, want the file to replace the text", res.Draft)
	}
	if _, err := e.c.SetDraftText(context.Background(), channel, customer, "and text"); code(err) != errs.InvalidPayload {
		t.Errorf("text beside a file in webchat mode: err = %v", err)
	}
	// A second file is one too many (one file per message by default).
	if _, err := attach(e, customer, pngFile(t, "other.png")); code(err) != errs.TooManyFiles {
		t.Errorf("second file: err = %v, want too_many_files", err)
	}
	det, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DetachFile,
		attachments.DetachFilePayload{Channel: channel, Sender: customer, MediaSID: res.Media.SID})
	if err != nil {
		t.Fatal(err)
	}
	if det.Draft.Text != "" || len(det.Draft.Files) != 0 {
		t.Errorf("after detach draft = %+v, want empty: detaching does not restore the text", det.Draft)
	}
	e.mustBeEmpty(t)
	if _, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DetachFile,
		attachments.DetachFilePayload{Channel: channel, Sender: customer, MediaSID: res.Media.SID}); code(err) != errs.NotFound {
		t.Errorf("detach twice: err = %v, want not_found", err)
	}
}

func TestSendingADraftCommitsWithoutCopying(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.Mode = attachments.ModeConversations
	cfg.FilesPerMessage = 2
	e := newEnv(t, envOptions{cfg: &cfg})
	ctx := context.Background()
	if _, err := e.c.SetDraftText(context.Background(), channel, customer, "two photos"); err != nil {
		t.Fatal(err)
	}
	a, err := attach(e, customer, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	// The same name, size and type again is a duplicate.
	if _, err := attach(e, customer, pngFile(t, "a.png")); code(err) != errs.DuplicateFile {
		t.Errorf("duplicate: err = %v, want duplicate_file", err)
	}
	b, err := attach(e, customer, pngFile(t, "b.png"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Draft.Text != "two photos" || len(b.Draft.Files) != 2 {
		t.Errorf("draft = %+v, want text and files side by side", b.Draft)
	}
	if _, err := attach(e, customer, pngFile(t, "c.png")); code(err) != errs.TooManyFiles {
		t.Errorf("third file: err = %v, want too_many_files", err)
	}
	keysBefore := mediaKeys(e.keys(t))
	res, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message.Body != "two photos" || len(res.Media) != 2 ||
		res.Media[0].SID != a.Media.SID || res.Media[1].SID != b.Media.SID {
		t.Errorf("sent %+v, want the draft's text and its two staged files", res)
	}
	if keysAfter := mediaKeys(e.keys(t)); !slices.Equal(keysAfter, keysBefore) {
		t.Errorf("sending the draft changed storage from %v to %v: it must not copy", keysBefore, keysAfter)
	}
	if d, _ := e.c.Draft(ctx, channel, customer); d.Text != "" || len(d.Files) != 0 {
		t.Errorf("draft after send = %+v, want empty", d)
	}
	if _, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true}); code(err) != errs.InvalidPayload {
		t.Errorf("sending an empty draft: err = %v", err)
	}
}

func TestDraftSurvivesAFailedSend(t *testing.T) {
	e := newEnv(t, envOptions{transport: &faultyTransport{}})
	if _, err := attach(e, customer, pngFile(t, "a.png")); err != nil {
		t.Fatal(err)
	}
	_, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, FromDraft: true})
	if code(err) != errs.Unavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if d, _ := e.c.Draft(context.Background(), channel, customer); len(d.Files) != 1 {
		t.Errorf("draft = %+v, want the file kept for a retry", d)
	}
}

func TestSweepRemovesExpiredDraftFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := attach(e, customer, pngFile(t, "old.png")); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	if _, err := attach(e, agent, pngFile(t, "new.png")); err != nil {
		t.Fatal(err)
	}
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
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{JanitorInterval: time.Millisecond, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	done := make(chan struct{})
	go func() { _ = c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the janitor")
	}
	_ = c.Close() // idempotent
}

func TestAttachFileIsCheckedLikeASend(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := attach(e, customer, &attachments.File{Name: "cat.png", Body: bytes.NewReader(peLike())})
	if code(err) != errs.TypeMismatch {
		t.Errorf("err = %v, want type_mismatch", err)
	}
	e.mustBeEmpty(t)
}

func mediaKeys(keys []string) []string {
	return slices.DeleteFunc(keys, func(k string) bool { return !strings.HasPrefix(k, "media/") })
}

// TestSweepFindsFilesOfAStoppedProcess: a process staged a file and died;
// a new Client on the same storage sweeps it once it expires.
func TestSweepFindsFilesOfAStoppedProcess(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := attach(e, customer, pngFile(t, "a.png")); err != nil {
		t.Fatal(err)
	}
	_ = e.c.Close()
	later, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{
		Storage: e.store, Ledger: e.ledger, Logger: discardLogger(), JanitorInterval: -1,
		Now: func() time.Time { return e.clock.Now().Add(2 * time.Hour) }})
	require.NoError(t, err)
	defer later.Close()
	r, err := later.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, r.Files, "a new Client on the same storage and ledger should sweep the stopped one's expired file")
	e.mustBeEmpty(t)
}
