package httpapi

import (
	"io"
	"mime/multipart"
	"strconv"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// Limits on the small form fields that may come before an upload's file.
const (
	maxFieldLen = 16 << 10
	maxFields   = 4
)

// upload is a file arriving in a multipart request, and the form fields
// that came before it.
type upload struct {
	file   *attachments.File
	fields map[string]string
	size   int64 // the declared size, 0 when unknown
}

// readUpload reads a multipart/form-data body, as a stream, up to the start
// of its file part, and returns that part as the File's Body, so the action
// streams the bytes from the network into storage as they arrive: nothing
// is spooled to disk or held in memory. The fields before the file are
// small ones: "text", and "size", the file's size as the client declares
// it, so a file too large is refused before its first byte is read. A
// form's fields must come before its file; the request holds exactly one
// file, in the field "file".
//
// The file's name, type and declared size pass c.Preflight before any of
// its bytes are read.
func (h *Handler) readUpload(c *call) (*upload, error) {
	bad := func(msg string) error { return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: msg} }
	mr, err := c.r.MultipartReader()
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
			return nil, readError(err)
		}
		if part.FileName() != "" || part.FormName() == "file" {
			if part.FormName() != "file" {
				return nil, bad(`send the file in the field named "file"`)
			}
			return up, h.startFile(c, up, part, mr)
		}
		if len(up.fields) == maxFields {
			return nil, bad("the request has too many fields")
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldLen+1))
		if err != nil {
			return nil, readError(err)
		}
		if len(v) > maxFieldLen {
			return nil, bad("a form field is too long")
		}
		up.fields[part.FormName()] = string(v)
	}
}

// startFile makes part the upload's file, once its name, type and declared
// size pass the sender's policy.
func (h *Handler) startFile(c *call, up *upload, part *multipart.Part, mr *multipart.Reader) error {
	name := part.FileName()
	if name == "" {
		return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the file has no name"}
	}
	if v, ok := up.fields["size"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "the declared size is not a size"}
		}
		up.size = n
	}
	ctype := part.Header.Get("Content-Type")
	if err := h.client.Preflight(c.r.Context(), c.channel, c.member, name, ctype, up.size); err != nil {
		return err
	}
	up.file = &attachments.File{Name: name, ContentType: ctype, Size: up.size, Body: &filePart{part: part, mr: mr, body: c.r.Body}}
	return nil
}

// filePart is the file's part of a multipart body. It reports the end of
// the file only once the body has ended properly after it, with the closing
// boundary and no other part: a body cut short, or one that carries a
// second file, fails the upload before anything is sent.
type filePart struct {
	part *multipart.Part
	mr   *multipart.Reader
	body io.Reader // the request's body, under mr
	err  error
}

// Read implements io.Reader.
func (f *filePart) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.part.Read(p)
	switch {
	case err == io.EOF:
		f.err = f.end()
		err = f.err
	case err != nil:
		f.err = readError(err)
		err = f.err
	}
	return n, err
}

// end checks what follows the file: nothing but the closing boundary, and
// then the end of the request's body. A body shorter than its
// Content-Length may hold a whole form; it is still a request cut off, and
// the upload is incomplete.
func (f *filePart) end() error {
	next, err := f.mr.NextPart()
	switch {
	case err == io.EOF:
		// What follows the closing boundary (an epilogue, at most the
		// request's size) is read to learn whether the body ends as declared.
		if _, err := io.Copy(io.Discard, f.body); err != nil {
			return readError(err)
		}
		return io.EOF
	case err != nil:
		return readError(err)
	}
	next.Close()
	return &errs.Error{Code: errs.InvalidPayload, Op: "upload", Message: "send one file per request, with its fields before it"}
}
