package gocloud

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// DefaultPartSize is the part size a Put uploads in when Options.PartSize is
// not set: 5 MiB, the smallest part S3 accepts.
const DefaultPartSize = 5 << 20

// DefaultConcurrency is how many parts a Put uploads at once when
// Options.Concurrency is not set.
const DefaultConcurrency = 2

// cleanupTimeout bounds the calls that tidy up after a failed Put, which run
// even when the Put's context is done.
const cleanupTimeout = 30 * time.Second

// getAttempts is how often Get opens a blob that changes between opening
// it and reading its attributes (not on S3).
const getAttempts = 3

// Options are the optional settings of New and Open. A nil *Options means
// the zero value, and the zero value means the defaults.
type Options struct {
	// PartSize is the size in bytes of each part a Put uploads, and so of
	// each buffer it holds (S3 and Azure: a part or block; GCS: the one
	// upload chunk). Values below DefaultPartSize (5 MiB) are raised to it.
	// The default is DefaultPartSize.
	PartSize int
	// Concurrency is how many parts a Put uploads at once (S3 and Azure;
	// GCS uploads one chunk at a time). The default is DefaultConcurrency.
	Concurrency int
	// Backend, when set, returns the store's own Backend for the bucket,
	// or nil when the bucket is not that store's. Package
	// storage/gocloud/s3 sets it; the other stores need none.
	Backend func(bucket *blob.Bucket) Backend
}

// driver is the storage.Driver over a *blob.Bucket.
type driver struct {
	b           *blob.Bucket
	backend     Backend // the store's own, or nil
	partSize    int
	concurrency int
}

// New returns a *storage.Bucket that stores blobs in bucket. It takes
// ownership of bucket: closing the returned Bucket closes it.
//
// Open bucket with gocloud.dev/blob's OpenBucket or a driver package's own
// constructor, such as gcsblob.OpenBucket with a client of your making; an
// S3 bucket with storage/gocloud/s3's New.
func New(bucket *blob.Bucket, opts *Options) *storage.Bucket {
	var o Options
	if opts != nil {
		o = *opts
	}
	d := &driver{
		b:           bucket,
		partSize:    max(o.PartSize, DefaultPartSize),
		concurrency: cmp.Or(max(o.Concurrency, 0), DefaultConcurrency),
	}
	if o.Backend != nil {
		d.backend = o.Backend(bucket)
	}
	return storage.NewBucket(d)
}

// Open opens the bucket that urlstr names, such as
// "s3://media?region=eu-west-1", "gs://media" or "azblob://media", checks
// that it can be reached with the credentials at hand, and returns it as a
// *storage.Bucket. The scheme's gocloud.dev driver package must be imported
// by the program (see the package doc).
//
// A bucket that does not exist or refuses the credentials is an
// errs.InvalidConfig error, and so is an s3:// URL: S3 buckets open with
// storage/gocloud/s3's Open, which brings what S3 needs beyond gocloud.dev's
// portable API (see Backend).
func Open(ctx context.Context, urlstr string, opts *Options) (*storage.Bucket, error) {
	where := "the URL"
	scheme := ""
	if u, err := url.Parse(urlstr); err == nil {
		where = u.Scheme + "://" + u.Host // never the query: it may hold secrets
		scheme = u.Scheme
	}
	op := "open storage " + where
	if scheme == "s3" && (opts == nil || opts.Backend == nil) {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "open S3 buckets with package storage/gocloud/s3"}
	}
	b, err := blob.OpenBucket(ctx, urlstr)
	if err != nil {
		// gocloud's error quotes the whole URL.
		cause := errors.New(strings.ReplaceAll(err.Error(), urlstr, where))
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "the storage URL cannot be opened", Err: cause}
	}
	ok, err := b.IsAccessible(ctx)
	if err == nil && !ok {
		err = &errs.Error{Code: errs.InvalidConfig, Message: "the storage bucket does not exist"}
	}
	if err != nil {
		_ = b.Close()
		err = codeError(err)
		if errs.CodeOf(err) == errs.Internal {
			err = &errs.Error{Code: errs.Unavailable, Err: err}
		}
		e := errs.As(err)
		e.Op = op
		return nil, e
	}
	return New(b, opts), nil
}

