package links

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
)

// contentSecurityPolicy forbids everything a served file could try: no
// script, no subresources, no plugins, and a sandbox with an opaque origin.
const contentSecurityPolicy = "default-src 'none'; sandbox"

// maxRanges is the most ranges a request may ask for. The handler ignores a
// Range header with more and sends the whole file (RFC 9110 section 14.2
// allows it), so that many tiny ranges cannot each cost a storage Get.
const maxRanges = 16

// copyBufSize is the buffer a download is copied with: large enough that a
// gigabyte takes a few thousand read and write calls, not tens of thousands.
const copyBufSize = 256 << 10

// ServeHTTP serves the blob a link names. It answers GET and HEAD, with
// ranges (206, multipart/byteranges, 416) and conditional requests (ETag,
// If-None-Match, Last-Modified, If-Range) as http.ServeContent does, streaming
// from the storage's ranged Get. Other methods get 405.
//
// A missing, malformed, tampered, expired, unknown-key or other-member link
// gets 403, a blob that is gone 404, and a storage failure 503 or 500. Error
// bodies are the bare status text: no reason, key or path. See the package
// doc for the headers every response carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, nil)
		return
	}

	token := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	member := ""
	if s.opts.MemberOf != nil {
		member = s.opts.MemberOf(r)
	}
	c, err := s.signer.Verify(token, member)
	if err != nil {
		s.fail(w, r, http.StatusForbidden, err)
		return
	}
	info, err := s.bucket.Stat(r.Context(), c.Media)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}

	ctype, disp := present(info.Metadata.ContentType, c.Disposition)
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(disp, info.Metadata.FileName))
	maxAge := max(c.Expires.Sub(s.signer.now())/time.Second, 0)
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(int64(maxAge), 10))
	if etag := entityTag(info.ETag); etag != "" {
		h.Set("ETag", etag)
	}
	if rg := r.Header.Get("Range"); strings.Count(rg, ",") >= maxRanges {
		r = r.Clone(r.Context())
		r.Header.Del("Range")
	}

	br := newBlobReader(r.Context(), s.bucket, info)
	cw := &downloadWriter{ResponseWriter: w, bufs: &s.bufs}
	http.ServeContent(cw, r, "", info.ModTime, br)
	if err := br.Close(); err != nil {
		// The response has begun; all that is left is to cut it short,
		// which ServeContent did, and to say why.
		s.log(r, cw.status, err)
	}
}

// fail answers with a bare status text, uncacheable, and logs err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(status), status)
	if err != nil {
		s.log(r, status, err)
	}
}

func (s *Server) log(r *http.Request, status int, err error) {
	if s.opts.Logger == nil {
		return
	}
	level := slog.LevelInfo
	if (status >= 500 || status < 400) && !errors.Is(err, errs.Canceled) {
		// A server fault, or a download that broke after it began, for
		// another reason than the client going away.
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.Int("status", status),
		slog.String("code", string(errs.CodeOf(err))),
		slog.String("error", err.Error()),
	}
	if e := errs.As(err); e != nil && e.Details.Reason != "" {
		attrs = append(attrs, slog.String("reason", e.Details.Reason))
	}
	s.opts.Logger.LogAttrs(r.Context(), level, "links: download refused or failed", attrs...)
}

// statusOf maps a storage error to a status whose text gives nothing away.
func statusOf(err error) int {
	switch errs.CodeOf(err) {
	case errs.NotFound, errs.InvalidKey:
		return http.StatusNotFound
	case errs.Unavailable, errs.Closed, errs.Canceled:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// entityTag returns a storage ETag as a valid HTTP entity-tag (RFC 9110
// section 8.8.3), quoting it if the driver did not, or "" when it cannot be
// one.
func entityTag(etag string) string {
	weak := strings.HasPrefix(etag, "W/")
	opaque := strings.TrimPrefix(etag, "W/")
	if len(opaque) >= 2 && opaque[0] == '"' && opaque[len(opaque)-1] == '"' {
		opaque = opaque[1 : len(opaque)-1]
	}
	if opaque == "" {
		return ""
	}
	for i := 0; i < len(opaque); i++ {
		if c := opaque[i]; c <= 0x20 || c == '"' || c == 0x7f {
			return ""
		}
	}
	if weak {
		return `W/"` + opaque + `"`
	}
	return `"` + opaque + `"`
}

// downloadWriter wraps the handler's ResponseWriter for http.ServeContent. It
// makes ServeContent's own error answers (412, 416) like the handler's,
// uncacheable and with no Content-Disposition, and it takes over the copy of
// the body (ServeContent's io.CopyN calls ReadFrom), where net/http would read
// 32 KiB at a time from an open-ended Get.
type downloadWriter struct {
	http.ResponseWriter
	bufs   *sync.Pool // of *[]byte, copyBufSize long
	status int
}

func (w *downloadWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		if status >= 400 {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Del("Content-Disposition")
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *downloadWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom copies src to the response. ServeContent sends a whole file or a
// single range as an *io.LimitedReader over the blobReader: that goes through
// blobReader.copyTo. Anything else (a multipart body) is copied with a pooled
// copyBufSize buffer.
func (w *downloadWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	bp := w.bufs.Get().(*[]byte)
	defer w.bufs.Put(bp)
	if lr, ok := src.(*io.LimitedReader); ok {
		if br, ok := lr.R.(*blobReader); ok {
			n, err := br.copyTo(w.ResponseWriter, lr.N, *bp)
			lr.N -= n
			return n, err
		}
	}
	return io.CopyBuffer(writerOnly{w.ResponseWriter}, src, *bp)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *downloadWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type writerOnly struct{ io.Writer }
