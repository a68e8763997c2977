// Command personalstorage keeps the files customers and agents send in
// storage of your own, following Twilio Flex's recipe "upload to your own
// storage" line by line:
//
//  1. Flex: replaceAction("SendMediaMessage", …) — here attachments.Replace.
//  2. Flex: upload the file to your storage — here the library's guard
//     streams the checked file straight into your Store (File.Store names
//     it), in one write: no copy in the library's storage.
//  3. Flex: invokeAction("SendMessage", {messageAttributes: {media: {url,
//     filename, contentType, size}}}) — here Invoke(SendMessage) with the
//     media in its attributes, in the same shape plus the library's sid.
//
// Clients then download, and agents delete, through the library as usual:
// DownloadMedia, DeleteMessage and EraseMember reach your store through the
// ledger, which records which store holds each file. The library's guard
// still checks every file before your store sees a byte.
//
// A message from a Flex-style client that carries only a URL (your CDN's,
// say) is accepted when Options.TrustURL trusts it, and its link is that
// URL; the library never fetches it.
//
//	go run ./examples/personalstorage
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "personalstorage:", err)
		os.Exit(1)
	}
}

// dirStore is "your storage": one file per media SID in a directory. It is
// the whole of what the library asks of a store.
type dirStore struct {
	dir     string
	written atomic.Int64 // bytes written, to show each file is written once
}

func (s *dirStore) path(sid string) string { return filepath.Join(s.dir, sid) }

func (s *dirStore) Put(_ context.Context, sid string, r io.Reader, _ string) error {
	f, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	n, err := io.Copy(f, r)
	s.written.Add(n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), s.path(sid)) // whole or not at all
}

func (s *dirStore) Open(_ context.Context, sid string) (io.ReadCloser, error) {
	f, err := os.Open(s.path(sid))
	if errors.Is(err, os.ErrNotExist) {
		return nil, &errs.Error{Code: errs.NotFound, Op: "open " + sid}
	}
	return f, err
}

func (s *dirStore) Delete(_ context.Context, sid string) error {
	if err := os.Remove(s.path(sid)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// useOwnStorage replaces SendMediaMessage as Flex's recipe does: the file,
// already checked and in your store, is sent as a plain message carrying
// its media attribute.
func useOwnStorage(c *attachments.Client) error {
	return attachments.Replace(c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload, _ func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessageResult, error)) (attachments.SendMediaMessageResult, error) {
			var none attachments.SendMediaMessageResult
			if p.File == nil {
				return none, &errs.Error{Code: errs.InvalidPayload, Message: "send one file at a time, not a draft"}
			}
			media, ok := p.File.Media() // sanitised name, sniffed type, real size, SHA-256
			if !ok {
				return none, &errs.Error{Code: errs.InvalidPayload, Message: "the file was not checked"}
			}
			attrs := maps.Clone(p.Attributes)
			if attrs == nil {
				attrs = map[string]any{}
			}
			attrs["media"] = []attachments.Media{media}
			attrs["storage"] = "personal"
			sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
				Channel: p.Channel, Sender: p.Sender, Body: media.FileName, Attributes: attrs,
			})
			if err != nil {
				return none, err
			}
			return attachments.SendMediaMessageResult{Message: sent.Message, Media: []attachments.Media{media}}, nil
		})
}

// cdn is where a Flex-style client's own uploads live.
const cdn = "https://cdn.example.com/chat/"

// published are the URLs the host's CDN holds, which the chat trusts, each
// exactly. A host that trusts a whole prefix instead uses
// github.com/attachkit/attachments/urltrust, which judges a URL as a
// browser parses it ("..\", "%2e%2e" and all); this example lives in the
// core module, which does not require it.
var published = map[string]bool{cdn + "u/42/statement.pdf": true, cdn + "setup.exe": true}

// newChat returns a Client for a conversation "CH1" between the customer
// casey and the agent alex, on an in-memory chat, with own as the store
// named "personal".
func newChat(ctx context.Context, own attachments.Store) (*attachments.Client, *attachmentstest.Transport, error) {
	chat := &attachmentstest.Transport{}
	members := &attachmentstest.Members{}
	if err := errors.Join(
		members.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer),
		members.SetRole(ctx, "CH1", "alex", attachments.RoleAgent),
	); err != nil {
		return nil, nil, err
	}
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler),
		Stores: map[string]attachments.Store{"personal": own},
		// Your store outlives the process, so the records of its files must
		// too: in production, a ledger from ledger/sqlledger. This example
		// runs in one process and names the in-memory ledger knowingly.
		Ledger:   ledgermemory.New(),
		TrustURL: func(u string) bool { return published[u] }})
	return c, chat, err
}

var (
	casey = attachments.Member{Identity: "casey"}
	alex  = attachments.Member{Identity: "alex"}
)

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "personalstorage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	own := &dirStore{dir: dir}
	c, chat, err := newChat(ctx, own)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if err := useOwnStorage(c); err != nil {
		return err
	}
	links := httptest.NewServer(c.Links()) // your server mounts c.Links()
	defer links.Close()

	photo := receiptPNG()
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "receipt.png", ContentType: "image/png", Body: bytes.NewReader(photo), Store: "personal"},
	})
	if err != nil {
		return err
	}
	m := res.Media[0]
	fmt.Fprintf(w, "casey sent %q: %s, %s, %d bytes\n", res.Message.Body, m.FileName, m.ContentType, m.Size)
	fmt.Fprintf(w, "the message says where it is kept: storage=%v\n", res.Message.Attributes["storage"])
	fmt.Fprintf(w, "bytes written to your storage: %d (once); files in the library's storage: %d\n",
		own.written.Load(), countMedia(ctx, c))

	// The agent downloads it through the library's link, from your store.
	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: "CH1", Requester: alex, MessageSID: res.Message.SID,
	})
	if err != nil {
		return err
	}
	body, err := get(links.URL + dl.Link.URL)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "alex downloads it: %d bytes, same as sent: %v\n", len(body), bytes.Equal(body, photo))

	// The rules still hold: a renamed executable never reaches your storage.
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: casey,
		File: &attachments.File{Name: "invoice.pdf", Body: bytes.NewReader([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")), Store: "personal"},
	})
	fmt.Fprintf(w, "casey sends a renamed executable: %s; files in your storage: %d\n", errs.CodeOf(err), countFiles(dir))

	// A Flex-style client's message that carries its own URL.
	flex, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: "CH1", Sender: casey, Body: "statement.pdf",
		Attributes: map[string]any{"media": map[string]any{
			"url": cdn + "u/42/statement.pdf", "filename": "statement.pdf", "contentType": "application/pdf", "size": 48213,
		}},
	})
	if err != nil {
		return err
	}
	dl, err = attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: "CH1", Requester: alex, MessageSID: flex.Message.SID,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "a Flex-style message by URL downloads from: %s\n", dl.Link.URL)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: "CH1", Sender: casey, Body: "x",
		Attributes: map[string]any{"media": map[string]any{
			"url": "http://169.254.169.254/latest/meta-data/", "filename": "x.pdf", "contentType": "application/pdf", "size": 1,
		}},
	})
	fmt.Fprintf(w, "a URL the chat does not trust: %s\n", errs.CodeOf(err))

	// Deleting the message deletes the file from your store.
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: "CH1", Requester: alex, MessageSID: res.Message.SID,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after alex deletes the message: files in your storage: %d; messages: %d\n", countFiles(dir), len(chat.Messages("CH1")))
	return nil
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// countMedia counts the media blobs in the library's own storage.
func countMedia(ctx context.Context, c *attachments.Client) int {
	n := 0
	for _, err := range c.Storage().List(ctx, "media/") {
		if err == nil {
			n++
		}
	}
	return n
}

// countFiles counts the files your store holds.
func countFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	return len(entries)
}

// receiptPNG is a small picture standing in for a photo of a receipt.
func receiptPNG() []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	return buf.Bytes()
}
