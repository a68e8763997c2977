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
// after the stall timeout; it cuts off a client slower than the minimum
// rate (see bodyRate); and it remembers whether the body was read to its
// end, so a refusal knows whether the connection can be kept.
type requestBody struct {
	r     io.ReadCloser
	rc    *http.ResponseController
	stall time.Duration
	next  time.Time // when to move the deadline again
	rate  bodyRate
	n     atomic.Int64
	eof   atomic.Bool
}

// bodyRate is the minimum rate a body must keep: need bytes within each
// window. A window ends early once its bytes are in, and the next begins,
// so a fast upload is never checked against its past and a client cannot
// bank a fast start to dribble later. need == 0: no minimum.
type bodyRate struct {
	need   int64
	window time.Duration
	end    time.Time // when the current window ends
	got    int64     // bytes in the current window
}

func newRequestBody(w http.ResponseWriter, r *http.Request, stall time.Duration, minRate int64, window time.Duration) *requestBody {
	b := &requestBody{r: r.Body, rc: http.NewResponseController(w), stall: stall}
	if minRate > 0 && window > 0 {
		b.rate = bodyRate{need: max(1, int64(float64(minRate)*window.Seconds())), window: window}
	}
	if r.ContentLength == 0 {
		b.eof.Store(true)
	}
	return b
}

// Read implements io.Reader.
func (b *requestBody) Read(p []byte) (int, error) {
	now := time.Now()
	if b.rate.need > 0 {
		switch {
		case b.rate.end.IsZero() || b.rate.got >= b.rate.need:
			// The first window starts with the first read, so a request
			// that waits its turn (a lock, a slow MemberFunc) is not
			// charged for the wait.
			b.rate.end, b.rate.got = now.Add(b.rate.window), 0
			b.next = time.Time{} // the deadline moves to the new window's end
		case now.After(b.rate.end):
			return 0, b.tooSlow()
		}
	}
	if b.stall > 0 && now.After(b.next) {
		// Moving the deadline on every 4 KiB read would cost a timer update
		// each; a quarter of the timeout is precise enough.
		d := now.Add(b.stall)
		if b.rate.need > 0 && b.rate.end.Before(d) {
			d = b.rate.end
		}
		_ = b.rc.SetReadDeadline(d)
		b.next = now.Add(b.stall / 4)
	}
	n, err := b.r.Read(p)
	b.n.Add(int64(n))
	b.rate.got += int64(n)
	if err == io.EOF {
		b.eof.Store(true)
	} else if err != nil && b.rate.need > 0 && b.rate.got < b.rate.need && !time.Now().Before(b.rate.end) {
		err = b.tooSlow()
	}
	return n, err
}

// tooSlow is the error of a body slower than the minimum rate. It also
// moves the read deadline to now: net/http reads what is left of a small
// body after the handler returns, and must not wait on a dribbling client
// to do it.
func (b *requestBody) tooSlow() error {
	_ = b.rc.SetReadDeadline(time.Now())
	return &errs.Error{Code: errs.UploadIncomplete, Op: "upload", Message: "the upload arrived too slowly"}
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