// Put implements storage.Driver. It streams r through gocloud's blob.Writer,
// which uploads parts of PartSize, Concurrency at a time, and aborts the
// upload when r fails or ctx is done.
func (d *driver) Put(ctx context.Context, key string, r io.Reader, meta storage.Metadata) (storage.Info, error) {
	wopts, err := d.writerOptions(meta)
	if err != nil {
		return storage.Info{}, err
	}
	wctx, cancel := d.writeContext(ctx)
	defer cancel()
	src := &source{ctx: ctx, r: r}
	if d.backend == nil {
		// gocloud's other writers commit what they have on Close unless
		// their context is cancelled, so a failing r must cancel it.
		src.cancel = cancel
	}
	if d.backend != nil {
		wopts.BeforeWrite = func(as func(any) bool) error { return d.backend.TuneUpload(as, d.partSize, d.concurrency) }
	}
	if err := d.b.Upload(wctx, key, src, wopts); err != nil {
		if src.err != nil {
			return storage.Info{}, src.err
		}
		if cerr := ctx.Err(); cerr != nil {
			// The SDK's error need not wrap the context's.
			return storage.Info{}, &errs.Error{Code: errs.Canceled, Err: errors.Join(cerr, err)}
		}
		return storage.Info{}, codeError(err)
	}
	// The blob is stored, so a done ctx must not turn this into a failure.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer scancel()
	info, err := d.Stat(sctx, key)
	if err != nil || info.Size != src.n {
		// Gone or replaced already: report what this Put stored.
		return storage.Info{Key: key, Size: src.n, ModTime: time.Now(), Metadata: cloneMetadata(meta)}, nil
	}
	return info, nil
}

// writeContext returns the context a Put's writer runs with.
//
// Elsewhere than S3 that is ctx itself, cancelled also when the reader
// fails: gocloud's writers abort on a cancelled context.
//
// On S3 it is not cancelled when ctx is, for at most cleanupTimeout more.
// The transfer manager aborts a multipart upload as soon as the reader
// fails, which source makes it do when ctx is done; but a part request it
// cancels mid-flight is one the server may still be writing, and a part
// the server finishes after the abort brings the upload back, pending and
// billed (S3 documents it; versitygw does it). Left uncancelled, every part
// request in flight is answered before the abort is sent, so when Put
// returns its error no part and no upload is left.
func (d *driver) writeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.backend == nil {
		return context.WithCancel(ctx)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(cleanupTimeout) // a server that never answers
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cancel()
		}
	})
	return wctx, func() {
		stop()
		close(done)
		cancel()
	}
}

// source is the reader a Put uploads from. It counts the bytes, stops when
// ctx is done, and when r fails calls cancel, if set, so that a writer that
// aborts only on a cancelled context does not commit a partial blob.
type source struct {
	ctx    context.Context
	cancel context.CancelFunc
	r      io.Reader
	n      int64
	err    error // the first error from r other than io.EOF
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
		if s.cancel != nil {
			s.cancel()
		}
	}
	return n, err
}

// Get implements storage.Driver. On S3 one GET returns the bytes and the
// info together. Elsewhere the info comes from the blob's attributes, read
// after opening it, and Get tries again if the blob changed in between.
func (d *driver) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, storage.Info, error) {
	if length == 0 {
		return d.emptyRange(ctx, key, offset)
	}
	for attempt := 1; ; attempt++ {
		r, err := d.b.NewRangeReader(ctx, key, offset, length, nil)
		if err != nil {
			err = codeError(err)
			if errors.Is(err, errs.InvalidRange) {
				return d.emptyRange(ctx, key, offset) // S3 answers 416 at the end too
			}
			return nil, storage.Info{}, err
		}
		if d.backend != nil {
			if etag, contentType, md, ok := d.backend.ReaderInfo(r); ok {
				return r, storage.Info{Key: key, Size: r.Size(), ETag: etag, ModTime: r.ModTime(), Metadata: decodeMetadata(contentType, md)}, nil
			}
		}
		a, err := d.b.Attributes(ctx, key)
		switch {
		case err != nil:
			err = codeError(err)
		case r.Size() == a.Size && r.ModTime().Equal(a.ModTime):
			if offset > a.Size {
				err = invalidRange(a.Size)
				break
			}
			return r, infoOf(key, a), nil
		case attempt == getAttempts:
			err = errors.New("the blob kept changing while it was opened")
		default:
			_ = r.Close()
			continue
		}
		_ = r.Close()
		return nil, storage.Info{}, err
	}
}

