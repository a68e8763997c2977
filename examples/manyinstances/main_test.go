package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/internal/pgtest"
	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/links"
)

var pg *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &pg)) }

// clock is an instance's own clock, which a test moves.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type fixture struct {
	a, b       *Instance
	clockA     *clock
	linksB     *httptest.Server // instance B's link server
	chat       *attachmentstest.Transport
	members    *attachmentstest.Members
	s3         *s3test.Server
	bucketName string
}

// start runs two instances on one PostgreSQL database and one S3 bucket,
// each with its own Client, database pool, bucket handle, link server and
// clock; the host's chat and directory are shared, as a host shares them.
func start(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{chat: &attachmentstest.Transport{}, members: &attachmentstest.Members{}, clockA: &clock{}}
	f.s3 = s3test.Start(t)
	f.bucketName = f.s3.CreateBucket(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	shared := Shared{
		DSN:     pg.DSN(pg.CreateDatabase(t)),
		Bucket:  f.s3.URL(f.bucketName),
		LinkKey: links.Key{ID: "k1", Secret: bytes.Repeat([]byte("s"), links.MinSecretLen)},
	}
	open := func(now func() time.Time) *Instance {
		i, err := Open(context.Background(), shared, f.chat, f.members, &attachments.Options{
			Logger: slog.New(slog.DiscardHandler), Now: now, SweepInterval: -1,
		})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, i.Close(context.Background())) })
		return i
	}
	f.a = open(f.clockA.now)
	f.b = open(time.Now)
	f.linksB = httptest.NewServer(f.b.Client.Links())
	t.Cleanup(f.linksB.Close)
	return f
}

func (f *fixture) join(t *testing.T, channel, identity string) attachments.Member {
	require.NoError(t, f.members.SetRole(context.Background(), channel, identity, attachments.RoleCustomer))
	return attachments.Member{Identity: identity}
}

// picture returns a distinct PNG for n.
func picture(t testing.TB, n int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	img.Set(0, 0, color.NRGBA{uint8(n), uint8(n >> 8), 7, 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func file(t testing.TB, n int) *attachments.File {
	b := picture(t, n)
	return &attachments.File{Name: fmt.Sprintf("photo-%d.png", n), Body: bytes.NewReader(b), Size: int64(len(b))}
}

func (f *fixture) fetch(t *testing.T, link string) []byte {
	t.Helper()
	resp, err := http.Get(f.linksB.URL + link)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "instance B must serve a link instance A minted")
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func TestDraftOnOneInstanceSentFromAnother(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	casey := f.join(t, "CH1", "casey")
	att, err := attachments.Invoke(ctx, f.a.Client.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: "CH1", Sender: casey, File: file(t, 1)})
	require.NoError(t, err)
	res, err := attachments.Invoke(ctx, f.b.Client.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: casey, FromDraft: true})
	require.NoError(t, err, "a draft attached on A must be sendable from B")
	assert.Equal(t, att.Media.SID, res.Media[0].SID)

	// A link minted by A is served by B.
	alex := attachments.Member{Identity: "alex"}
	require.NoError(t, f.members.SetRole(ctx, "CH1", "alex", attachments.RoleAgent))
	dl, err := attachments.Invoke(ctx, f.a.Client.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: "CH1", Requester: alex, MessageSID: res.Message.SID})
	require.NoError(t, err)
	assert.Equal(t, picture(t, 1), f.fetch(t, dl.Link.URL))
}

func TestASweepNeverDeletesAnotherInstancesLiveDraft(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	casey := f.join(t, "CH1", "casey")
	_, err := attachments.Invoke(ctx, f.b.Client.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: "CH1", Sender: casey, File: file(t, 1)})
	require.NoError(t, err)
	f.clockA.advance(50 * time.Minute) // within the hour a draft lives
	r, err := f.a.Client.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, r.Files, "A's sweep must leave B's live draft alone")
	d, err := f.b.Client.Draft(ctx, "CH1", casey)
	require.NoError(t, err)
	assert.Len(t, d.Files, 1)
	f.clockA.advance(20 * time.Minute) // now it has expired
	r, err = f.a.Client.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Files, "an expired draft is swept by whichever instance sweeps")
	objs, err := f.s3.Objects(ctx, f.bucketName)
	require.NoError(t, err)
	assert.Empty(t, objs)
}

