package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
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
		require.NoError(t, err)
		sum := sha256.Sum256(content)
		want := attachments.Media{SID: res.Media[0].SID, FileName: "photo.PNG", ContentType: "image/png",
			Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
		assert.True(t, attachments.IsMediaSID(want.SID), "media sid %q is not a media SID", want.SID)
		msgs := e.chat.Messages(channel)
		require.Len(t, msgs, 1, "the message was not sent once")
		got, err := msgs[0].Media()
		require.NoError(t, err)
		assert.Equal(t, []attachments.Media{want}, got, "the message does not carry the sniffed type, sanitised name, real size and hash")
		assert.Equal(t, "photo.PNG", msgs[0].Body, "the message's body is not the file name")
		assert.Equal(t, customer.Identity, msgs[0].Author)
		// The key is the library's own, never the client's name.
		for _, k := range e.keys(t) {
			assert.NotContains(t, k, "photo", "a storage key holds the client's file name")
		}
		// The agent downloads it through a link.
		dl, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
			attachments.DownloadMediaPayload{Channel: channel, Requester: agent, MessageSID: msgs[0].SID})
		require.NoError(t, err)
		status, body := e.fetch(t, dl.Link.URL)
		assert.Equal(t, 200, status, "the agent cannot download the file")
		assert.Equal(t, content, body, "the agent downloads other bytes than those sent")
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
				require.ErrorIs(t, err, tt.want)
				ae := errs.As(err)
				require.NotNil(t, ae)
				assert.NotEmpty(t, ae.Text(), "the sender is told nothing")
				assert.Empty(t, e.chat.Messages(channel), "a refused file was sent")
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
			require.ErrorIs(t, err, errDisk)
			e.mustBeEmpty(t)
		})
		t.Run("transport refuses after the put", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore(), transport: &faultyTransport{}})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			require.ErrorIs(t, err, errs.Unavailable)
			e.mustBeEmpty(t)
		})
		t.Run("client stops sending half way", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			body := &failingReader{r: bigPNG(1 << 20), n: 300 << 10, err: io.ErrUnexpectedEOF}
			_, err := e.send(context.Background(), customer, &attachments.File{Name: "a.png", Body: body})
			require.ErrorIs(t, err, errs.UploadIncomplete)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the reader's error is lost for the logs")
			e.mustBeEmpty(t)
		})
		t.Run("context cancelled mid-stream", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			body := io.MultiReader(bigPNG(200<<10), cancelReader{cancel}, bigPNG(200<<10))
			_, err := e.send(ctx, customer, &attachments.File{Name: "a.png", Body: body})
			require.ErrorIs(t, err, errs.Canceled)
			e.mustBeEmpty(t)
		})
		t.Run("listener cancels", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
				func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					return p, attachments.Cancel("not today")
				})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			require.ErrorIs(t, err, errs.Canceled)
			e.mustBeEmpty(t)
		})
		t.Run("listener panics", func(t *testing.T) {
			e := newEnv(t, envOptions{store: newStore()})
			_, _ = attachments.OnBefore(e.c.Registry(), attachments.SendMediaMessage,
				func(context.Context, attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					panic("scanner bug")
				})
			_, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
			require.ErrorIs(t, err, errs.ListenerPanic)
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
			require.ErrorIs(t, err, errs.InvalidPayload, "an unchecked file must not be sent")
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
	_, err := e.send(context.Background(), customer, &attachments.File{Name: "a.png", Body: bytes.NewReader(content)})
	require.NoError(t, err)
	assert.Equal(t, [][]byte{content, content}, reads, "each listener does not read the whole file")
	f := pngFile(t, "b.png")
	_, err = f.Open(context.Background())
	assert.ErrorIs(t, err, errs.InvalidArgument, "a file is open before the guard checked it")
	_, err = e.send(context.Background(), customer, f)
	require.NoError(t, err)
	_, err = e.send(context.Background(), customer, f)
	assert.ErrorIs(t, err, errs.InvalidPayload, "one File is sent twice")
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
				Attributes: map[string]any{"media": []attachments.Media{m}, "store": "own"},
			})
			return attachments.SendMediaMessageResult{Message: sent.Message, Media: []attachments.Media{m}}, err
		})
	require.NoError(t, err)
	res, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	assert.Contains(t, own, res.Media[0].SID, "the replacement did not store the file")
	msgs := e.chat.Messages(channel)
	require.Len(t, msgs, 1)
	require.Equal(t, "own", msgs[0].Attributes["store"], "the message is not the replacement's")
	m, err := msgs[0].Media()
	require.NoError(t, err)
	require.Len(t, m, 1, "the message does not carry the media")
	assert.Equal(t, res.Media[0].SID, m[0].SID)
	// The message took the staged file: the ledger records it as sent in
	// that message, so it is served and deleted with it.
	dl, err := download(e, agent, channel, msgs[0].SID)
	require.NoError(t, err, "the recipe's message should be downloadable")
	assert.Equal(t, res.Media[0].SID, dl.Media.SID)
	// Replacing where files go does not switch off validation.
	_, err = e.send(context.Background(), customer, &attachments.File{Name: "big.png", Body: bigPNG(2 << 20)})
	assert.ErrorIs(t, err, errs.FileTooLarge, "replacing where files go switched off validation")
	assert.Len(t, own, 1, "the replacement ran for a refused file")
}

func TestSendMessageWithMediaChecksThePolicy(t *testing.T) {
	off := attachments.DefaultConfig()
	off.Customer.FileAttachment.Enabled = false
	e := newEnv(t, envOptions{cfg: &off})
	media := []attachments.Media{{SID: attachments.NewMediaSID(), FileName: "a.png"}}
	_, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: channel, Sender: customer, Body: "a.png", Attributes: map[string]any{"media": media},
	})
	assert.ErrorIs(t, err, errs.AttachmentsDisabled, "media in a message's attributes dodge the policy")
	_, err = attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: channel, Sender: customer, Body: "hello",
	})
	assert.NoError(t, err, "plain text is refused where files are off")
}

func TestBlockedCustomerCannotSend(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// The customer sends an inappropriate file; the agent blocks them.
	_, err := e.send(ctx, customer, pngFile(t, "rude.png"))
	require.NoError(t, err)
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: customer, Target: agent.Identity})
	assert.ErrorIs(t, err, errs.PermissionDenied, "a customer blocked an agent")
	res, err := attachments.Invoke(ctx, e.c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: agent, Target: customer.Identity})
	require.NoError(t, err)
	require.Equal(t, attachments.RoleCustomer, res.Previous, "the block does not say what it replaced")
	_, err = e.send(ctx, customer, pngFile(t, "again.png"))
	assert.ErrorIs(t, err, errs.PermissionDenied, "a blocked customer sends a file")
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: customer, Body: "hi"})
	require.ErrorIs(t, err, errs.PermissionDenied, "a blocked customer sends text")
	assert.Contains(t, errs.As(err).Text(), "blocked", "the customer is not told they are blocked")
	assert.Len(t, e.chat.Messages(channel), 1, "only the message before the block may be in the chat")
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
				if i%10 == 0 {
					assert.Error(t, err, "sender %d's executable went through", i)
				} else {
					assert.NoError(t, err, "sender %d's picture was refused", i)
				}
			})
		}
		wg.Wait()
		assert.Len(t, e.chat.Messages(channel), 90, "one message per accepted file")
		media := 0
		for _, k := range e.keys(t) {
			if strings.HasPrefix(k, "media/") {
				media++
			}
		}
		assert.Equal(t, 90, media, "one media blob per message, none for refusals")
	})
}
