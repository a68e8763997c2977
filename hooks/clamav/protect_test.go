package clamav_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
	"github.com/attachkit/attachments/internal/hookstest"
)

// quiet is a logger for scanners that fail open, whose warnings are noise
// here.
func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// upload sends or attaches a file, as action says.
func upload(ctx context.Context, f *hookstest.Fixture, action, name string, body []byte) error {
	var err error
	if action == "AttachFile" {
		_, err = f.Attach(ctx, f.Customer, name, body)
	} else {
		_, err = f.Send(ctx, f.Customer, name, body)
	}
	return err
}

// protect installs Protect on f with a scanner of the shared clamd.
func protect(t *testing.T, f *hookstest.Fixture, opts *clamav.Options, popts *clamav.ProtectOptions) func() {
	t.Helper()
	remove, err := clamav.Protect(f.Client, newScanner(t, "unix", clamd.Get(t).Socket, opts), popts)
	if err != nil {
		t.Fatal(err)
	}
	return remove
}

func TestProtectRefusesInfectedUploads(t *testing.T) {
	for _, action := range []string{"SendMediaMessage", "AttachFile"} {
		t.Run(action, func(t *testing.T) {
			ctx := context.Background()
			f := hookstest.New(t)
			protect(t, f, nil, nil)

			err := upload(ctx, f, action, "invoice.txt", []byte(clamavtest.EICAR))
			if !errors.Is(err, errs.Infected) {
				t.Fatalf("%s of EICAR = %v, want %q", action, err, errs.Infected)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Text() != errs.Infected.Message() || e.Details.Reason != clamavtest.EICARSignature {
				t.Errorf("refusal = %+v, want the sender's message %q and the signature %q in Details.Reason",
					e, errs.Infected.Message(), clamavtest.EICARSignature)
			}
			if keys := f.Keys(t); len(keys) != 0 {
				t.Errorf("storage after refusing EICAR holds %q, want nothing", keys)
			}
			if msgs := f.Chat.Messages(hookstest.Channel); len(msgs) != 0 {
				t.Errorf("chat after refusing EICAR holds %d messages, want 0", len(msgs))
			}
			if d, _ := f.Client.Draft(context.Background(), hookstest.Channel, f.Customer); len(d.Files) != 0 {
				t.Errorf("draft after refusing EICAR holds %+v, want no file", d.Files)
			}

			// A clean file goes through, and stays.
			if err := upload(ctx, f, action, "notes.txt", []byte("see you at ten\n")); err != nil {
				t.Fatalf("%s of a clean file = %v, want it accepted", action, err)
			}
			if keys := f.Keys(t); len(keys) == 0 {
				t.Error("storage after a clean upload is empty")
			}
		})
	}
}

// A draft's files are scanned when attached, not again when it is sent.
func TestProtectSendsCleanDraft(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	protect(t, f, nil, nil)
	if _, err := f.Attach(ctx, f.Customer, "photo.png", hookstest.PNG(2, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.Invoke(ctx, f.Client.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: hookstest.Channel, Sender: f.Customer, FromDraft: true}); err != nil {
		t.Fatalf("sending a scanned draft = %v", err)
	}
}

func TestProtectClamdDown(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "no-clamd.sock")
	tests := []struct {
		name     string
		failOpen bool
		want     errs.Code
	}{
		{"fails closed by default", false, errs.Unavailable},
		{"fails open when set", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			s := newScanner(t, "unix", nowhere, &clamav.Options{FailOpen: tt.failOpen, Logger: quiet()})
			if _, err := clamav.Protect(f.Client, s, nil); err != nil {
				t.Fatal(err)
			}
			_, err := f.Send(context.Background(), f.Customer, "notes.txt", []byte("hello\n"))
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("Send with clamd down = %v, want code %q", err, tt.want)
			}
			if tt.want != "" {
				if keys := f.Keys(t); len(keys) != 0 {
					t.Errorf("storage after a refusal holds %q, want nothing", keys)
				}
			}
		})
	}
}