// emptyRange answers a Get that reads no bytes: an empty reader at or before
// the end of the blob, errs.InvalidRange past it.
func (d *driver) emptyRange(ctx context.Context, key string, offset int64) (io.ReadCloser, storage.Info, error) {
	a, err := d.b.Attributes(ctx, key)
	if err != nil {
		return nil, storage.Info{}, codeError(err)
	}
	if offset > a.Size {
		return nil, storage.Info{}, invalidRange(a.Size)
	}
	return http.NoBody, infoOf(key, a), nil
}

func invalidRange(size int64) error {
	return &errs.Error{Code: errs.InvalidRange, Details: errs.Details{Size: size}}
}

// Stat implements storage.Driver.
func (d *driver) Stat(ctx context.Context, key string) (storage.Info, error) {
	a, err := d.b.Attributes(ctx, key)
	if err != nil {
		return storage.Info{}, codeError(err)
	}
	return infoOf(key, a), nil
}

// Delete implements storage.Driver.
func (d *driver) Delete(ctx context.Context, key string) error {
	return codeError(d.b.Delete(ctx, key))
}

// SignedURL implements storage.SignedURLer with the bucket's own signing
// (S3 pre-signed URLs, GCS and Azure signed URLs). ContentType and
// ContentDisposition are supported on S3 only; on other backends asking for
// them is an errs.Unsupported error. A bucket that cannot sign at all
// (memblob, fileblob without a URLSigner) gives errs.Unsupported too.
func (d *driver) SignedURL(ctx context.Context, key string, opts storage.SignedURLOptions) (string, error) {
	before := func(func(any) bool) error {
		if opts.ContentType == "" && opts.ContentDisposition == "" {
			return nil
		}
		// Rather than sign a URL that silently does not set them: the
		// caller then serves the download itself.
		return &errs.Error{Code: errs.Unsupported, Message: "this storage cannot set the headers of a signed URL"}
	}
	if d.backend != nil {
		before = d.backend.BeforeSign(opts.ContentType, opts.ContentDisposition)
	}
	u, err := d.b.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: opts.Expiry, BeforeSign: before})
	return u, codeError(err)
}

// List implements storage.Driver. It asks the bucket for one page; the page
// token is the bucket's own, base64-encoded.
func (d *driver) List(ctx context.Context, prefix, token string, pageSize int) (storage.Page, error) {
	pt := blob.FirstPageToken
	if token != "" {
		var err error
		pt, err = base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(pt) == 0 {
			return storage.Page{}, &errs.Error{Code: errs.InvalidArgument, Message: "invalid page token"}
		}
	}
	objs, next, err := d.b.ListPage(ctx, pt, pageSize, &blob.ListOptions{Prefix: prefix})
	if err != nil {
		return storage.Page{}, codeError(err)
	}
	p := storage.Page{Items: make([]storage.Info, 0, len(objs))}
	for _, o := range objs {
		if o.IsDir {
			continue
		}
		tag := ""
		if d.backend != nil {
			tag = d.backend.ListETag(o)
		}
		p.Items = append(p.Items, storage.Info{Key: o.Key, Size: o.Size, ETag: etag(tag, o.MD5), ModTime: o.ModTime})
	}
	if len(next) > 0 {
		p.Next = base64.RawURLEncoding.EncodeToString(next)
	}
	return p, nil
}

// Close implements storage.Driver. It closes the *blob.Bucket.
func (d *driver) Close() error {
	return d.b.Close()
}

// infoOf returns the Info of a blob from its attributes.
func infoOf(key string, a *blob.Attributes) storage.Info {
	return storage.Info{
		Key:      key,
		Size:     a.Size,
		ETag:     etag(a.ETag, a.MD5),
		ModTime:  a.ModTime,
		Metadata: decodeMetadata(a.ContentType, a.Metadata),
	}
}

// etag returns a blob's ETag: the quoted hex MD5 when the backend has one
// (S3's own ETag for a single-part upload), else the backend's ETag.
func etag(backend string, md5 []byte) string {
	if len(md5) > 0 {
		return `"` + hex.EncodeToString(md5) + `"`
	}
	return backend
}
