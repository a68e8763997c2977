package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

func TestSendMediaMessageStoresSendsAndServes(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		e := newEnv(t, envOptions{store: newStore()})
		content := pngBytes(t, 16, 16)
		res, err := e.send(context.Background(), customer, &attachments.File{
			Name: "../../photo.PNG", ContentType: "application/pdf", Body: bytes.NewReader(content),
		})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		want := attachments.Media{SID: res.Media[0].SID, FileName: "photo.PNG", ContentType: "image/png",
			Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
		if !attachments.IsMediaSID(want.SID) {
			t.Errorf("media sid %q is not a media SID", want.SID)
		}
		msgs := e.chat.Messages(channel)
		if len(msgs) != 1 {
			t.Fatalf("%d messages sent, want 1", len(msgs))
		}
		got, err := msgs[0].Media()
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("message media = %+v, %v; want [%+v] (sniffed type, sanitised name, real size and hash)", got, err, want)
		}
		if msgs[0].Body != "photo.PNG" || msgs[0].Author != customer.Identity {
			t.Errorf("message = %+v, want body = file name, author = sender", msgs[0])
		}
		// The key is the library's own, never the client's name.
		for _, k := range e.keys(t) {
			if strings.Contains(k, "photo") {
				t.Errorf("storage key %q contains the client's file name", k)
			}
		}
		// The agent downloads it through a link.
		dl, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
			attachments.DownloadMediaPayload{Channel: channel, Requester: agent, MessageSID: msgs[0].SID})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := e.fetch(t, dl.Link.URL); status != 200 || !bytes.Equal(body, content) {
			t.Errorf("GET link = %d with %d bytes, want 200 with the file", status, len(body))
		}
	})
}

func TestSendMediaMessageRefusalsLeaveNothing(t *testing.T) {
	small := attachments.DefaultConfig()
	small.Customer.FileAttachment.MaxFileSize = 1 << 20
	off := attachments.DefaultConfig()
	off.Customer.FileAttachment.Enabled = false
	tests := []struct {
		name string
		cfg  attachments.Config
		file func() *attachments.File
		want errs.Code
	}{
		{"too large, size unknown", small, func() *attachments.File {
			return &attachments.File{Name: "big.png", Body: bigPNG(2 << 20)}
		}, errs.FileTooLarge},
		{"too large, declared", small, func() *attachments.File {
			return &attachments.File{Name: "big.png", Size: 2 << 20, Body: bigPNG(2 << 20)}
		}, errs.FileTooLarge},
		{"renamed executable", attachments.DefaultConfig(), func() *attachments.File {
			return &attachments.File{Name: "cat.png", ContentType: "image/png", Body: bytes.NewReader(peLike())}
		}, errs.TypeMismatch},
		{"executable", attachments.DefaultConfig(), func() *attachments.File {
			return &attachments.File{Name: "setup.exe", Body: bytes.NewReader(peLike())}
		}, errs.TypeNotAllowed},
		{"png named pdf", attachments.DefaultConfig(), func() *attachments.File {
			return &attachments.File{Name: "invoice.pdf", Body: bytes.NewReader(pngBytes(t, 4, 4))}
		}, errs.TypeMismatch},
		{"empty", attachments.DefaultConfig(), func() *attachments.File {
			return &attachments.File{Name: "a.png", Body: strings.NewReader("")}
		}, errs.EmptyFile},
		{"disabled side", off, func() *attachments.File { return pngFile(t, "a.png") }, errs.AttachmentsDisabled},
		{"hostile name", attachments.DefaultConfig(), func() *attachments.File {
			return &attachments.File{Name: "\u202e../..", Body: bytes.NewReader(pngBytes(t, 4, 4))}
		}, errs.InvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
				e := newEnv(t, envOptions{cfg: &tt.cfg, store: newStore()})
				_, err := e.send(context.Background(), customer, tt.file())
				if code(err) != tt.want {
					t.Fatalf("err = %v (code %s), want %s", err, code(err), tt.want)
				}
				var ae *errs.Error
				if !errors.As(err, &ae) || ae.Text() == "" {
					t.Errorf("no message for the sender in %v", err)
				}
				if len(e.chat.Messages(channel)) != 0 {
					t.Error("a message was sent")
				}
				e.mustBeEmpty(t)
			})
		})
	}
}

func TestSendMediaMessageFaultsLeaveNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		t.Run("storage fails half way", func(t *testing.T) {
			d := &faultyDriver{Driver: newStore().Driver(), failOn: 1, failAfter: 100}
			e := newEnv(t, envOptions{store: storage.NewBucket(d)})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			if !errors.Is(err, errDisk) {
				t.Fatalf("err = %v, want the storage failure", err)
			}
			e.mustBeEmpty(t)
		})
		t.Run("transport refuses after the put", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore(), transport: &faultyTransport{}})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			if code(err) != errs.Unavailable {
				t.Fatalf("err = %v, want unavailable", err)
			}
			e.mustBeEmpty(t)
		})
		t.Run("client stops sending half way", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			body := &failingReader{r: bigPNG(1 << 20), n: 300 << 10, err: io.ErrUnexpectedEOF}
			_, err := e.send(context.Background(), customer, &attachments.File{Name: "a.png", Body: body})
			if !errors.Is(err, io.ErrUnexpectedEOF) || code(err) != errs.UploadIncomplete {
				t.Fatalf("err = %v (code %s), want upload_incomplete wrapping the reader's error", err, code(err))
			}
			e.mustBeEmpty(t)
		})
		t.Run("context cancelled mid-stream", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			body := io.MultiReader(bigPNG(200<<10), cancelReader{cancel}, bigPNG(200<<10))
			_, err := e.send(ctx, customer, &attachments.File{Name: "a.png", Body: body})
			if !errors.Is(err, errs.Canceled) {
				t.Fatalf("err = %v, want canceled", err)
			}
			e.mustBeEmpty(t)
		})
		t.Run("listener cancels", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
				func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					return p, attachments.Cancel("not today")
				})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			if !errors.Is(err, errs.Canceled) {
				t.Fatalf("err = %v, want canceled", err)
			}
			e.mustBeEmpty(t)
		})
		t.Run("listener panics", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
				func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					panic("scanner bug")
				})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			if !errors.Is(err, errs.ListenerPanic) {
				t.Fatalf("err = %v, want listener_panic", err)
			}
			e.mustBeEmpty(t)
		})
		t.Run("listener swaps the file", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
				func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					p.File = &attachments.File{Name: "evil.exe", Body: bytes.NewReader(peLike())}
					return p, nil
				})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			if code(err) != errs.InvalidPayload {
				t.Fatalf("err = %v, want invalid_payload: an unchecked file must not be sent", err)
			}
			e.mustBeEmpty(t)
		})
	})
}

type cancelReader struct{ cancel func() }

func (c cancelReader) Read([]byte) (int, error) { c.cancel(); return 0, io.EOF }

func TestListenersReadTheFileAgain(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := pngBytes(t, 8, 8)
	var reads [][]byte
	for range 2 {
		_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
			func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
				rc, err := p.File.Open(ctx)
				if err != nil {
					return p, err
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				reads = append(reads, b)
				return p, err
			})
	}
	if _, err := e.send(context.Background(), customer, &attachments.File{Name: "a.png", Body: bytes.NewReader(content)}); err != nil {
		t.Fatal(err)
	}
	if len(reads) != 2 || !bytes.Equal(reads[0], content) || !bytes.Equal(reads[1], content) {
		t.Errorf("listeners read %d copies, want 2 whole copies of the file", len(reads))
	}
	f := pngFile(t, "b.png")
	if _, err := f.Open(context.Background()); code(err) != errs.InvalidArgument {
		t.Errorf("Open before the guard: err = %v, want invalid_argument", err)
	}
	if _, err := e.send(context.Background(), customer, f); err != nil {
		t.Fatal(err)
	}
	if _, err := e.send(context.Background(), customer, f); code(err) != errs.InvalidPayload {
		t.Errorf("sending one File twice: err = %v, want invalid_payload", err)
	}
}

