package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// casey sends order-number.txt: sent
	// moderation: blocked casey in web-42 (type_mismatch)
	// casey sends photo.jpg: refused, type_mismatch: this file is a Windows program, not a JPEG picture
	// casey sends order-number.txt: refused, permission_denied: you have been blocked in this conversation
	// casey writes "hello?": you have been blocked in this conversation
}

// TestOnlyInappropriateFilesBlock: refusals that say nothing about the
// sender's intent (a file too large, a type not accepted) and agents' files
// never block anyone.
func TestOnlyInappropriateFilesBlock(t *testing.T) {
	big := bytes.Repeat([]byte("a"), int(validate.DefaultMaxFileSize)+1)
	tests := []struct {
		name      string
		sender    attachments.Member
		file      string
		content   []byte
		wantBlock bool
	}{
		{"too large", customer, "notes.txt", big, false},
		{"not accepted", customer, "page.html", []byte("<html></html>"), false},
		{"empty", customer, "notes.txt", nil, false},
		{"fine", customer, "notes.txt", []byte("hello"), false},
		{"agent's renamed executable", moderator, "photo.jpg", []byte("MZ\x90\x00\x03\x00\x00\x00"), false},
		{"customer's renamed executable", customer, "photo.jpg", []byte("MZ\x90\x00\x03\x00\x00\x00"), true},
		{"customer's executable", customer, "setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c, err := newChat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			blocked := 0
			if _, err := blockOnRefusal(c, func(string, string, errs.Code) { blocked++ }); err != nil {
				t.Fatal(err)
			}
			_, _ = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
				Channel: "web-42", Sender: tc.sender,
				File: &attachments.File{Name: tc.file, Body: bytes.NewReader(tc.content)},
			})
			_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
				attachments.SendMessagePayload{Channel: "web-42", Sender: customer, Body: "still here?"})
			if gotBlock := err != nil; gotBlock != tc.wantBlock || (blocked == 1) != tc.wantBlock {
				t.Errorf("customer blocked: %v (reported %d times), want %v (send error %v)", gotBlock, blocked, tc.wantBlock, err)
			}
		})
	}
}
