// Package storage defines where media bytes live: a small Driver interface
// over blobs with metadata, and Bucket, the portable type the library and
// hosts use.
//
// The shape follows gocloud.dev/blob. A driver is a thin mapping onto its
// backend (memory, a local directory, an object store); Bucket sits on top and
// does every check once: keys, ranges, options, the closed state, and error
// codes. Drivers are opened as a *Bucket:
//
//	b := memory.New()
//	b, err := filesystem.Open(dir, nil)
//
// and a host with its own backend writes a Driver and calls NewBucket.
//
// # Driver or attachments.Store
//
// Write a Driver to give the library a backend it has no driver for: it
// then owns the bytes there, under its own keys (media, renditions, upload
// chunks), with ranges, metadata and listing, and Client.Check can compare
// it with the ledger. Write an attachments.Store instead when the host
// already keeps files its own way and the library should only hand over the
// files a message names, by media SID (Flex's "your own storage" recipe):
// three methods, no listing, no keys of the library's.
//
// The contract fits object storage, not only a disk: there is no rename and
// no append, and a blob appears whole or not at all. Optional capabilities,
// such as a native pre-signed URL, are small separate interfaces (SignedURLer)
// a driver may also implement. Every driver passes the conformance suite in
// storage/storagetest.
//
// # Keys
//
// Keys are the library's own, never a client's file name. A valid key is
// non-empty valid UTF-8 of at most 1024 bytes, with no control characters,
// not starting with "/", and with no "." or ".." segment between slashes.
// Empty segments ("a//b") and any other Unicode are allowed. Drivers must
// store any valid key faithfully; how they encode it is theirs.
//
// # Errors
//
// Bucket returns *errs.Error values: errs.NotFound for a missing key,
// errs.InvalidKey, errs.InvalidRange, errs.InvalidArgument for a nil reader
// or metadata CheckMetadata refuses, errs.Canceled (wrapping the context's
// error), errs.Closed after Close, and errs.Unavailable or errs.Internal
// (wrapping the driver's error) for anything else. When a Put's source
// fails, its error stays in the chain, and its code, if it has one, is the
// Put's: a size limit's errs.FileTooLarge comes through as such.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attachkit/attachments/errs"
)

// MaxKeyLen is the longest valid key, in bytes.
const MaxKeyLen = 1024

// Metadata describes a blob. The library fills it on Put; drivers store it
// alongside the bytes and return it from Get and Stat.
type Metadata struct {
	// ContentType is the MIME type, as sniffed by the library.
	ContentType string
	// FileName is the sanitised original file name, kept for downloads. It is
	// never used as, or in, a key.
	FileName string
	// Owner is the identity of the member who uploaded the blob.
	Owner string
	// Channel is the channel the blob was sent or staged in.
	Channel string
	// Extra holds free-form pairs. Keys must be 1 to 64 lower-case ASCII
	// letters, digits and '-', so that they survive object-store metadata
	// headers.
	Extra map[string]string
}

// MaxMetadataLen is the most bytes of Metadata a blob may carry: the lengths
// of its fields and of Extra's keys and values, added up. Object stores cap
// metadata (S3 at 2 KiB, after the driver's encoding), so every driver
// refuses more.
const MaxMetadataLen = 1024

// maxExtraKeyLen is the longest key of Metadata.Extra, in bytes.
const maxExtraKeyLen = 64

// CheckMetadata reports whether meta can be stored, as an
// errs.InvalidArgument error: Extra's keys are well formed and the whole is
// at most MaxMetadataLen bytes. The values themselves are free: a driver
// stores any bytes faithfully.
func CheckMetadata(meta Metadata) error {
	bad := func(why string) error {
		return &errs.Error{Code: errs.InvalidArgument, Op: "storage", Message: "invalid metadata: " + why}
	}
	n := len(meta.ContentType) + len(meta.FileName) + len(meta.Owner) + len(meta.Channel)
	for k, v := range meta.Extra {
		if k == "" || len(k) > maxExtraKeyLen || strings.TrimLeft(k, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return bad(fmt.Sprintf("extra key %q is not 1 to %d lower-case letters, digits and '-'", k, maxExtraKeyLen))
		}
		n += len(k) + len(v)
	}
	if n > MaxMetadataLen {
		return bad(fmt.Sprintf("%d bytes, more than %d", n, MaxMetadataLen))
	}
	return nil
}

