package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// casey sent "receipt.png": receipt.png, image/png, 76 bytes
	// the message says where it is kept: storage=personal
	// bytes written to your storage: 76 (once); files in the library's storage: 0
	// alex downloads it: 76 bytes, same as sent: true
	// casey sends a renamed executable: type_mismatch; files in your storage: 1
	// a Flex-style message by URL downloads from: https://cdn.example.com/chat/u/42/statement.pdf
	// a URL the chat does not trust: invalid_payload
	// after alex deletes the message: files in your storage: 0; messages: 1
}

func setup(t *testing.T) (*attachments.Client, *attachmentstest.Transport, *dirStore) {
	t.Helper()
	own := &dirStore{dir: t.TempDir()}
	c, chat, err := newChat(context.Background(), own)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	require.NoError(t, useOwnStorage(c))
	return c, chat, own
}

func sendToOwn(c *attachments.Client, from attachments.Member) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(context.Background(), c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: from,
		File: &attachments.File{Name: "receipt.png", Body: bytes.NewReader(receiptPNG()), Store: "personal"},
	})
}

// TestEraseReachesYourStore: erasing a member deletes its files from your
// store, and the listeners that re-read a file read it from there.
func TestEraseReachesYourStore(t *testing.T) {
	ctx := context.Background()
	c, _, own := setup(t)
	var scanned []byte
	remove, err := attachments.OnBefore(c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			rc, err := p.File.Open(ctx) // a virus scan would read it here
			if err != nil {
				return p, err
			}
			defer rc.Close()
			scanned, err = io.ReadAll(rc)
			return p, err
		})
	require.NoError(t, err)
	defer remove()
	_, err = sendToOwn(c, casey)
	require.NoError(t, err)
	_, err = sendToOwn(c, alex)
	require.NoError(t, err)
	assert.Equal(t, receiptPNG(), scanned, "a listener must read the file back from your store")
	assert.Equal(t, 2, countFiles(own.dir))
	assert.Equal(t, int64(2*len(receiptPNG())), own.written.Load(), "each file must be written once")
	n, err := c.EraseMember(ctx, "casey")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, countFiles(own.dir), "erasing casey must delete casey's file from your store, and only it")
}

// TestYourStoreFails: when your store refuses the file, no message is sent
// and nothing stays behind anywhere.
func TestYourStoreFails(t *testing.T) {
	ctx := context.Background()
	c, chat, own := setup(t)
	require.NoError(t, os.RemoveAll(own.dir)) // every Put now fails
	_, err := sendToOwn(c, casey)
	require.Error(t, err)
	assert.Empty(t, chat.Messages("CH1"), "no message may be sent")
	assert.Zero(t, countMedia(ctx, c), "nothing may stay in the library's storage")
	rep, err := c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.MissingBlobs, "no record may stay behind")
}

// TestDraftsAreRefused: this replacement sends single files, and says so
// when asked to send a draft.
func TestDraftsAreRefused(t *testing.T) {
	ctx := context.Background()
	c, _, _ := setup(t)
	_, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: casey, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(receiptPNG()), Store: "personal"},
	})
	require.NoError(t, err)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: casey, FromDraft: true})
	assert.True(t, errors.Is(err, errs.InvalidPayload), "send draft = %v, want invalid_payload", err)
}

// TestMessageRefusedTakesTheFileBack: when SendMessage refuses (a listener
// cancels it), the file leaves your storage again.
func TestMessageRefusedTakesTheFileBack(t *testing.T) {
	c, chat, own := setup(t)
	remove, err := attachments.OnBefore(c.Registry(), attachments.SendMessage,
		func(_ context.Context, p attachments.SendMessagePayload) (attachments.SendMessagePayload, error) {
			return p, attachments.Cancel("the conversation is closed")
		})
	require.NoError(t, err)
	defer remove()
	_, err = sendToOwn(c, casey)
	e := errs.As(err)
	require.NotNil(t, e, "send = %v, want the cancel", err)
	assert.Equal(t, errs.Canceled, e.Code)
	assert.Equal(t, "the conversation is closed", e.Text())
	assert.Zero(t, countFiles(own.dir), "your storage must not keep an unsent file")
	assert.Empty(t, chat.Messages("CH1"))
}

func TestUntrustedURLs(t *testing.T) {
	c, chat, _ := setup(t)
	for _, u := range []string{
		"http://cdn.example.com/chat/a.pdf",           // not https
		"https://cdn.example.com.evil.net/chat/a.pdf", // another host
		"https://cdn.example.com/chat/../admin/a.pdf", // out of the prefix
		"https://cdn.example.com/chat/%2e%2e/admin/a.pdf",
		"https://user@cdn.example.com/chat/a.pdf",
		"https://cdn.example.com/other/a.pdf",
		"file:///etc/passwd",
	} {
		_, err := attachments.Invoke(context.Background(), c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
			Channel: "CH1", Sender: casey, Body: "x",
			Attributes: map[string]any{"media": []any{map[string]any{
				"url": u, "filename": "a.pdf", "contentType": "application/pdf", "size": 10}}},
		})
		assert.Equal(t, errs.InvalidPayload, errs.CodeOf(err), "%s must not be trusted", u)
	}
	// A trusted URL still obeys the sender's policy.
	_, err := attachments.Invoke(context.Background(), c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: "CH1", Sender: casey, Body: "x",
		Attributes: map[string]any{"media": []any{map[string]any{
			"url": cdn + "setup.exe", "filename": "setup.exe", "contentType": "application/octet-stream", "size": 10}}},
	})
	assert.Equal(t, errs.TypeNotAllowed, errs.CodeOf(err), "a program by URL must be refused as one")
	assert.Empty(t, chat.Messages("CH1"))
}
