package links

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// blobReader is an io.ReadSeeker over one version of a blob, for
// http.ServeContent.
//
// Seeking costs nothing: the reader opens a ranged Get lazily, at the
// position of the first Read after a seek, and streams from it, so each part
// of a multi-range response is one Get. A whole file or a single range goes
// through copyTo instead, as one Get of exactly the bytes sent. Nothing is
// buffered beyond the caller's buffer.
//
// Every Get must return the version that was statted (same ETag and size);
// if the blob was replaced mid-download, Read fails rather than splice two
// versions into one response.
//
// It holds the request's context because io.ReadSeeker has no place for one;
// it lives no longer than the request.
//
// Its methods lock mu: for a multipart response, ServeContent reads from a
// goroutine of its own that can outlive ServeContent when the client goes
// away, so Close may run while a Read is in flight; after Close, Read fails.
type blobReader struct {
	mu     sync.Mutex
	closed bool
	ctx    context.Context
	bucket *storage.Bucket
	info   storage.Info // the version being served

	pos   int64         // where the next Read reads
	rc    io.ReadCloser // the open Get, or nil
	rcPos int64         // where rc reads next
	err   error         // the first error Read returned, other than io.EOF
}

func newBlobReader(ctx context.Context, b *storage.Bucket, info storage.Info) *blobReader {
	return &blobReader{ctx: ctx, bucket: b, info: info}
}

// Seek sets where the next Read reads. It does no I/O.
func (r *blobReader) Seek(offset int64, whence int) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.info.Size
	default:
		return 0, errors.New("invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	r.pos = offset
	return offset, nil
}

// Read reads from the blob at the current position, opening a Get there when
// none is open at that position.
func (r *blobReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("read after close")
	}
	n, err := r.read(p)
	r.note(err)
	return n, err
}

func (r *blobReader) read(p []byte) (int, error) {
	remain := r.info.Size - r.pos
	if remain <= 0 {
		return 0, io.EOF
	}
	if r.rc != nil && r.rcPos != r.pos {
		r.closeGet()
	}
	if r.rc == nil {
		if err := r.openGet(-1); err != nil {
			return 0, err
		}
	}
	n, err := r.rc.Read(p[:min(int64(len(p)), remain)])
	r.advance(int64(n))
	if err == io.EOF && r.pos < r.info.Size {
		err = r.truncated()
	}
	return n, err
}

// copyTo copies the n bytes at the current position to w, from one Get of
// exactly that range, and returns how many it copied. It is how
// downloadWriter sends a single range or a whole file: the storage is asked
// for no more than is sent, and when its reader implements io.WriterTo it
// writes itself to w, the http.ResponseWriter itself (not downloadWriter),
// with no copy in between: the memory driver's writes its chunks, and the
// filesystem driver's hands the file to the ResponseWriter's ReadFrom, which
// sends it with sendfile(2). Otherwise copyTo copies with buf.
func (r *blobReader) copyTo(w io.Writer, n int64, buf []byte) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("read after close")
	}
	written, err := r.copy(w, n, buf)
	r.note(err)
	return written, err
}

func (r *blobReader) copy(w io.Writer, n int64, buf []byte) (int64, error) {
	n = min(n, r.info.Size-r.pos)
	if n <= 0 {
		return 0, nil
	}
	if r.rc != nil {
		r.closeGet()
	}
	if err := r.openGet(n); err != nil {
		return 0, err
	}
	var written int64
	var err error
	if wt, ok := r.rc.(io.WriterTo); ok {
		written, err = wt.WriteTo(w)
	} else {
		// writerOnly hides w's ReadFrom, which would ignore buf.
		written, err = io.CopyBuffer(writerOnly{w}, r.rc, buf)
	}
	r.advance(written)
	r.closeGet()
	if err == nil && written < n {
		err = r.truncated()
	}
	return written, err
}

// note keeps the first error other than io.EOF for Close to return, since
// http.ServeContent drops the errors it meets once the response has begun.
func (r *blobReader) note(err error) {
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
}

func (r *blobReader) advance(n int64) {
	r.pos += n
	r.rcPos = r.pos
}

func (r *blobReader) truncated() error {
	return &errs.Error{Code: errs.Unavailable, Op: "links: read " + r.info.Key, Err: io.ErrUnexpectedEOF}
}

// openGet opens a Get of length bytes (-1: to the end) at the current
// position, and checks that it reads the version being served.
func (r *blobReader) openGet(length int64) error {
	rc, info, err := r.bucket.Get(r.ctx, r.info.Key, &storage.Range{Offset: r.pos, Length: length})
	if err != nil {
		return err
	}
	if info.Size != r.info.Size || info.ETag != r.info.ETag {
		rc.Close()
		return &errs.Error{Code: errs.Unavailable, Op: "links: read " + r.info.Key,
			Message: "the file changed while it was being downloaded"}
	}
	r.rc, r.rcPos = rc, r.pos
	return nil
}

func (r *blobReader) closeGet() {
	r.rc.Close()
	r.rc = nil
}

// Close closes the open Get, if any, and returns the first error Read met
// other than io.EOF.
func (r *blobReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.rc != nil {
		r.closeGet()
	}
	return r.err
}