func TestProtectRecheckDownloads(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	// Stored before the scan was on, as if clamd had not known the signature.
	old, err := f.Send(ctx, f.Customer, "old.txt", []byte(clamavtest.EICAR))
	if err != nil {
		t.Fatal(err)
	}
	clean, err := f.Send(ctx, f.Customer, "clean.txt", []byte("all good\n"))
	if err != nil {
		t.Fatal(err)
	}
	infected, cleanSID := old.Media[0].SID, clean.Media[0].SID

	remove := protect(t, f, nil, nil)
	if _, err := f.Download(ctx, f.Agent, infected); err != nil {
		t.Errorf("download without RecheckDownloads = %v, want a link", err)
	}
	remove()

	remove = protect(t, f, nil, &clamav.ProtectOptions{RecheckDownloads: true})
	defer remove()
	_, err = f.Download(ctx, f.Agent, infected)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Infected || e.Text() != clamav.DownloadRefusal ||
		e.Details.Reason != clamavtest.EICARSignature {
		t.Errorf("download of an infected file = %v, want %q with message %q", err, errs.Infected, clamav.DownloadRefusal)
	}
	if res, err := f.Download(ctx, f.Agent, cleanSID); err != nil || res.Link.URL == "" {
		t.Errorf("download of a clean file = (%+v, %v), want a link", res, err)
	}
	// By message too, the way clients usually ask.
	_, err = attachments.Invoke(ctx, f.Client.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: hookstest.Channel, Requester: f.Agent, MessageSID: old.Message.SID})
	if !errors.Is(err, errs.Infected) {
		t.Errorf("download by message of an infected file = %v, want %q", err, errs.Infected)
	}
}

// Removing the scan lets files through again.
func TestProtectRemove(t *testing.T) {
	f := hookstest.New(t)
	remove := protect(t, f, nil, nil)
	remove()
	if _, err := f.Send(context.Background(), f.Customer, "eicar.txt", []byte(clamavtest.EICAR)); err != nil {
		t.Errorf("Send after remove = %v, want it through", err)
	}
}

// A clamd that never answers: the scanner's timeout decides, by its
// FailOpen; a caller that gives up is never let through.
func TestProtectSlowClamd(t *testing.T) {
	silent := func(c net.Conn, stop <-chan struct{}) {
		go func() { _, _ = io.Copy(io.Discard, c) }()
		<-stop
	}
	tests := []struct {
		name         string
		failOpen     bool
		cancelCaller bool
		want         errs.Code
	}{
		{"timeout fails closed", false, false, errs.Unavailable},
		{"timeout fails open", true, false, ""},
		{"caller gives up, even failing open", true, true, errs.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			fake := startFake(t, silent)
			idle := 100 * time.Millisecond
			if tt.cancelCaller {
				idle = time.Hour
			}
			s := newScanner(t, "tcp", fake.addr, &clamav.Options{IdleTimeout: idle, FailOpen: tt.failOpen, Logger: quiet()})
			if _, err := clamav.Protect(f.Client, s, nil); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelCaller {
				go func() {
					<-fake.accepted
					cancel()
				}()
			}
			_, err := f.Send(ctx, f.Customer, "eicar.txt", []byte(clamavtest.EICAR))
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("Send with a silent clamd = %v, want code %q", err, tt.want)
			}
			if tt.want != "" {
				if keys := f.Keys(t); len(keys) != 0 {
					t.Errorf("storage after a refusal holds %q, want nothing", keys)
				}
			}
		})
	}
}

func TestProtectArguments(t *testing.T) {
	f := hookstest.New(t)
	s := newScanner(t, "unix", "/nonexistent.sock", nil)
	if _, err := clamav.Protect(f.Client, nil, nil); errs.CodeOf(err) != errs.InvalidArgument {
		t.Errorf("Protect(nil scanner) = %v, want %q", err, errs.InvalidArgument)
	}
	if _, err := clamav.Protect(nil, s, nil); errs.CodeOf(err) != errs.InvalidArgument {
		t.Errorf("Protect(nil client) = %v, want %q", err, errs.InvalidArgument)
	}
}

// A file swapped in after the guard, never stored, is refused rather than
// let through unscanned.
func TestProtectRefusesUnstoredFile(t *testing.T) {
	f := hookstest.New(t)
	if _, err := attachments.OnBefore(f.Client.Registry(), attachments.SendMediaMessage,
		func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			p.File = &attachments.File{Name: "swapped.txt", Body: strings.NewReader(clamavtest.EICAR)}
			return p, nil
		}); err != nil {
		t.Fatal(err)
	}
	protect(t, f, nil, nil)
	_, err := f.Send(context.Background(), f.Customer, "notes.txt", []byte("hello\n"))
	if errs.CodeOf(err) != errs.InvalidPayload {
		t.Errorf("Send with a swapped file = %v, want %q", err, errs.InvalidPayload)
	}
	if keys := f.Keys(t); len(keys) != 0 {
		t.Errorf("storage holds %q, want nothing", keys)
	}
}