func TestConcurrentSendsOnTwoInstances(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	const perInstance = 200
	senders := make([]attachments.Member, 2*perInstance)
	for i := range senders {
		senders[i] = f.join(t, fmt.Sprintf("CH%d", i%20), fmt.Sprintf("cust-%d", i))
	}
	// Sweeps run on both instances all along: they must take nothing.
	stop := make(chan struct{})
	var sweeps sync.WaitGroup
	var swept atomic.Int64
	for _, inst := range []*Instance{f.a, f.b} {
		sweeps.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := inst.Client.Sweep(ctx)
				assert.NoError(t, err)
				swept.Add(int64(r.Files))
			}
		})
	}
	var wg sync.WaitGroup
	results := make([]attachments.SendMediaMessageResult, len(senders))
	for i, s := range senders {
		inst := f.a
		if i >= perInstance {
			inst = f.b
		}
		wg.Go(func() {
			var err error
			results[i], err = attachments.Invoke(ctx, inst.Client.Registry(), attachments.SendMediaMessage,
				attachments.SendMediaMessagePayload{Channel: fmt.Sprintf("CH%d", i%20), Sender: s, File: file(t, i)})
			assert.NoError(t, err, "send %d", i)
		})
	}
	wg.Wait()
	close(stop)
	sweeps.Wait()
	assert.Zero(t, swept.Load(), "a sweep took a file being sent")

	// Nothing lost, nothing duplicated.
	seen := map[string]bool{}
	for i, r := range results {
		require.Len(t, r.Media, 1, "send %d", i)
		sid := r.Media[0].SID
		assert.False(t, seen[sid], "media %s sent twice", sid)
		seen[sid] = true
	}
	var msgs int
	for ch := range 20 {
		msgs += len(f.chat.Messages(fmt.Sprintf("CH%d", ch)))
	}
	assert.Equal(t, len(senders), msgs, "every send must be one message")
	sent, err := f.a.ledger.List(ctx, ledger.Query{States: []ledger.State{ledger.Sent}, Limit: 1000})
	require.NoError(t, err)
	assert.Len(t, sent, len(senders), "every file must be recorded as sent")
	objs, err := f.s3.Objects(ctx, f.bucketName)
	require.NoError(t, err)
	media := 0
	for _, k := range objs {
		if strings.HasPrefix(k, "media/") {
			media++
		}
	}
	assert.Equal(t, len(senders), media, "every file once in the bucket, and no orphan")
	rep, err := f.b.Client.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs)
	assert.Empty(t, rep.MissingBlobs)
	assert.Empty(t, rep.StuckSending)
	pending, err := f.s3.PendingUploads(ctx, f.bucketName)
	require.NoError(t, err)
	assert.Empty(t, pending)

	// A sample downloads, byte for byte, through the other instance.
	for _, i := range []int{0, perInstance - 1, perInstance, 2*perInstance - 1} {
		alex := attachments.Member{Identity: "alex"}
		ch := fmt.Sprintf("CH%d", i%20)
		require.NoError(t, f.members.SetRole(ctx, ch, "alex", attachments.RoleAgent))
		dl, err := attachments.Invoke(ctx, f.a.Client.Registry(), attachments.DownloadMedia,
			attachments.DownloadMediaPayload{Channel: ch, Requester: alex, MessageSID: results[i].Message.SID})
		require.NoError(t, err)
		assert.Equal(t, picture(t, i), f.fetch(t, dl.Link.URL), "send %d", i)
	}
}
