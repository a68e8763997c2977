package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage/memory"
)

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// casey sent "receipt.png": receipt.png, image/png, 76 bytes
	// the message says where it is kept: storage=personal
	// your storage holds it: 76 bytes, checksum matches: true
	// files in the library's storage: 1
	// casey sends a renamed executable: type_mismatch
	// files in your storage: 1; messages: 1
}

// TestOwnStorageFails: when your storage refuses the file, no message is
// sent and no copy stays behind anywhere.
func TestOwnStorageFails(t *testing.T) {
	ctx := context.Background()
	c, chat, err := newChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	own := memory.New()
	own.Close() // every Put now fails with errs.Closed
	if err := useOwnStorage(c, own); err != nil {
		t.Fatal(err)
	}
	_, err = attachments.Invoke(ctx, c.Registry, attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "receipt.png", Body: bytes.NewReader(receiptPNG())},
	})
	if !errors.Is(err, errs.Closed) {
		t.Errorf("send = %v, want your storage's errs.Closed", err)
	}
	if n := len(chat.Messages("CH1")); n != 0 {
		t.Errorf("%d messages sent, want 0", n)
	}
	if n := countMedia(ctx, c.Storage()); n != 0 {
		t.Errorf("%d files left in the library's storage, want 0", n)
	}
}

// TestDraftsAreRefused: this replacement sends single files, and says so
// when asked to send a draft.
func TestDraftsAreRefused(t *testing.T) {
	ctx := context.Background()
	c, _, err := newChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	own := memory.New()
	defer own.Close()
	if err := useOwnStorage(c, own); err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.Invoke(ctx, c.Registry, attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: casey, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(receiptPNG())},
	}); err != nil {
		t.Fatal(err)
	}
	_, err = attachments.Invoke(ctx, c.Registry, attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: casey, FromDraft: true})
	if !errors.Is(err, errs.InvalidPayload) {
		t.Errorf("send draft = %v, want invalid_payload", err)
	}
}

// TestMessageRefusedTakesTheFileBack: when SendMessage refuses (the sender
// was blocked in between), the file leaves your storage again.
func TestMessageRefusedTakesTheFileBack(t *testing.T) {
	ctx := context.Background()
	c, chat, err := newChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	own := memory.New()
	defer own.Close()
	if err := useOwnStorage(c, own); err != nil {
		t.Fatal(err)
	}
	remove, err := attachments.OnBefore(c.Registry, attachments.SendMessage,
		func(_ context.Context, p attachments.SendMessagePayload) (attachments.SendMessagePayload, error) {
			return p, attachments.Cancel("the conversation is closed")
		})
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	_, err = attachments.Invoke(ctx, c.Registry, attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "receipt.png", Body: bytes.NewReader(receiptPNG())},
	})
	if e := errs.As(err); e == nil || e.Code != errs.Canceled || e.Text() != "the conversation is closed" {
		t.Errorf("send = %v, want the cancel", err)
	}
	if n, m := countMedia(ctx, own), len(chat.Messages("CH1")); n != 0 || m != 0 {
		t.Errorf("%d files in your storage and %d messages, want none", n, m)
	}
}
