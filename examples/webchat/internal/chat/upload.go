package chat

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// Limits on the small form fields that may come before an upload's file.
const (
	maxFieldLen = 16 << 10
	maxFields   = 4
)

// drainTimeout bounds how long a refused upload's remaining body is read.
const drainTimeout = 30 * time.Second

// upload is a file arriving in a multipart request, and the form fields that
// came before it.
type upload struct {
	file   *attachments.File
	fields map[string]string
}

// readUpload reads a multipart request up to the start of its "file" part
// and returns that part as the file's Body, so the library streams the
// bytes from the network into storage as they arrive: the request is never
// parsed into memory or spooled to disk first. The fields before the file
// are small ones: "text", and "size", the size the page declares, which
// lets a file too large be refused before any of it is read.
//
// The body is bounded by s.maxUpload, a little above the largest file any
// side may send; the policy of the sender's side cuts a file off sooner.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, p Person) (*upload, error) {
	bad := func(msg string) error { return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: msg} }
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, bad("send the file as multipart/form-data")
	}
	up := &upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, bad("the request holds no file")
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FormName() == "file" {
			return up, s.startFile(r.Context(), p, up, part)
		}
		if len(up.fields) == maxFields {
			return nil, bad("the request has too many fields")
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldLen+1))
		if err != nil {
			return nil, uploadReadError(err)
		}
		if len(v) > maxFieldLen {
			return nil, bad("a form field is too long")
		}
		up.fields[part.FormName()] = string(v)
	}
}

// startFile makes part the upload's file, once the name, type and declared
// size pass the sender's policy.
func (s *Server) startFile(ctx context.Context, p Person, up *upload, part *multipart.Part) error {
	name := part.FileName()
	if name == "" {
		return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the file has no name"}
	}
	var size int64
	if v, ok := up.fields["size"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the declared size is not a size"}
		}
		size = n
	}
	ctype := part.Header.Get("Content-Type")
	if err := s.preflight(ctx, p, name, ctype, size); err != nil {
		return err
	}
	up.file = &attachments.File{Name: name, ContentType: ctype, Size: size, Body: part}
	return nil
}

// preflight checks what is known of a file before its bytes: that the
// person's side may send files, and its name, type and declared size.
func (s *Server) preflight(ctx context.Context, p Person, name, ctype string, size int64) error {
	if size < 0 {
		return &errs.Error{Code: errs.InvalidPayload, Message: "the declared size is not a size"}
	}
	return s.client.Preflight(ctx, Channel, p.Member, name, ctype, size)
}

// uploadReadError names a failure to read the request.
func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &errs.Error{Code: errs.FileTooLarge, Op: "upload", Message: "the request is too large",
			Details: errs.Details{Limit: tooBig.Limit}, Err: err}
	}
	return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the upload could not be read", Err: err}
}

// finishUpload reads what is left of an upload's body, up to its bound, so
// that the browser, which may still be sending when the file is refused,
// reads the answer rather than a reset connection. A client that sends
// slower than drainTimeout allows is cut off.
func finishUpload(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.Copy(io.Discard, r.Body)
}