// TestPersonalStorage is Flex's "upload to your own storage" recipe: the host
// replaces SendMediaMessage, stores the file itself, and sends a plain message
// that carries the media in its attributes.
func TestPersonalStorage(t *testing.T) {
	small := attachments.DefaultConfig()
	small.Customer.FileAttachment.MaxFileSize = 1 << 20
	e := newEnv(t, envOptions{cfg: &small})
	own := map[string][]byte{}
	err := attachments.Replace(e.c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload, _ func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessageResult, error)) (attachments.SendMediaMessageResult, error) {
			rc, err := p.File.Open(ctx)
			if err != nil {
				return attachments.SendMediaMessageResult{}, err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return attachments.SendMediaMessageResult{}, err
			}
			m, _ := p.File.Media()
			own[m.SID] = b
			sent, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
				Channel: p.Channel, Sender: p.Sender, Body: m.FileName,
				Attributes: map[string]any{attachments.AttributeMedia: []attachments.Media{m}, "store": "own"},
			})
			return attachments.SendMediaMessageResult{Message: sent.Message, Media: []attachments.Media{m}}, err
		})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := own[res.Media[0].SID]; !ok {
		t.Error("the replacement did not store the file")
	}
	msgs := e.chat.Messages(channel)
	if len(msgs) != 1 || msgs[0].Attributes["store"] != "own" {
		t.Fatalf("messages = %+v, want the replacement's message", msgs)
	}
	if m, _ := msgs[0].Media(); len(m) != 1 || m[0].SID != res.Media[0].SID {
		t.Errorf("the message does not carry the media: %+v", msgs[0].Attributes)
	}
	// The message took the staged file: the ledger records it as sent in
	// that message, so it is served and deleted with it.
	dl, err := download(e, agent, channel, msgs[0].SID)
	require.NoError(t, err, "the recipe's message should be downloadable")
	assert.Equal(t, res.Media[0].SID, dl.Media.SID)
	// Replacing where files go does not switch off validation.
	_, err = e.send(context.Background(), customer, &attachments.File{Name: "big.png", Body: bigPNG(2 << 20)})
	if code(err) != errs.FileTooLarge {
		t.Errorf("oversized file through a replaced action: err = %v, want file_too_large", err)
	}
	if len(own) != 1 {
		t.Errorf("the replacement ran for a refused file")
	}
}

func TestSendMessageWithMediaChecksThePolicy(t *testing.T) {
	off := attachments.DefaultConfig()
	off.Customer.FileAttachment.Enabled = false
	e := newEnv(t, envOptions{cfg: &off})
	media := []attachments.Media{{SID: attachments.NewMediaSID(), FileName: "a.png"}}
	_, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: channel, Sender: customer, Body: "a.png", Attributes: map[string]any{attachments.AttributeMedia: media},
	})
	if code(err) != errs.AttachmentsDisabled {
		t.Errorf("err = %v, want attachments_disabled", err)
	}
	_, err = attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: channel, Sender: customer, Body: "hello",
	})
	if err != nil {
		t.Errorf("plain text: %v", err)
	}
}

func TestBlockedCustomerCannotSend(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// The customer sends an inappropriate file; the agent blocks them.
	if _, err := e.send(ctx, customer, pngFile(t, "rude.png")); err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.Invoke(ctx, e.c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: customer, Target: agent.Identity}); code(err) != errs.PermissionDenied {
		t.Errorf("a customer blocked an agent: err = %v", err)
	}
	res, err := attachments.Invoke(ctx, e.c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: agent, Target: customer.Identity})
	if err != nil || res.Previous != attachments.RoleCustomer {
		t.Fatalf("block = %+v, %v", res, err)
	}
	_, err = e.send(ctx, customer, pngFile(t, "again.png"))
	if code(err) != errs.PermissionDenied {
		t.Errorf("blocked SendMediaMessage: err = %v, want permission_denied", err)
	}
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: customer, Body: "hi"})
	if code(err) != errs.PermissionDenied || !strings.Contains(errs.As(err).Text(), "blocked") {
		t.Errorf("blocked SendMessage: err = %v, want permission_denied saying so", err)
	}
	if n := len(e.chat.Messages(channel)); n != 1 {
		t.Errorf("%d messages, want only the first", n)
	}
}

func TestConcurrentSenders(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		e := newEnv(t, envOptions{store: newStore()})
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				f := pngFile(t, "p.png")
				if i%10 == 0 {
					f = &attachments.File{Name: "p.png", Body: bytes.NewReader(peLike())}
				}
				_, err := e.send(context.Background(), customer, f)
				if (i%10 == 0) != (err != nil) {
					t.Errorf("sender %d: err = %v", i, err)
				}
			})
		}
		wg.Wait()
		msgs := e.chat.Messages(channel)
		if len(msgs) != 90 {
			t.Errorf("%d messages, want 90", len(msgs))
		}
		media := 0
		for _, k := range e.keys(t) {
			if strings.HasPrefix(k, "media/") {
				media++
			}
		}
		if media != 90 {
			t.Errorf("%d media blobs, want 90 (one per message, none for refusals)", media)
		}
	})
}
