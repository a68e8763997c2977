package gocloud_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/storage"
	s3store "github.com/attachkit/attachments/storage/gocloud/s3"
)

// pattern is an endless stream of pseudo-random bytes that a test can
// reproduce, so that uploads of any size need no memory.
type pattern struct{ r *rand.ChaCha8 }

func newPattern(seed byte) io.Reader { return pattern{rand.NewChaCha8([32]byte{seed})} }

func (p pattern) Read(b []byte) (int, error) { return p.r.Read(b) }

// interrupted serves r, and once it has served at bytes calls stop, which
// either fails the reader from then on (it returns the error) or cancels a
// context (it returns nil: the reader goes on serving, and the Put must stop
// on its own).
type interrupted struct {
	r    io.Reader
	at   int64
	n    int64
	stop func() error
	err  error
}

func (i *interrupted) Read(p []byte) (int, error) {
	if i.n >= i.at && i.stop != nil {
		i.err, i.stop = i.stop(), nil
	}
	if i.err != nil {
		return 0, i.err
	}
	if i.stop != nil && int64(len(p)) > i.at-i.n {
		p = p[:i.at-i.n]
	}
	n, err := i.r.Read(p)
	i.n += int64(n)
	return n, err
}

// TestPutAbortsAndLeavesNothing: a Put whose reader fails, or whose context
// is cancelled, half way through a 64 MiB multipart upload or a small
// single-part one, leaves no object and no pending multipart upload behind,
// and the blob it was replacing intact.
func TestPutAbortsAndLeavesNothing(t *testing.T) {
	srv := s3test.Start(t)
	old := []byte("the previous version")
	readerErr := errors.New("client went away")
	tests := []struct {
		name     string
		at       int64 // bytes served before the failure
		cancel   bool  // cancel the context, else fail the reader
		wantCode errs.Code
	}{
		{"reader fails in the first part", 1 << 10, false, errs.Unavailable},
		{"reader fails in a multipart upload", 40 << 20, false, errs.Unavailable},
		{"cancelled in the first part", 1 << 10, true, errs.Canceled},
		{"cancelled 64 MiB multipart upload", 40 << 20, true, errs.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newS3Bucket(t, srv, nil)
			if _, err := b.Put(context.Background(), "media/m", bytes.NewReader(old), storage.Metadata{ContentType: "text/plain"}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &interrupted{r: io.LimitReader(newPattern(1), 64<<20), at: tt.at}
			src.stop = func() error {
				if tt.cancel {
					cancel()
					return nil
				}
				return readerErr
			}
			_, err := b.Put(ctx, "media/m", src, storage.Metadata{ContentType: "application/pdf"})
			if got := errs.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Put error = %v (code %q), want code %q", err, got, tt.wantCode)
			}
			if want := map[bool]error{false: readerErr, true: context.Canceled}[tt.cancel]; !errors.Is(err, want) {
				t.Errorf("Put error = %v, want it to wrap %v", err, want)
			}
			if got, want := b.residue(t), []string{"media/m"}; !slices.Equal(got, want) {
				t.Errorf("bucket holds %q, want only %q: no new object, no pending upload", got, want)
			}
			rc, _, err := b.Get(context.Background(), "media/m", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if got, _ := io.ReadAll(rc); !bytes.Equal(got, old) {
				t.Errorf("previous blob reads %q, want %q", got, old)
			}
		})
	}
}

// TestPutMultipart: a blob larger than a part goes up in parts and comes back
// byte for byte, with its metadata.
func TestPutMultipart(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	ctx := context.Background()
	const size = 23<<20 + 7 // past the SDK's 16 MiB threshold, with a short last part
	meta := storage.Metadata{ContentType: "video/mp4", FileName: "clip.mp4", Owner: "agent-1", Channel: "CH1"}
	info, err := b.Put(ctx, "big", io.LimitReader(newPattern(2), size), meta)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size || info.ETag == "" || info.Metadata.FileName != "clip.mp4" {
		t.Errorf("Put info = %+v, want size %d, an ETag and the metadata", info, size)
	}
	rc, got, err := b.Get(ctx, "big", &storage.Range{Offset: size - 10, Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tail, _ := io.ReadAll(rc)
	want, _ := io.ReadAll(io.LimitReader(newPattern(2), size))
	if !bytes.Equal(tail, want[size-10:]) {
		t.Errorf("last 10 bytes = %x, want %x", tail, want[size-10:])
	}
	if got.ETag != info.ETag || got.Size != size {
		t.Errorf("Get info = %+v, want ETag %s and size %d as Put said", got, info.ETag, size)
	}
	if r := b.residue(t); !slices.Equal(r, []string{"big"}) {
		t.Errorf("bucket holds %q, want only the blob", r)
	}
}

// partWatch is an HTTP transport that holds each UploadPart request until
// the Put's source has failed, then sends it, and counts the part requests
// the client gave up on before the server answered: a server may still be
// writing such a part, and one it finishes after the abort brings the
// upload back (versitygw's posix backend recreates the upload's directory).
type partWatch struct {
	base      http.RoundTripper
	held      chan struct{} // closed when the first part is held
	heldOnce  sync.Once
	failed    chan struct{} // closed by the test when the source fails
	abandoned atomic.Int32
}

func (w *partWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPut || !req.URL.Query().Has("partNumber") {
		return w.base.RoundTrip(req)
	}
	w.heldOnce.Do(func() { close(w.held) })
	select {
	case <-w.failed:
	case <-req.Context().Done():
	}
	resp, err := w.base.RoundTrip(req)
	if err != nil && req.Context().Err() != nil {
		w.abandoned.Add(1)
	}
	return resp, err
}

// TestPutAnswersPartsInFlightBeforeItFails: when a multipart Put fails with
// parts in flight, it waits for the server's answer to each before it
// aborts, so no part lands after the abort and Put returns with nothing
// left behind. The source fails only once a part request is in flight.
func TestPutAnswersPartsInFlightBeforeItFails(t *testing.T) {
	srv := s3test.Start(t)
	for _, cancelCtx := range []bool{false, true} {
		name := map[bool]string{false: "reader fails", true: "cancelled"}[cancelCtx]
		t.Run(name, func(t *testing.T) {
			watch := &partWatch{base: http.DefaultTransport, held: make(chan struct{}), failed: make(chan struct{})}
			client := s3.New(srv.Client().Options(), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: watch} })
			bucketName := srv.CreateBucket(t)
			b := s3Bucket{srv: srv, name: bucketName, Bucket: s3store.New(srv.OpenBucket(t, client, bucketName), nil)}
			t.Cleanup(func() { _ = b.Close() })

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			readerErr := errors.New("client went away")
			src := &interrupted{r: io.LimitReader(newPattern(3), 64<<20), at: 12 << 20} // in the third 5 MiB part
			src.stop = func() error {
				<-watch.held
				defer close(watch.failed)
				if cancelCtx {
					cancel()
					return nil
				}
				return readerErr
			}
			_, err := b.Put(ctx, "media/m", src, storage.Metadata{ContentType: "application/pdf"})
			require.Error(t, err, "a Put whose source failed reports success")
			assert.Zero(t, watch.abandoned.Load(), "Put gave up on part requests the server had not answered: they may land after the abort")
			assert.Empty(t, b.residue(t), "a failed Put left an object or a pending upload behind")
		})
	}
}
