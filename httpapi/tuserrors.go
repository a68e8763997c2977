package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// tusCodes maps tusd's own error codes, which it answers in plain text, to
// the library's, so a tus client is refused with the same ErrorBody as
// every other. A code not listed is internal.
var tusCodes = map[string]*errs.Error{
	"ERR_UNSUPPORTED_VERSION":         {Code: errs.InvalidPayload, Message: "send Tus-Resumable: 1.0.0"},
	"ERR_MAX_SIZE_EXCEEDED":           {Code: errs.FileTooLarge, Message: "the file is too large"},
	"ERR_UPLOAD_SIZE_EXCEEDED":        {Code: errs.FileTooLarge, Message: "the upload would be longer than its Upload-Length"},
	"ERR_INVALID_CONTENT_TYPE":        {Code: errs.InvalidPayload, Message: "send the bytes as application/offset+octet-stream"},
	"ERR_INVALID_UPLOAD_LENGTH":       {Code: errs.InvalidPayload, Message: "send the file's size in Upload-Length"},
	"ERR_INVALID_UPLOAD_LENGTH_DEFER": {Code: errs.InvalidPayload, Message: "Upload-Defer-Length is 1 or absent"},
	"ERR_AMBIGUOUS_UPLOAD_LENGTH":     {Code: errs.InvalidPayload, Message: "send Upload-Length or Upload-Defer-Length, not both"},
	"ERR_INVALID_OFFSET":              {Code: errs.InvalidPayload, Message: "send the offset the bytes start at in Upload-Offset"},
	"ERR_MISMATCHED_OFFSET":           {Code: errs.Conflict, Message: "the upload is at another offset; ask it with HEAD and resume from there"},
	"ERR_MODIFY_FINAL":                {Code: errs.InvalidPayload, Message: "the upload cannot be changed"},
	"ERR_INVALID_CONCAT":              {Code: errs.Unsupported, Message: "uploads are not concatenated"},
	"ERR_CONCATENATION_UNSUPPORTED":   {Code: errs.Unsupported, Message: "uploads are not concatenated"},
	"ERR_UPLOAD_NOT_FINISHED":         {Code: errs.Unsupported, Message: "uploads are not concatenated"},
	"ERR_NOT_IMPLEMENTED":             {Code: errs.Unsupported, Message: "this tus feature is not supported"},
	"ERR_UPLOAD_NOT_FOUND":            {Code: errs.NotFound, Message: "no such upload"},
	"ERR_UPLOAD_LOCKED":               {Code: errs.Conflict, Message: "another request is writing this upload; try again"},
	"ERR_UPLOAD_INTERRUPTED":          {Code: errs.Conflict, Message: "another request for this upload interrupted this one"},
	"ERR_UPLOAD_STOPPED":              {Code: errs.Conflict, Message: "the upload was stopped"},
	"ERR_LOCK_TIMEOUT":                {Code: errs.Unavailable, Message: "the upload is busy; try again"},
	"ERR_SERVER_SHUTDOWN":             {Code: errs.Unavailable, Message: "the server is shutting down; resume the upload later"},
	"ERR_ORIGIN_NOT_ALLOWED":          {Code: errs.PermissionDenied, Message: "requests from other sites are not allowed"},
	"ERR_UPLOAD_REJECTED":             {Code: errs.PermissionDenied},
	"ERR_UPLOAD_TERMINATION_REJECTED": {Code: errs.PermissionDenied},
	// A client that stops sending, or whose connection breaks.
	"ERR_UNEXPECTED_EOF":   {Code: errs.UploadIncomplete, Message: "the upload ended early; resume it from the offset HEAD gives"},
	"ERR_READ_TIMEOUT":     {Code: errs.UploadIncomplete, Message: "the upload stopped arriving; resume it from the offset HEAD gives"},
	"ERR_CONNECTION_RESET": {Code: errs.UploadIncomplete, Message: "the connection broke; resume the upload from the offset HEAD gives"},
}

// tusStatuses stand for tusd's codes when it answers a HEAD, whose body it
// leaves empty.
var tusStatuses = map[int]errs.Code{
	http.StatusNotFound:           errs.NotFound,
	http.StatusPreconditionFailed: errs.InvalidPayload,
	http.StatusBadRequest:         errs.InvalidPayload,
	http.StatusForbidden:          errs.PermissionDenied,
	http.StatusLocked:             errs.Conflict,
	http.StatusConflict:           errs.Conflict,
}

// tusRefusal is the error a tusd answer stands for: its code from the
// body's "ERR_…: message", or from the status when there is no body.
func tusRefusal(status int, body []byte) error {
	code, _, _ := strings.Cut(strings.TrimSpace(string(body)), ":")
	if e, ok := tusCodes[code]; ok {
		c := *e
		c.Op = "tus"
		return &c
	}
	if code == "" {
		if c, ok := tusStatuses[status]; ok {
			return &errs.Error{Code: c, Op: "tus"}
		}
	}
	return &errs.Error{Code: errs.Internal, Op: "tus", Err: fmt.Errorf("tusd answered %d %q", status, body)}
}

// tusWriter stands between tusd and the client. Refusals the Handler makes
// (tusError) are JSON already and pass; tusd's own are plain text, and
// tusWriter holds them back for the Handler to answer as an ErrorBody.
type tusWriter struct {
	http.ResponseWriter
	status int    // the refusal held back, 0 when none
	body   []byte // its text, up to a bound
}

// WriteHeader implements http.ResponseWriter.
func (w *tusWriter) WriteHeader(status int) {
	if status >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		w.status = status
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write implements io.Writer.
func (w *tusWriter) Write(p []byte) (int, error) {
	if w.status != 0 {
		if len(w.body) < 1024 {
			w.body = append(w.body, p[:min(len(p), 1024-len(w.body))]...)
		}
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection, for tusd's
// read deadlines.
func (w *tusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// refusal is the tusd refusal held back, or nil.
func (w *tusWriter) refusal() error {
	if w.status == 0 {
		return nil
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Type")
	return tusRefusal(w.status, bytes.TrimSpace(w.body))
}
