// Package memory is a storage driver that keeps blobs in the process's
// memory: for tests, development and small deployments that can lose their
// files on restart.
//
// It is safe for concurrent use and never hands out its own buffers: Put
// copies what it reads, and Get reads from a blob that no later Put or
// Delete changes, so a reader opened before an overwrite reads the old blob
// to its end. A Put that fails or whose context is cancelled stores nothing.
//
// Keys are kept in a sorted index beside the map, so a List page costs a
// binary search plus the page, whatever the number of keys; adding or
// removing a key moves the index's tail, which is cheap up to a few million
// keys.
//
// # Errors
//
// The driver has no errors of its own beyond errs.NotFound and
// errs.InvalidRange; a failing source is returned as is, with its code if it
// has one, and a context cancelled mid-Put as the context's error. Package
// storage's Bucket gives every error its code.
package memory

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// Chunk sizes: a blob is stored as chunks that double from minChunk to
// maxChunk, so a small blob wastes little and a large one is never copied to
// grow.
const (
	minChunk = 1 << 10
	maxChunk = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// blob is one stored blob. It is never changed once stored.
type blob struct {
	chunks  [][]byte
	size    int64
	etag    string
	modTime time.Time
	meta    storage.Metadata
}

func (b *blob) info(key string) storage.Info {
	md := b.meta
	md.Extra = maps.Clone(md.Extra)
	return storage.Info{Key: key, Size: b.size, ETag: b.etag, ModTime: b.modTime, Metadata: md}
}

// driver is the storage.Driver over a map.
type driver struct {
	mu    sync.RWMutex
	blobs map[string]*blob // nil once closed
	keys  []string         // the keys of blobs, sorted
}

// New returns an empty in-memory bucket.
func New() *storage.Bucket {
	return storage.NewBucket(&driver{blobs: map[string]*blob{}})
}

// Put implements storage.Driver.
func (d *driver) Put(ctx context.Context, key string, r io.Reader, meta storage.Metadata) (storage.Info, error) {
	b, err := read(ctx, r)
	if err != nil {
		return storage.Info{}, err
	}
	b.meta = meta
	b.meta.Extra = maps.Clone(meta.Extra)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.blobs == nil {
		return storage.Info{}, errs.Closed
	}
	b.modTime = time.Now()
	if _, ok := d.blobs[key]; !ok {
		i, _ := slices.BinarySearch(d.keys, key)
		d.keys = slices.Insert(d.keys, i, key)
	}
	d.blobs[key] = b
	return b.info(key), nil
}

// read copies r into a new blob's chunks, checking ctx between reads.
func read(ctx context.Context, r io.Reader) (*blob, error) {
	b := &blob{}
	crc := uint32(0)
	chunk := make([]byte, 0, minChunk)
	for {
		if len(chunk) == cap(chunk) {
			b.chunks = append(b.chunks, chunk)
			chunk = make([]byte, 0, min(2*cap(chunk), maxChunk))
		}
		n, err := r.Read(chunk[len(chunk):cap(chunk)])
		crc = crc32.Update(crc, castagnoli, chunk[len(chunk):len(chunk)+n])
		chunk = chunk[:len(chunk)+n]
		b.size += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled during the last read
	}
	if len(chunk) > 0 {
		if len(chunk) < cap(chunk)/2 {
			chunk = slices.Clone(chunk) // do not keep a mostly empty chunk
		}
		b.chunks = append(b.chunks, chunk)
	}
	b.etag = fmt.Sprintf("%08x-%x", crc, b.size)
	return b, nil
}

func (d *driver) lookup(key string) (*blob, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.blobs == nil {
		return nil, errs.Closed
	}
	b, ok := d.blobs[key]
	if !ok {
		return nil, errs.NotFound
	}
	return b, nil
}

// Get implements storage.Driver.
func (d *driver) Get(_ context.Context, key string, offset, length int64) (io.ReadCloser, storage.Info, error) {
	b, err := d.lookup(key)
	if err != nil {
		return nil, storage.Info{}, err
	}
	if offset > b.size {
		return nil, storage.Info{}, errs.InvalidRange
	}
	n := b.size - offset
	if length >= 0 {
		n = min(n, length)
	}
	return newReader(b.chunks, offset, n), b.info(key), nil
}

// Stat implements storage.Driver.
func (d *driver) Stat(_ context.Context, key string) (storage.Info, error) {
	b, err := d.lookup(key)
	if err != nil {
		return storage.Info{}, err
	}
	return b.info(key), nil
}

// Delete implements storage.Driver.
func (d *driver) Delete(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.blobs == nil {
		return errs.Closed
	}
	if _, ok := d.blobs[key]; !ok {
		return nil
	}
	delete(d.blobs, key)
	i, _ := slices.BinarySearch(d.keys, key)
	d.keys = slices.Delete(d.keys, i, i+1)
	return nil
}

// List implements storage.Driver. The token is the last key of the previous
// page.
func (d *driver) List(_ context.Context, prefix, token string, pageSize int) (storage.Page, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.blobs == nil {
		return storage.Page{}, errs.Closed
	}
	start := max(prefix, token)
	i, found := slices.BinarySearch(d.keys, start)
	if found && start == token {
		i++ // the token's key was on the previous page
	}
	var p storage.Page
	for ; i < len(d.keys) && strings.HasPrefix(d.keys[i], prefix); i++ {
		if len(p.Items) == pageSize {
			p.Next = p.Items[len(p.Items)-1].Key
			break
		}
		k := d.keys[i]
		b := d.blobs[k]
		p.Items = append(p.Items, storage.Info{Key: k, Size: b.size, ETag: b.etag, ModTime: b.modTime})
	}
	return p, nil
}

// Close implements storage.Driver. It lets the blobs go.
// Volatile implements storage.Volatile: the blobs die with the process.
func (d *driver) Volatile() bool { return true }

func (d *driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.blobs, d.keys = nil, nil
	return nil
}
