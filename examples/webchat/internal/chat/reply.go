package chat

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// errorReply is the JSON body of every refusal: the library's stable code,
// its message fit to show a person, and the facts behind it. It never holds
// the error's cause, which may name paths and addresses.
type errorReply struct {
	Code    errs.Code    `json:"code"`
	Message string       `json:"message"`
	Details errs.Details `json:"details"`
}

// statusOf maps a code to an HTTP status.
func statusOf(code errs.Code) int {
	switch code {
	case errs.FileTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.ExtensionNotAllowed, errs.TypeNotAllowed, errs.TypeMismatch:
		return http.StatusUnsupportedMediaType
	case errs.EmptyFile, errs.InvalidName, errs.Infected, errs.Canceled:
		return http.StatusUnprocessableEntity
	case errs.DuplicateFile, errs.TooManyFiles:
		return http.StatusConflict
	case errs.PermissionDenied, errs.AttachmentsDisabled, errs.LinkExpired, errs.LinkInvalid:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.InvalidPayload, errs.InvalidArgument, errs.InvalidKey, errs.InvalidRange, errs.UnknownAction, errs.UploadIncomplete:
		return http.StatusBadRequest
	case errs.Unavailable, errs.Closed:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// replyOf turns err into the reply and status a client gets.
func replyOf(err error) (errorReply, int) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = &errs.Error{Code: errs.FileTooLarge, Message: "the request is too large",
			Details: errs.Details{Limit: tooBig.Limit}}
	}
	e := errs.As(err)
	if e == nil {
		e = &errs.Error{Code: errs.Internal}
	}
	d := e.Details
	switch e.Code {
	case errs.Infected, errs.LinkExpired, errs.LinkInvalid, errs.Internal, errs.ListenerPanic:
		d.Reason = "" // a signature name, or why a link failed: for logs only
	}
	return errorReply{Code: e.Code, Message: e.Text(), Details: d}, statusOf(e.Code)
}

// fail answers r with err as JSON, and logs the cause of a server-side
// failure.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	rep, status := replyOf(err)
	if status >= 500 {
		s.log.Error("webchat: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	} else {
		s.log.Debug("webchat: request refused", "method", r.Method, "path", r.URL.Path, "code", rep.Code, "err", err)
	}
	reply(w, status, rep)
}

// reply writes v as JSON with status.
func reply(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a small JSON request body into v, refusing unknown
// fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	bad := func(msg string) error {
		return &errs.Error{Code: errs.InvalidPayload, Op: "decode request", Message: msg}
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		return bad("send JSON")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bad("the request is too large")
		}
		return bad("the request is not valid JSON of the expected shape")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("the request has data after its JSON")
	}
	return nil
}
