// Package filesystem is a storage driver that keeps blobs in a local
// directory, for a single server or a shared volume owned by one process.
//
//	b, err := filesystem.Open("/var/lib/attachkit", nil)
//
// Each blob is one file that holds its bytes, then its metadata and a
// checksum. A Put streams into a temporary file in the same directory tree,
// fsyncs it, and renames it into place, so a blob appears whole, with its
// metadata, or not at all; a failed or cancelled Put removes its temporary
// file, and one left by a crash is removed by the next Open. Temporary files
// live apart from the blobs and are never seen by Get or List.
//
// Keys are hex-encoded into a trie of directories that keeps key order, so
// List pages through the keys in order, one directory at a time, and that
// grows a level wherever a directory fills, so that no directory holds more
// than a few thousand files whatever the keys (see Options.MaxDirEntries).
//
// A blob's ETag is its CRC-32C (the checksum S3 and GCS offer for integrity),
// computed while it is written, with its size.
//
// A Get's reader is an io.WriterTo: written to an http.ResponseWriter, a
// socket or a file, it hands over the file itself, limited to the range, so
// the kernel copies the bytes (sendfile, copy_file_range) as it does for
// http.ServeContent of an *os.File.
//
// # Security
//
// No key can name a path outside the directory: keys become [0-9a-f] file
// names, never path elements of their own, and every file operation goes
// through an os.Root, so even a symbolic link planted inside the directory
// cannot lead out of it. Files are created with mode 0600 and directories
// with 0700: only the owning user can read the blobs.
//
// A directory belongs to one Bucket at a time: Open locks it (on Unix
// systems) and fails with errs.Unavailable while another Bucket, in this
// process or another, has it open.
//
// # Errors
//
// A missing key is errs.NotFound. A blob file that does not parse (changed
// behind the driver's back, or torn by a crash with NoSync) is errs.Internal,
// naming the key. Open returns errs.InvalidConfig for a directory that does
// not exist (unless Options.CreateDir) and errs.Unavailable for one in use.
// Every other failure of the file system (a full disk, a permission) comes
// through storage.Bucket as errs.Unavailable with the cause attached.
package filesystem

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"sync"
	"sync/atomic"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// DefaultMaxDirEntries is the default of Options.MaxDirEntries.
const DefaultMaxDirEntries = 4096

// copyBufferSize is the size of the buffer a Put copies through.
const copyBufferSize = 1 << 20

// Options are the optional settings of Open. A nil *Options means the zero
// value, and the zero value means the defaults.
type Options struct {
	// NoSync skips fsync. By default (false) every Put fsyncs the blob's file
	// and directory before it returns, and every Delete its directory, so a
	// blob that was stored survives a power cut. With NoSync a crash may lose
	// recent Puts and Deletes, though never tear a blob: a blob file that
	// did not reach the disk whole fails its checksum and reads as
	// errs.Internal.
	NoSync bool
	// CreateDir makes the directory, and its parents, when it does not
	// exist. By default (false) Open fails instead, so that a mistyped path
	// is not taken for an empty store.
	CreateDir bool
	// MaxDirEntries is how many entries a directory of the key trie holds
	// before new keys go a level deeper. The default is DefaultMaxDirEntries.
	MaxDirEntries int
}

// driver is the storage.Driver over a directory.
type driver struct {
	root     *os.Root
	lock     io.Closer // releases the directory's lock
	sync     bool
	dirLimit int
	// full holds the directories (relative paths) found to have dirLimit
	// entries: new keys go deeper than them.
	full sync.Map
	// puts counts Puts, to sample the size of the directories they write to.
	puts atomic.Uint64
	// stripes serialise the Puts and Deletes of a key against each other and
	// against its lookups, so that a lookup never falls between a Put's
	// rename and its removal of an older copy.
	stripes [64]sync.RWMutex
	bufs    sync.Pool // of *[]byte, copyBufferSize long
}

