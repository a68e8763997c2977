package otel

import (
	"context"
	"io"

	"github.com/attachkit/attachments/storage"
)

// Bucket returns a Bucket over b's driver with a span around each driver
// call (see Driver).
func (t *Tracing) Bucket(b *storage.Bucket) *storage.Bucket {
	return storage.NewBucket(t.Driver(b.Driver()))
}

// Driver returns d with a span around each call made inside a trace (see
// Ledger), named "storage." and the method, carrying the key and, for Put,
// the size stored. A Put's span lasts while it reads the file; a Get's ends
// when the blob is open, not when it has been read, so that the reader d
// returns reaches the caller as it is (an *os.File stays one, for
// sendfile). Optional capabilities (storage.SignedURLer) stay visible.
func (t *Tracing) Driver(d storage.Driver) storage.Driver {
	td := &tracedDriver{Driver: d, t: t}
	if s, ok := d.(storage.SignedURLer); ok {
		return &signingDriver{tracedDriver: td, s: s}
	}
	return td
}

type tracedDriver struct {
	storage.Driver
	t *Tracing
}

func (d *tracedDriver) Put(ctx context.Context, key string, r io.Reader, meta storage.Metadata) (info storage.Info, err error) {
	ctx, span := d.t.startChild(ctx, "storage.Put", StorageKeyKey.String(key))
	defer func() {
		span.SetAttributes(SizeKey.Int64(info.Size))
		endSpan(span, err)
	}()
	return d.Driver.Put(ctx, key, r, meta)
}

func (d *tracedDriver) Get(ctx context.Context, key string, offset, length int64) (_ io.ReadCloser, _ storage.Info, err error) {
	ctx, span := d.t.startChild(ctx, "storage.Get", StorageKeyKey.String(key))
	defer func() { endSpan(span, err) }()
	return d.Driver.Get(ctx, key, offset, length)
}

func (d *tracedDriver) Stat(ctx context.Context, key string) (_ storage.Info, err error) {
	ctx, span := d.t.startChild(ctx, "storage.Stat", StorageKeyKey.String(key))
	defer func() { endSpan(span, err) }()
	return d.Driver.Stat(ctx, key)
}

func (d *tracedDriver) Delete(ctx context.Context, key string) (err error) {
	ctx, span := d.t.startChild(ctx, "storage.Delete", StorageKeyKey.String(key))
	defer func() { endSpan(span, err) }()
	return d.Driver.Delete(ctx, key)
}

func (d *tracedDriver) List(ctx context.Context, prefix, token string, pageSize int) (_ storage.Page, err error) {
	ctx, span := d.t.startChild(ctx, "storage.List", StorageKeyKey.String(prefix))
	defer func() { endSpan(span, err) }()
	return d.Driver.List(ctx, prefix, token, pageSize)
}

// signingDriver is a tracedDriver over a driver that signs URLs.
type signingDriver struct {
	*tracedDriver
	s storage.SignedURLer
}

func (d *signingDriver) SignedURL(ctx context.Context, key string, opts storage.SignedURLOptions) (_ string, err error) {
	ctx, span := d.t.startChild(ctx, "storage.SignedURL", StorageKeyKey.String(key))
	defer func() { endSpan(span, err) }()
	return d.s.SignedURL(ctx, key, opts)
}
