// Command personalstorage keeps the files customers and agents send in
// storage of your own, as in Twilio Flex's recipe "upload to your own
// storage": it replaces SendMediaMessage, puts the file in its own bucket,
// and sends a plain message (SendMessage) that carries the media reference
// in its attributes.
//
// The library still checks every file before the replacement sees it:
// Replace changes where a file goes, never the rules it is held to.
//
//	go run ./examples/personalstorage
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"os"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "personalstorage:", err)
		os.Exit(1)
	}
}

// ownKey is where a file lives in your storage.
func ownKey(media attachments.Media) string { return "uploads/" + media.SID }

// useOwnStorage replaces SendMediaMessage so that files go to own instead of
// the library's storage.
//
// By the time the replacement runs, the library's guard has streamed the
// file through its checks (size, extension, sniffed type) into its staging
// storage, so the replacement copies a file known to be good, from
// p.File.Open. It does not call original; the library then deletes its
// staged copy, which no message took.
func useOwnStorage(c *attachments.Client, own *storage.Bucket) error {
	return attachments.Replace(c.Registry, attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload, _ attachments.Impl[attachments.SendMediaMessagePayload, attachments.SendMediaMessageResult]) (attachments.SendMediaMessageResult, error) {
			var none attachments.SendMediaMessageResult
			if p.File == nil {
				return none, &errs.Error{Code: errs.InvalidPayload, Message: "send one file at a time, not a draft"}
			}
			media, ok := p.File.Media() // sanitised name, sniffed type, real size, SHA-256
			if !ok {
				return none, &errs.Error{Code: errs.InvalidPayload, Message: "the file was not checked"}
			}
			body, err := p.File.Open(ctx)
			if err != nil {
				return none, err
			}
			defer body.Close()
			if _, err := own.Put(ctx, ownKey(media), body, storage.Metadata{
				ContentType: media.ContentType, FileName: media.FileName,
				Owner: p.Sender.Identity, Channel: p.Channel,
			}); err != nil {
				return none, err
			}

			attrs := maps.Clone(p.Attributes)
			if attrs == nil {
				attrs = map[string]any{}
			}
			attrs[attachments.AttributeMedia] = []attachments.Media{media}
			attrs["storage"] = "personal"
			sent, err := attachments.Invoke(ctx, c.Registry, attachments.SendMessage, attachments.SendMessagePayload{
				Channel: p.Channel, Sender: p.Sender, Body: media.FileName, Attributes: attrs,
			})
			if err != nil {
				// No message holds the file: take it back out of your storage.
				_ = own.Delete(context.WithoutCancel(ctx), ownKey(media))
				return none, err
			}
			return attachments.SendMediaMessageResult{Message: sent.Message, Media: []attachments.Media{media}}, nil
		})
}

// newChat returns a Client for a conversation "CH1" between the customer
// casey and the agent alex, on an in-memory chat.
func newChat(ctx context.Context) (*attachments.Client, *attachments.MemoryTransport, error) {
	chat := &attachments.MemoryTransport{}
	members := &attachments.MemoryMembers{}
	if err := errors.Join(
		members.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer),
		members.SetRole(ctx, "CH1", "alex", attachments.RoleAgent),
	); err != nil {
		return nil, nil, err
	}
	c, err := attachments.New(attachments.DefaultConfig(), &attachments.Options{
		Transport: chat, Members: members, Logger: slog.New(slog.DiscardHandler),
	})
	return c, chat, err
}

var casey = attachments.Member{Identity: "casey", Side: attachments.SideCustomer}

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "personalstorage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	own, err := filesystem.Open(dir, nil) // your own storage
	if err != nil {
		return err
	}
	defer own.Close()

	c, chat, err := newChat(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := useOwnStorage(c, own); err != nil {
		return err
	}

	photo := receiptPNG()
	res, err := attachments.Invoke(ctx, c.Registry, attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "receipt.png", ContentType: "image/png", Body: bytes.NewReader(photo)},
	})
	if err != nil {
		return err
	}
	m := res.Media[0]
	fmt.Fprintf(w, "casey sent %q: %s, %s, %d bytes\n", res.Message.Body, m.FileName, m.ContentType, m.Size)
	fmt.Fprintf(w, "the message says where it is kept: storage=%v\n", res.Message.Attributes["storage"])

	// The bytes are in your storage. The library keeps the copy its guard
	// checked too: SendMessage took that staged file, so the ledger records
	// it as sent in this message, and downloads and deletes go through it.
	rc, info, err := own.Get(ctx, ownKey(m), nil)
	if err != nil {
		return err
	}
	sum := sha256.New()
	_, err = io.Copy(sum, rc)
	rc.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "your storage holds it: %d bytes, checksum matches: %v\n", info.Size, hex.EncodeToString(sum.Sum(nil)) == m.SHA256)
	fmt.Fprintf(w, "files in the library's storage: %d\n", countMedia(ctx, c.Storage()))

	// The rules still hold: a renamed executable never reaches your storage.
	_, err = attachments.Invoke(ctx, c.Registry, attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "invoice.pdf", Body: bytes.NewReader([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))},
	})
	fmt.Fprintf(w, "casey sends a renamed executable: %s\n", errs.CodeOf(err))
	fmt.Fprintf(w, "files in your storage: %d; messages: %d\n", countMedia(ctx, own), len(chat.Messages("CH1")))
	return nil
}

// countMedia counts the blobs in b, the library's bookkeeping aside.
func countMedia(ctx context.Context, b *storage.Bucket) int {
	n := 0
	for _, prefix := range []string{"media/", "uploads/"} {
		for _, err := range b.List(ctx, prefix) {
			if err == nil {
				n++
			}
		}
	}
	return n
}

// receiptPNG is a small picture standing in for a photo of a receipt.
func receiptPNG() []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	return buf.Bytes()
}