// Open returns a bucket that keeps its blobs in dir, which must exist unless
// opts.CreateDir is set. It removes the temporary files of Puts that a crash
// interrupted.
func Open(dir string, opts *Options) (*storage.Bucket, error) {
	const op = "filesystem.Open"
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxDirEntries < 0 {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "MaxDirEntries must not be negative"}
	}
	if o.CreateDir {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
		}
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "the storage directory does not exist", Err: err}
	}
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
	}
	d := &driver{root: root, sync: !o.NoSync, dirLimit: cmp.Or(o.MaxDirEntries, DefaultMaxDirEntries)}
	d.bufs.New = func() any { b := make([]byte, copyBufferSize); return &b }
	if d.lock, err = lockDir(root); err != nil {
		root.Close()
		if errors.Is(err, errLocked) {
			return nil, &errs.Error{Code: errs.Unavailable, Op: op, Message: "the storage directory is in use by another bucket", Err: err}
		}
		return nil, &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
	}
	if err := d.prepare(); err != nil {
		d.Close()
		return nil, &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
	}
	return storage.NewBucket(d), nil
}

// prepare makes the blobs and tmp directories and empties tmp of what a
// crash left.
func (d *driver) prepare() error {
	for _, dir := range []string{blobsDir, tmpDir} {
		if err := d.root.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	f, err := d.root.Open(tmpDir)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(1024)
		for _, name := range names {
			if err := d.root.RemoveAll(tmpDir + "/" + name); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Close implements storage.Driver. It releases the directory.
func (d *driver) Close() error {
	return errors.Join(d.root.Close(), d.lock.Close())
}

// stripe returns the lock of key's stripe.
func (d *driver) stripe(key string) *sync.RWMutex {
	return &d.stripes[crc32.Checksum([]byte(key), castagnoli)%uint32(len(d.stripes))]
}

// Put implements storage.Driver: it streams r into a temporary file,
// appends the metadata, fsyncs, and renames the file into place.
func (d *driver) Put(ctx context.Context, key string, r io.Reader, meta storage.Metadata) (info storage.Info, err error) {
	tmp, f, err := d.createTemp()
	if err != nil {
		return storage.Info{}, err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			d.root.Remove(tmp)
		}
	}()

	w := &checksumWriter{ctx: ctx, w: f}
	buf := d.bufs.Get().(*[]byte)
	_, err = copyFull(w, r, *buf)
	d.bufs.Put(buf)
	if err == nil {
		err = ctx.Err() // a source that needs no Write, such as an empty one
	}
	if err != nil {
		return storage.Info{}, err
	}
	if _, err := f.Write(appendTrailer(nil, w.crc, w.n, meta)); err != nil {
		return storage.Info{}, err
	}
	if d.sync {
		if err := f.Sync(); err != nil {
			return storage.Info{}, err
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return storage.Info{}, err
	}
	if err := f.Close(); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, err
	}
	committed = true
	dir, err := d.commit(key, tmp)
	if err != nil {
		d.root.Remove(tmp)
		return storage.Info{}, err
	}
	d.sample(dir)
	md := meta
	md.Extra = maps.Clone(meta.Extra)
	return storage.Info{Key: key, Size: w.n, ETag: etag(w.crc, w.n), ModTime: fi.ModTime(), Metadata: md}, nil
}

// createTemp creates a new, empty temporary file.
func (d *driver) createTemp() (string, *os.File, error) {
	var b [12]byte
	rand.Read(b[:])
	name := tmpDir + "/put-" + hex.EncodeToString(b[:])
	f, err := d.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	return name, f, err
}

// commit renames the temporary file tmp into key's place, removes any
// older copy of key left at a shallower level, and returns the directory it
// renamed into.
func (d *driver) commit(key, tmp string) (string, error) {
	mu := d.stripe(key)
	mu.Lock()
	defer mu.Unlock()
	spots, made, err := d.walk(hexKey(key), d.isFull)
	if err != nil {
		return "", err
	}
	if err := d.root.Rename(tmp, spots[0].path()); err != nil {
		return "", err
	}
	if d.sync {
		if err := d.syncDir(spots[0].dir); err != nil {
			return "", err
		}
		for i := len(made) - 1; i >= 0; i-- {
			if err := d.syncDir(parent(made[i])); err != nil {
				return "", err
			}
		}
	}
	return spots[0].dir, d.removeAll(spots[1:])
}

// isFull reports whether dir is known to be full.
func (d *driver) isFull(dir string) bool {
	_, ok := d.full.Load(dir)
	return ok
}

// sample counts the entries of dir, where a Put just wrote, about once in
// every dirLimit/64 Puts, and marks it full when it holds dirLimit.
func (d *driver) sample(dir string) {
	every := uint64(max(d.dirLimit/64, 1))
	if d.puts.Add(1)%every != 0 || d.isFull(dir) {
		return
	}
	if n, err := d.countEntries(dir, d.dirLimit); err == nil && n >= d.dirLimit {
		d.full.Store(dir, struct{}{})
	}
}

// removeAll removes the blob files at spots, those that exist, and makes
// the removals durable.
func (d *driver) removeAll(spots []spot) error {
	for _, s := range spots {
		err := d.root.Remove(s.path())
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if d.sync {
			if err := d.syncDir(s.dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// checksumWriter writes to w, computing the CRC-32C and length of what it
// writes, and fails once ctx is done.
type checksumWriter struct {
	ctx context.Context
	w   io.Writer
	crc uint32
	n   int64
}

// parallelCRC is the size from which checksumWriter computes a write's
// checksum on a second goroutine while the file system copies it, which
// hides the checksum's cost behind the write.
const parallelCRC = 256 << 10

func (c *checksumWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) < parallelCRC {
		n, err := c.w.Write(p)
		c.crc = crc32.Update(c.crc, castagnoli, p[:n])
		c.n += int64(n)
		return n, err
	}
	var wg sync.WaitGroup
	var crc uint32
	wg.Go(func() { crc = crc32.Update(c.crc, castagnoli, p) })
	n, err := c.w.Write(p)
	wg.Wait() // p is the caller's again only once both are done with it
	if n == len(p) {
		c.crc = crc
	} else {
		c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	}
	c.n += int64(n)
	return n, err
}

// Get implements storage.Driver.
func (d *driver) Get(_ context.Context, key string, offset, length int64) (io.ReadCloser, storage.Info, error) {
	f, info, err := d.openBlob(key)
	if err != nil {
		return nil, storage.Info{}, err
	}
	if offset > info.Size {
		f.Close()
		return nil, storage.Info{}, errs.InvalidRange
	}
	n := info.Size - offset
	if length >= 0 {
		n = min(n, length)
	}
	return &blobReader{SectionReader: io.NewSectionReader(f, offset, n), f: f, bufs: &d.bufs}, info, nil
}

// Stat implements storage.Driver.
func (d *driver) Stat(_ context.Context, key string) (storage.Info, error) {
	f, info, err := d.openBlob(key)
	if err != nil {
		return storage.Info{}, err
	}
	f.Close()
	return info, nil
}

// openBlob opens key's blob file and reads its info. The open file stays the
// blob it was, whatever Puts and Deletes follow.
func (d *driver) openBlob(key string) (*os.File, storage.Info, error) {
	mu := d.stripe(key)
	mu.RLock()
	f, err := d.open(hexKey(key))
	mu.RUnlock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, storage.Info{}, errs.NotFound
	}
	if err != nil {
		return nil, storage.Info{}, err
	}
	info, err := readInfo(f, true)
	if err != nil {
		f.Close()
		return nil, storage.Info{}, err
	}
	info.Key = key
	return f, info, nil
}

// Delete implements storage.Driver.
func (d *driver) Delete(_ context.Context, key string) error {
	mu := d.stripe(key)
	mu.Lock()
	defer mu.Unlock()
	spots, _, err := d.walk(hexKey(key), nil)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return d.removeAll(spots)
}
