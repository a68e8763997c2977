package httpapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
)

// requestBody is a request's body as the handlers read it. It moves the
// connection's read deadline forward while bytes arrive, so an upload may
// take as long as it needs while a client that stops sending is cut off
// after the stall timeout; and it remembers whether the body was read to
// its end, so a refusal knows whether the connection can be kept.
type requestBody struct {
	r     io.ReadCloser
	rc    *http.ResponseController
	stall time.Duration
	next  time.Time // when to move the deadline again
	n     atomic.Int64
	eof   atomic.Bool
}

func newRequestBody(w http.ResponseWriter, r *http.Request, stall time.Duration) *requestBody {
	b := &requestBody{r: r.Body, rc: http.NewResponseController(w), stall: stall}
	if r.ContentLength == 0 {
		b.eof.Store(true)
	}
	return b
}

// Read implements io.Reader.
func (b *requestBody) Read(p []byte) (int, error) {
	if b.stall > 0 {
		// Moving the deadline on every 4 KiB read would cost a timer update
		// each; a quarter of the timeout is precise enough.
		if now := time.Now(); now.After(b.next) {
			_ = b.rc.SetReadDeadline(now.Add(b.stall))
			b.next = now.Add(b.stall / 4)
		}
	}
	n, err := b.r.Read(p)
	b.n.Add(int64(n))
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// Close implements io.Closer.
func (b *requestBody) Close() error { return b.r.Close() }

// done reports whether the body was read to its end.
func (b *requestBody) done() bool { return b.eof.Load() }

// readError names a failure to read a request's body: too large, cut off
// (a dropped connection, a stall, a body that ends early) or malformed.
func readError(err error) error {
	if e := errs.As(err); e != nil {
		return e
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &errs.Error{Code: errs.FileTooLarge, Op: "upload", Message: "the request is too large",
			Details: errs.Details{Limit: tooBig.Limit}, Err: err}
	}
	var ne net.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne) || errors.Is(err, http.ErrBodyReadAfterClose) {
		return &errs.Error{Code: errs.UploadIncomplete, Op: "upload", Err: err}
	}
	return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the upload could not be read", Err: err}
}
