package links_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// mapDriver stands in for storage/memory until that driver lands.
type mapDriver struct {
	mu    sync.Mutex
	blobs map[string]mapBlob
}

type mapBlob struct {
	data []byte
	info storage.Info
}

func (d *mapDriver) Put(_ context.Context, key string, r io.Reader, meta storage.Metadata) (storage.Info, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return storage.Info{}, err
	}
	sum := sha256.Sum256(b)
	info := storage.Info{Key: key, Size: int64(len(b)), ETag: hex.EncodeToString(sum[:8]), ModTime: time.Now().Truncate(time.Second), Metadata: meta}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.blobs == nil {
		d.blobs = map[string]mapBlob{}
	}
	d.blobs[key] = mapBlob{b, info}
	return info, nil
}

func (d *mapDriver) Get(_ context.Context, key string, off, n int64) (io.ReadCloser, storage.Info, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.blobs[key]
	if !ok {
		return nil, storage.Info{}, errs.NotFound
	}
	if off > int64(len(b.data)) {
		return nil, storage.Info{}, errs.InvalidRange
	}
	end := int64(len(b.data))
	if n >= 0 {
		end = min(end, off+n)
	}
	return io.NopCloser(bytes.NewReader(b.data[off:end])), b.info, nil
}

func (d *mapDriver) Stat(_ context.Context, key string) (storage.Info, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.blobs[key]
	if !ok {
		return storage.Info{}, errs.NotFound
	}
	return b.info, nil
}

func (d *mapDriver) Delete(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.blobs, key)
	return nil
}

func (d *mapDriver) List(context.Context, string, string, int) (storage.Page, error) {
	return storage.Page{}, errs.Unsupported
}

func (d *mapDriver) Close() error { return nil }
