package chat

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// fail answers r with err as the library's API does: httpapi.ErrorBody,
// with the status httpapi.Status gives its code, so the page reads one shape
// of refusal from both APIs. The error's cause, which may name paths and
// addresses, is only logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if e == nil {
		e = &errs.Error{Code: errs.Internal}
	}
	status := httpapi.Status(e.Code)
	if status >= 500 {
		s.log.Error("webchat: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	} else {
		s.log.Debug("webchat: request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
	}
	d := e.Details
	d.Reason = "" // the demo's own routes refuse nothing whose reason is for the client
	reply(w, status, httpapi.ErrorBody{Error: httpapi.ErrorReply{Code: e.Code, Message: e.Text(), Details: d}})
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
