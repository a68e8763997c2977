package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// ErrorBody is the JSON body of every refusal:
//
//	{"error": {"code": "file_too_large", "message": "the file is too large", "details": {"limit": 10485760}}}
//
// It never holds the error's cause, which may name paths and addresses.
type ErrorBody struct {
	Error ErrorReply `json:"error"`
}

// ErrorReply is a refusal: the stable code, a message fit to show a person,
// and the facts behind it.
type ErrorReply struct {
	Code    errs.Code    `json:"code"`
	Message string       `json:"message"`
	Details errs.Details `json:"details"`
}

// errorBody turns err into what a client is shown and the status it comes
// with. An error with no code is internal.
func errorBody(err error) (ErrorBody, int) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = &errs.Error{Code: errs.FileTooLarge, Message: "the request is too large", Details: errs.Details{Limit: tooBig.Limit}}
	}
	e := errs.As(err)
	if e == nil {
		e = &errs.Error{Code: errs.Internal}
	}
	d := e.Details
	switch e.Code {
	case errs.Infected, errs.LinkExpired, errs.LinkInvalid, errs.Internal, errs.ListenerPanic:
		d.Reason = "" // a signature's name, why a link failed: for logs only
	}
	return ErrorBody{Error: ErrorReply{Code: e.Code, Message: e.Text(), Details: d}}, Status(e.Code)
}

// WriteJSON answers with v as JSON, uncached and nosniff, as every handler
// of this package does. A host's own handlers use it (and WriteError,
// DecodeJSON) so its API answers in one shape with the library's.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// retryAfter returns the Retry-After value an error asks for, if any.
func retryAfter(err error) string {
	var ra interface{ RetryAfterSeconds() int }
	if errors.As(err, &ra) {
		return strconv.Itoa(max(ra.RetryAfterSeconds(), 1))
	}
	return ""
}

// WriteError answers with err as an ErrorBody, with the status Status gives
// its code and Retry-After when the error asks for one, and returns that
// status. The error's cause, which may name paths and addresses, is not
// sent.
func WriteError(w http.ResponseWriter, err error) int {
	rep, status := errorBody(err)
	if ra := retryAfter(err); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	WriteJSON(w, status, rep)
	return status
}

// DecodeJSON reads a small JSON request body (up to 64 KiB) into v,
// refusing another content type, unknown fields and trailing data with
// errs.InvalidPayload.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
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