// Info describes a stored blob.
type Info struct {
	Key  string
	Size int64
	// ETag identifies this version of the blob's content. Drivers return a
	// strong validator (a checksum or the backend's ETag), quoted or not.
	ETag    string
	ModTime time.Time
	// Metadata is set by Get, Stat and Put. List may leave it empty.
	Metadata Metadata
}

// Range selects bytes of a blob for Get.
//
// Offset is the first byte. A negative Offset selects a suffix: the last
// -Offset bytes (the whole blob when it is shorter). Length is the number of
// bytes; a negative Length reads to the end. A range that runs past the end is
// cut at the end, however far past (Length math.MaxInt64 reads to the end
// too); an Offset past the end is errs.InvalidRange, whatever the Length;
// Length 0 reads nothing.
type Range struct {
	Offset int64
	Length int64
}

// Page is one page of List results.
type Page struct {
	// Items are the blobs of this page, in ascending key order.
	Items []Info
	// Next is the token for the following page, or "" at the end.
	Next string
}

// Volatile is the capability of a Driver whose blobs last only as long as
// the process holding them, as package memory's do. The attachments Client
// looks for it: it lets volatile storage go with its default in-memory
// ledger, and refuses any other storage with that default, since the ledger
// would forget on restart the files the storage keeps.
type Volatile interface {
	// Volatile reports whether the driver's blobs are lost when the process
	// ends.
	Volatile() bool
}

// Driver is the interface a storage backend implements. Bucket calls it after
// its own checks, so a driver may assume that:
//
//   - every key is valid (see the package doc), and the context is not done
//     when the call starts;
//   - Get's offset is >= 0, and its length is >= 0 or -1 for "to the end",
//     and offset+length never overflows an int64;
//   - List's pageSize is > 0.
//
// A driver maps its own errors onto errs codes: a missing key must be
// errs.NotFound, an offset past the end errs.InvalidRange. Other errors may be
// returned as they are; Bucket wraps them.
//
// Every method must be safe for concurrent use.
type Driver interface {
	// Put stores the bytes read from r under key, replacing any blob there,
	// and returns the stored blob's info. r's length is not known in advance.
	//
	// Put must be atomic: no reader ever sees a partial blob, and a failed or
	// cancelled Put (an error from r, ctx done mid-way) leaves no blob and no
	// temporary residue, and the previous blob under key, if any, intact.
	// Put must not retain r or meta.Extra after it returns.
	Put(ctx context.Context, key string, r io.Reader, meta Metadata) (Info, error)

	// Get opens the blob for reading from offset, length bytes (-1: to the
	// end, cut at the end), and returns it with the whole blob's info. An
	// offset equal to the size yields an empty reader; greater is
	// errs.InvalidRange. The caller closes the reader.
	Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, Info, error)

	// Stat returns a blob's info.
	Stat(ctx context.Context, key string) (Info, error)

	// Delete removes a blob. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// List returns up to pageSize blobs whose keys start with prefix, in
	// ascending key order, starting after the position that token (from a
	// previous Page.Next, or "" for the start) names. It must not load every
	// key of the backend at once.
	List(ctx context.Context, prefix, token string, pageSize int) (Page, error)

	// Close releases the driver's resources.
	Close() error
}

// SignedURLer is the optional capability of a driver that can mint a native
// pre-signed URL, such as S3's, for downloading a blob without the library's
// own handler.
type SignedURLer interface {
	// SignedURL returns a URL that lets anyone holding it GET the blob until
	// opts.Expiry has passed.
	SignedURL(ctx context.Context, key string, opts SignedURLOptions) (string, error)
}

// SignedURLOptions are the options of a native signed URL.
type SignedURLOptions struct {
	// Expiry is how long the URL stays valid. It must be positive.
	Expiry time.Duration
	// ContentType and ContentDisposition, when set and the backend allows it,
	// override the response's headers.
	ContentType        string
	ContentDisposition string
}

// DefaultPageSize is the page size List uses.
const DefaultPageSize = 1000

// Bucket is the portable storage type. It wraps a Driver and does every check
// once: keys, ranges, the context, the closed state and error codes.
//
// A Bucket is safe for concurrent use. The zero value is not usable; open one
// with a driver's constructor or NewBucket.
type Bucket struct {
	d      Driver
	closed atomic.Bool
}

// NewBucket returns a Bucket over d. Driver packages call it from their
// constructors; a host with its own Driver calls it too.
func NewBucket(d Driver) *Bucket { return &Bucket{d: d} }

// Driver returns the driver under b, for type assertions on optional
// capabilities. Calls on it skip b's checks.
func (b *Bucket) Driver() Driver { return b.d }

// CheckKey reports whether key is valid, as an errs.InvalidKey error.
func CheckKey(key string) error {
	bad := func(why string) error {
		return &errs.Error{Code: errs.InvalidKey, Op: "storage", Message: "invalid storage key: " + why}
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > MaxKeyLen:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case key[0] == '/':
		return bad("starts with a slash")
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return bad("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." || seg == ".." {
			return bad(`contains a "." or ".." segment`)
		}
	}
	return nil
}

// canPrefix reports whether some valid key could start with prefix. A
// prefix may end inside a rune.
func canPrefix(prefix string) bool {
	if len(prefix) > MaxKeyLen || strings.HasPrefix(prefix, "/") {
		return false
	}
	for i := 0; i < len(prefix); {
		r, size := utf8.DecodeRuneInString(prefix[i:])
		if r == utf8.RuneError && size <= 1 {
			return !utf8.FullRuneInString(prefix[i:]) // the start of a rune, cut short
		}
		if unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}

func (b *Bucket) check(ctx context.Context, op, key string) error {
	if b.closed.Load() {
		return &errs.Error{Code: errs.Closed, Op: op}
	}
	if err := CheckKey(key); err != nil {
		e := err.(*errs.Error)
		e.Op = op
		return e
	}
	if err := ctx.Err(); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: op + " " + key, Err: err}
	}
	return nil
}

// wrap names op and key in a driver's error and gives it a code. The driver's
// own text stays in the cause, which is never meant for end users.
func wrap(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	where := op + " " + key
	if e := errs.As(err); e != nil {
		// A new error, never e changed in place: a driver may return one
		// shared error value, and the chain keeps its own context.
		return &errs.Error{Code: e.Code, Op: where, Message: e.Message, Details: e.Details, Err: err}
	}
	var c errs.Code
	if errors.As(err, &c) {
		return &errs.Error{Code: c, Op: where, Err: err}
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &errs.Error{Code: errs.Canceled, Op: where, Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Op: where, Err: err}
}

// Put stores the bytes read from r under key with meta. See Driver.Put for
// the guarantees: all or nothing, and nothing left behind on failure.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, meta Metadata) (Info, error) {
	if err := b.check(ctx, "put", key); err != nil {
		return Info{}, err
	}
	if r == nil {
		return Info{}, &errs.Error{Code: errs.InvalidArgument, Op: "put " + key, Message: "nil reader"}
	}
	if err := CheckMetadata(meta); err != nil {
		e := err.(*errs.Error)
		e.Op = "put " + key
		return Info{}, e
	}
	info, err := b.d.Put(ctx, key, r, meta)
	return info, wrap(ctx, "put", key, err)
}

// Get opens a blob, or the bytes rng selects (nil: the whole blob), and
// returns it with the whole blob's info. The caller closes the reader.
func (b *Bucket) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, Info{}, err
	}
	off, n := int64(0), int64(-1)
	if rng != nil {
		var err error
		if off, n, err = b.clamp(ctx, key, *rng); err != nil {
			return nil, Info{}, wrap(ctx, "get", key, err)
		}
	}
	rc, info, err := b.d.Get(ctx, key, off, n)
	if err != nil {
		return nil, Info{}, wrap(ctx, "get", key, err)
	}
	return rc, info, nil
}

// clamp turns rng into the offset and length a driver takes: an offset >= 0,
// and a length >= 0 or -1 for "to the end", whose sum never overflows, so
// that no driver (S3's computes offset+length-1) wraps around. Only a suffix
// costs a Stat: a length that would overflow runs past the end of any blob,
// which is what -1 says, so it needs no size.
func (b *Bucket) clamp(ctx context.Context, key string, rng Range) (off, n int64, err error) {
	off, n = rng.Offset, rng.Length
	if off < 0 {
		// A suffix needs the size first; object stores cannot all do it natively.
		info, err := b.d.Stat(ctx, key)
		if err != nil {
			return 0, 0, err
		}
		off = max(info.Size+off, 0) // Size >= 0 > off: the sum cannot overflow
		if n < 0 || n > info.Size-off {
			n = info.Size - off
		}
		return off, n, nil
	}
	if n < 0 || n > math.MaxInt64-off {
		n = -1
	}
	return off, n, nil
}

// Stat returns a blob's info.
func (b *Bucket) Stat(ctx context.Context, key string) (Info, error) {
	if err := b.check(ctx, "stat", key); err != nil {
		return Info{}, err
	}
	info, err := b.d.Stat(ctx, key)
	return info, wrap(ctx, "stat", key, err)
}

// Delete removes a blob. Deleting a missing key is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := b.check(ctx, "delete", key); err != nil {
		return err
	}
	err := b.d.Delete(ctx, key)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	return wrap(ctx, "delete", key, err)
}

// ListPage returns one page of blobs whose keys start with prefix; token is
// "" for the first page, then the previous page's Next. A pageSize <= 0 means
// DefaultPageSize.
func (b *Bucket) ListPage(ctx context.Context, prefix, token string, pageSize int) (Page, error) {
	if b.closed.Load() {
		return Page{}, &errs.Error{Code: errs.Closed, Op: "list"}
	}
	if err := ctx.Err(); err != nil {
		return Page{}, &errs.Error{Code: errs.Canceled, Op: "list " + prefix, Err: err}
	}
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	if !canPrefix(prefix) {
		return Page{}, nil // no valid key starts with it; spare the driver
	}
	p, err := b.d.List(ctx, prefix, token, pageSize)
	return p, wrap(ctx, "list", prefix, err)
}

// List returns an iterator over every blob whose key starts with prefix, in
// ascending key order. It fetches one page at a time, so it holds up under
// millions of keys. An error ends the iteration after it is yielded.
func (b *Bucket) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		token := ""
		for {
			p, err := b.ListPage(ctx, prefix, token, DefaultPageSize)
			if err != nil {
				yield(Info{}, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			token = p.Next
		}
	}
}

// SignedURL returns a native pre-signed URL for key when the driver
// implements SignedURLer, and an errs.Unsupported error otherwise.
func (b *Bucket) SignedURL(ctx context.Context, key string, opts SignedURLOptions) (string, error) {
	if err := b.check(ctx, "signedURL", key); err != nil {
		return "", err
	}
	s, ok := b.d.(SignedURLer)
	if !ok {
		return "", &errs.Error{Code: errs.Unsupported, Op: "signedURL " + key, Message: "the storage cannot sign URLs"}
	}
	if opts.Expiry <= 0 {
		return "", &errs.Error{Code: errs.InvalidArgument, Op: "signedURL " + key, Message: "expiry must be positive"}
	}
	u, err := s.SignedURL(ctx, key, opts)
	return u, wrap(ctx, "signedURL", key, err)
}

// CanSignURLs reports whether the driver implements SignedURLer.
func (b *Bucket) CanSignURLs() bool {
	_, ok := b.d.(SignedURLer)
	return ok
}

// Close closes the driver. Every later call fails with errs.Closed. Close is
// idempotent.
func (b *Bucket) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	return b.d.Close()
}
