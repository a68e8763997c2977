package chat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
)

// The library journals every action it runs, refusals included. Some
// refusals come before any action runs: the preflight of a file's name,
// type and size (the most common refusal of all), a quota, a rate limit, a
// request the demo's own rules refuse. audit records those in the same
// journal, in the same words the member was shown, so the audit trail
// holds every refusal of an action a signed-in member tried. A request
// with no session names nobody and is not recorded (anyone could fill the
// journal with them); the server's log has it.

// Preflight is the action name the audit trail gives a refused preflight.
const Preflight = "Preflight"

// tusCreation stands for the action of a tus upload's creation, which its
// metadata names: AttachFile for the draft, SendMediaMessage otherwise.
const tusCreation = "tus creation"

// journaledKey marks a request's context; journalFeed.Append sets the mark
// when the library journals the request's action itself.
type journaledKey struct{}

// maxAuditBody bounds what audit keeps of a request's JSON body (a
// preflight's) and of a refusal's answer.
const maxAuditBody = 8 << 10

// audit wraps next, the route of action, so that a refusal the library did
// not journal is journaled. view names the view that acts.
func (s *Server) audit(action string, view func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.signedIn(r, view(r))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		mark := new(atomic.Bool)
		r = r.WithContext(context.WithValue(r.Context(), journaledKey{}, mark))
		var body *peekBody
		if action == Preflight && r.Body != nil {
			body = &peekBody{ReadCloser: r.Body}
			r.Body = body
		}
		rw := &refusalWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		if rw.status < 400 || mark.Load() {
			return
		}
		e := ledger.Entry{Time: s.sessions.now().UTC(), Action: action, Actor: p.Member.Identity, Channel: Channel,
			Code: string(errs.Internal)}
		var rep httpapi.ErrorBody
		if json.Unmarshal(rw.body.Bytes(), &rep) == nil && rep.Error.Code != "" {
			e.Code, e.Message = string(rep.Error.Code), rep.Error.Message
		}
		if name := fileName(r, body); name != "" {
			e.FileNames = []string{name}
		}
		if action == tusCreation {
			e.Action = "AttachFile"
			if tusMeta(r, "target") != "draft" {
				e.Action = "SendMediaMessage"
			}
		}
		if err := s.journal.Append(context.WithoutCancel(r.Context()), e); err != nil {
			s.log.Error("webchat: journal a refusal", "action", e.Action, "err", err)
		}
	})
}

// fileName returns the name of the file a refused request was about, when
// it says: a preflight's JSON name, a tus upload's filename metadata.
func fileName(r *http.Request, body *peekBody) string {
	if body != nil {
		var req httpapi.PreflightRequest
		if json.Unmarshal(body.buf.Bytes(), &req) == nil {
			return req.Name
		}
		return ""
	}
	return tusMeta(r, "filename")
}

// tusMeta returns the value of key in a tus creation's Upload-Metadata.
func tusMeta(r *http.Request, key string) string {
	for pair := range strings.SplitSeq(r.Header.Get("Upload-Metadata"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), " ")
		if k != key {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return ""
}

// peekBody keeps the first maxAuditBody bytes read from a request's body.
type peekBody struct {
	io.ReadCloser
	buf bytes.Buffer
}

func (b *peekBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxAuditBody - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(n, room)])
	}
	return n, err
}

// refusalWriter notes a response's status and keeps the start of a
// refusal's body.
type refusalWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *refusalWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *refusalWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 {
		if room := maxAuditBody - w.body.Len(); room > 0 {
			w.body.Write(p[:min(len(p), room)])
		}
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (httpapi moves
// read deadlines while an upload streams).
func (w *refusalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher.
func (w *refusalWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }
