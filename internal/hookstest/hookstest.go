// Package hookstest sets up what the tests and examples of the hooks
// packages share: a Client on in-memory storage and chat with a customer and
// an agent in one channel, and small files to send.
package hookstest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
)

// Channel is the Fixture's channel.
const Channel = "CH1"

// Fixture is a Client with a customer and an agent in Channel.
type Fixture struct {
	Client *attachments.Client
	Chat   *attachmentstest.Transport
	// Customer and Agent are members of Channel on their sides.
	Customer, Agent attachments.Member
}

// Open returns a Fixture with the default config. Close it when done.
func Open() (*Fixture, error) {
	ctx := context.Background()
	f := &Fixture{
		Chat:     &attachmentstest.Transport{},
		Customer: attachments.Member{Identity: "alice"},
		Agent:    attachments.Member{Identity: "bob"},
	}
	members := &attachmentstest.Members{}
	if err := members.SetRole(ctx, Channel, f.Customer.Identity, attachments.RoleCustomer); err != nil {
		return nil, err
	}
	if err := members.SetRole(ctx, Channel, f.Agent.Identity, attachments.RoleAgent); err != nil {
		return nil, err
	}
	c, err := attachments.New(attachments.DefaultConfig(), f.Chat, members, &attachments.Options{
		// The default link key's warning is noise here.
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	f.Client = c
	return f, nil
}

// New returns a Fixture that is closed when tb ends.
func New(tb testing.TB) *Fixture {
	tb.Helper()
	f, err := Open()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.Close)
	return f
}

// Close closes the Client.
func (f *Fixture) Close() { f.Client.Close(context.Background()) }

// Send sends a file named name with content body from m to Channel.
func (f *Fixture) Send(ctx context.Context, m attachments.Member, name string, body []byte) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, f.Client.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: Channel, Sender: m, File: &attachments.File{Name: name, Body: bytes.NewReader(body)},
	})
}

// Attach attaches a file named name with content body to m's draft in
// Channel.
func (f *Fixture) Attach(ctx context.Context, m attachments.Member, name string, body []byte) (attachments.AttachFileResult, error) {
	return attachments.Invoke(ctx, f.Client.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: Channel, Sender: m, File: &attachments.File{Name: name, Body: bytes.NewReader(body)},
	})
}

// Download asks for a link to the media with the given SID, for m.
func (f *Fixture) Download(ctx context.Context, m attachments.Member, sid string) (attachments.DownloadMediaResult, error) {
	return attachments.Invoke(ctx, f.Client.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: Channel, Requester: m, MediaSID: sid,
	})
}

// Keys returns every key in the Client's storage, sorted, failing tb if the
// listing fails.
func (f *Fixture) Keys(tb testing.TB) []string {
	tb.Helper()
	var keys []string
	for info, err := range f.Client.Storage().List(context.Background(), "") {
		if err != nil {
			tb.Fatalf("list storage: %v", err)
		}
		keys = append(keys, info.Key)
	}
	slices.Sort(keys)
	return keys
}

// PNG returns a grey PNG image of w×h pixels.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}
