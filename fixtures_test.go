package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

var (
	customer   = attachments.Member{Identity: "cust-1"}
	agent      = attachments.Member{Identity: "agent-1"}
	supervisor = attachments.Member{Identity: "sup-1"}
	stranger   = attachments.Member{Identity: "cust-2"}
)

const channel = "CH1"

// env is a Client with its collaborators, for end-to-end tests.
type env struct {
	c       *attachments.Client
	store   *storage.Bucket
	chat    *attachmentstest.Transport
	members *attachmentstest.Members
	ledger  ledger.Ledger
	clock   *fakeClock
	links   *httptest.Server // serves c.Links() at the default link path
}

type envOptions struct {
	cfg       *attachments.Config
	store     *storage.Bucket
	transport attachments.Transport
	ledger    ledger.Ledger // default: a new in-memory ledger
	// channelTypes is the host's directory of channel types, whose
	// ChannelType method is Options.ChannelType: nil, every channel is web
	// chat.
	channelTypes channelTypeDirectory
}

// channelTypeDirectory is a host's directory of channel types.
type channelTypeDirectory interface {
	ChannelType(ctx context.Context, channel string) (attachments.ChannelType, error)
}

// drivers are the real storage drivers every end-to-end test runs against.
func drivers(t *testing.T) map[string]func() *storage.Bucket {
	return map[string]func() *storage.Bucket{
		"memory": memory.New,
		"filesystem": func() *storage.Bucket {
			b, err := filesystem.Open(t.TempDir(), nil)
			require.NoError(t, err, "the filesystem bucket cannot be opened")
			return b
		},
	}
}

// forEachDriver runs f once per storage driver.
func forEachDriver(t *testing.T, f func(t *testing.T, newStore func() *storage.Bucket)) {
	for name := range drivers(t) {
		t.Run(name, func(t *testing.T) { f(t, drivers(t)[name]) })
	}
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	cfg := attachments.DefaultConfig()
	if o.cfg != nil {
		cfg = *o.cfg
	}
	e := &env{
		store:   o.store,
		chat:    &attachmentstest.Transport{},
		members: &attachmentstest.Members{},
		ledger:  ledgermemory.New(),
		clock:   &fakeClock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)},
	}
	if e.store == nil {
		e.store = memory.New()
	}
	if o.ledger != nil {
		e.ledger = o.ledger
	}
	var transport attachments.Transport = e.chat
	if o.transport != nil {
		transport = o.transport
	}
	ctx := context.Background()
	_ = e.members.SetRole(ctx, channel, customer.Identity, attachments.RoleCustomer)
	_ = e.members.SetRole(ctx, channel, agent.Identity, attachments.RoleAgent)
	_ = e.members.SetRole(ctx, "", supervisor.Identity, attachments.RoleSupervisor)
	_ = e.members.SetRole(ctx, "CH2", stranger.Identity, attachments.RoleCustomer)
	opts := &attachments.Options{Storage: e.store, Ledger: e.ledger, Now: e.clock.Now, Logger: discardLogger()}
	if o.channelTypes != nil {
		opts.ChannelType = o.channelTypes.ChannelType
	}
	c, err := attachments.New(cfg, transport, e.members, opts)
	require.NoError(t, err, "the test Client cannot be made")
	e.c = c
	mux := http.NewServeMux()
	mux.Handle("/attachments/dl/", c.Links())
	e.links = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.links.Close()
		_ = c.Close(context.Background())
		_ = e.store.Close()
	})
	return e
}

// keys lists every key in storage: what a failed action must not leave.
func (e *env) keys(t testing.TB) []string {
	t.Helper()
	var out []string
	for info, err := range e.store.List(context.Background(), "") {
		require.NoError(t, err, "storage cannot be listed")
		out = append(out, info.Key)
	}
	return out
}

func (e *env) mustBeEmpty(t *testing.T) {
	t.Helper()
	assert.Empty(t, e.keys(t), "storage holds files that should have gone: something was left behind")
}

// fetch GETs a download link's URL from the link server.
func (e *env) fetch(t *testing.T, link string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(e.links.URL + link)
	require.NoError(t, err, "the download link cannot be fetched")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *env) send(ctx context.Context, from attachments.Member, f *attachments.File) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: from, File: f})
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pngBytes returns a genuine PNG of w×h pixels.
func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img), "the test PNG cannot be encoded")
	return buf.Bytes()
}

// pngFile is a PNG file as a client would send it.
func pngFile(t testing.TB, name string) *attachments.File {
	b := pngBytes(t, 8, 8)
	return &attachments.File{Name: name, ContentType: "image/png", Size: int64(len(b)), Body: bytes.NewReader(b)}
}

// bigPNG streams a PNG header followed by n-8 filler bytes, never held whole.
func bigPNG(n int64) io.Reader {
	return io.MultiReader(strings.NewReader("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), io.LimitReader(zeros{}, n-16))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// peLike is the start of a Windows executable.
func peLike() []byte {
	b := make([]byte, 512)
	copy(b, "MZ\x90\x00")
	copy(b[0x3c:], []byte{0x80, 0, 0, 0})
	copy(b[0x80:], "PE\x00\x00")
	return b
}

// failingReader yields n bytes of a PNG, then fails, like a client that
// stops sending half way.
type failingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// faultyDriver fails a Put once it has read failAfter bytes of its Nth call
// (counting from 1), like a disk or network that gives out half way.
type faultyDriver struct {
	storage.Driver
	failOn    int64
	failAfter int64
	puts      atomic.Int64
	deletes   atomic.Bool // when set, Delete fails
}

var errDisk = errors.New("disk on fire")

func (d *faultyDriver) Put(ctx context.Context, key string, r io.Reader, meta storage.Metadata) (storage.Info, error) {
	if d.puts.Add(1) == d.failOn {
		r = &failingReader{r: r, n: d.failAfter, err: errDisk}
	}
	return d.Driver.Put(ctx, key, r, meta)
}

func (d *faultyDriver) Delete(ctx context.Context, key string) error {
	if d.deletes.Load() {
		return errDisk
	}
	return d.Driver.Delete(ctx, key)
}

// faultyTransport refuses every message.
type faultyTransport struct{ attachmentstest.Transport }

func (*faultyTransport) Send(context.Context, attachments.Message) (attachments.Message, error) {
	return attachments.Message{}, errors.New("chat service down")
}

func code(err error) errs.Code { return errs.CodeOf(err) }
