package links_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// patternDriver is a read-only storage.Driver over one generated blob of any
// size, so that a test can serve a gigabyte without storing one, count the
// Gets, and break a download half way.
type patternDriver struct {
	key    string
	size   int64
	period []byte

	gets    atomic.Int64 // Gets so far
	lastLen atomic.Int64 // the length the last Get asked for
	etag    atomic.Value // string: the ETag Get reports; Stat always reports "v1"
	failAt  int64        // when > 0, a Get's reader fails once past this offset
}

// newPatternDriver returns a driver with one blob of size bytes at key. When
// failAt > 0, its readers fail once past that offset.
func newPatternDriver(key string, size, failAt int64) *patternDriver {
	d := &patternDriver{key: key, size: size, failAt: failAt, period: newPeriod()}
	d.etag.Store(`"v1"`)
	return d
}

// patternPeriod is the period of the pattern, a prime, so that no power-of-two
// chunk lines up with it.
const patternPeriod = 4093

// patternByte is the byte at offset off of every pattern blob.
func patternByte(off int64) byte {
	x := off % patternPeriod
	return byte(x*7 + x>>3)
}

// fillPattern fills p with the pattern from offset off, a period at a time.
func fillPattern(p []byte, off int64, period []byte) {
	for n := 0; n < len(p); {
		n += copy(p[n:], period[(off+int64(n))%patternPeriod:])
	}
}

// newPeriod returns one period of the pattern.
func newPeriod() []byte {
	b := make([]byte, patternPeriod)
	for i := range b {
		b[i] = patternByte(int64(i))
	}
	return b
}

func (d *patternDriver) info() storage.Info {
	return storage.Info{Key: d.key, Size: d.size, ETag: `"v1"`,
		ModTime:  time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC),
		Metadata: storage.Metadata{ContentType: "video/mp4", FileName: "big.mp4"}}
}

func (d *patternDriver) Stat(_ context.Context, key string) (storage.Info, error) {
	if key != d.key {
		return storage.Info{}, errs.NotFound
	}
	return d.info(), nil
}

func (d *patternDriver) Get(_ context.Context, key string, off, n int64) (io.ReadCloser, storage.Info, error) {
	if key != d.key {
		return nil, storage.Info{}, errs.NotFound
	}
	if off > d.size {
		return nil, storage.Info{}, errs.InvalidRange
	}
	d.gets.Add(1)
	d.lastLen.Store(n)
	end := d.size
	if n >= 0 {
		end = min(off+n, d.size)
	}
	info := d.info()
	info.ETag = d.etag.Load().(string)
	return &patternReader{off: off, end: end, failAt: d.failAt, period: d.period}, info, nil
}

func (d *patternDriver) Put(context.Context, string, io.Reader, storage.Metadata) (storage.Info, error) {
	return storage.Info{}, errs.Unsupported
}
func (d *patternDriver) Delete(context.Context, string) error { return errs.Unsupported }
func (d *patternDriver) List(context.Context, string, string, int) (storage.Page, error) {
	return storage.Page{}, errs.Unsupported
}
func (d *patternDriver) Close() error { return nil }

// patternReader generates pattern bytes from off to end.
type patternReader struct {
	off, end, failAt int64
	period           []byte
	closed           bool
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errors.New("read after close")
	}
	if r.failAt > 0 && r.off > r.failAt {
		return 0, errors.New("disk on fire at /var/secret/blobs/x")
	}
	if r.off >= r.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.end-r.off)]
	fillPattern(p, r.off, r.period)
	r.off += int64(len(p))
	return len(p), nil
}

func (r *patternReader) Close() error { r.closed = true; return nil }

// signingDriver adds a fake native signed-URL capability to a driver and
// records what it was asked.
type signingDriver struct {
	storage.Driver
	mu  sync.Mutex
	got []storage.SignedURLOptions
}

func (d *signingDriver) SignedURL(_ context.Context, key string, opts storage.SignedURLOptions) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, opts)
	return fmt.Sprintf("https://bucket.example.com/%s?X-Expires=%d", key, int(opts.Expiry.Seconds())), nil
}

// lockedBuffer is a bytes.Buffer safe for a handler's logger to write while a
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
