package chat_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/validate"
)

var (
	casey = attachments.Member{Identity: "casey"}
	alex  = attachments.Member{Identity: "alex"}
)

// demo is a chat.Server behind an httptest server.
type demo struct {
	srv *chat.Server
	hs  *httptest.Server
	dir string
	// client holds the three views' session cookies: the demo signs each
	// view in as the page does.
	client *http.Client
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newDemo(t *testing.T, opts *chat.Options) *demo {
	t.Helper()
	return openDemo(t, t.TempDir(), opts)
}

func openDemo(t *testing.T, dir string, opts *chat.Options) *demo {
	t.Helper()
	if opts == nil {
		opts = &chat.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	srv, err := chat.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	d := &demo{srv: srv, hs: httptest.NewServer(srv), dir: dir}
	t.Cleanup(func() { d.close(t) })
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d.client = &http.Client{Jar: jar}
	for _, view := range []string{chat.ViewCustomer, chat.ViewAgent, chat.ViewSupervisor} {
		if status, rep := d.do(t, http.MethodPost, "/session/"+view, nil, "", nil); status != http.StatusOK {
			t.Fatalf("sign in as the %s: %d %+v", view, status, rep)
		}
	}
	return d
}

// close shuts the demo down; a second call does nothing.
func (d *demo) close(t *testing.T) {
	t.Helper()
	if d.hs == nil {
		return
	}
	d.srv.EndStreams()
	d.hs.Close()
	d.hs = nil
	if err := d.srv.Close(context.Background()); err != nil {
		t.Errorf("close: %v", err)
	}
}

// errorReply is a refusal, as httpapi.ErrorBody holds it.
type errorReply struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// lib returns the path of a route of the library's API (httpapi) in the
// demo's channel, with the view that acts as the URL's fragment, which do
// sends in the X-Webchat-View header (a fragment never reaches a server).
func lib(view, route string) string {
	return httpapi.DefaultPath + "channels/" + chat.Channel + "/" + route + "#" + view
}

// do sends a request and decodes a JSON answer into out (when not nil). It
// returns the status and, for a refusal, the error reply.
func (d *demo) do(t *testing.T, method, path string, body io.Reader, ctype string, out any) (int, errorReply) {
	t.Helper()
	req, err := http.NewRequest(method, d.hs.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if req.URL.Fragment != "" {
		req.Header.Set("X-Webchat-View", req.URL.Fragment)
	}
	res, err := d.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Error errorReply `json:"error"`
	}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(data, &rep); err != nil || rep.Error.Code == "" {
			t.Fatalf("%s %s: %d with a body that is not an error: %q", method, path, res.StatusCode, data)
		}
		return res.StatusCode, rep.Error
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, path, err, data)
		}
	}
	return res.StatusCode, errorReply{}
}

func (d *demo) postJSON(t *testing.T, path string, v, out any) (int, errorReply) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return d.do(t, http.MethodPost, path, bytes.NewReader(b), "application/json", out)
}

// field is a multipart form field.
type field struct{ name, value string }

// multipartBody builds a form with fields, then a "file" part, as the page
// sends it.
func multipartBody(t *testing.T, fields []field, name, ctype string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func (d *demo) upload(t *testing.T, path, name, ctype string, content []byte, out any) (int, errorReply) {
	t.Helper()
	body, ct := multipartBody(t, nil, name, ctype, content)
	return d.do(t, http.MethodPost, path, body, ct, out)
}

// mediaCount counts the media blobs in storage.
func (d *demo) mediaCount(t *testing.T) int {
	t.Helper()
	n := 0
	for _, err := range d.srv.Client().Storage().List(context.Background(), "media/") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 6))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// renamedExe is a Windows executable's header, as a file named .pdf holds it.
func renamedExe() []byte {
	return append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 2048)...)
}

// preview is a draft's file as the API gives it: an attachments.Media.
type preview struct {
	MediaSID    string `json:"sid"`
	Name        string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

type draft struct {
	Text  string    `json:"text"`
	Files []preview `json:"files"`
}

type attachReply struct {
	Preview preview `json:"media"`
	Draft   draft   `json:"draft"`
}

type message struct {
	SID        string              `json:"sid"`
	Author     string              `json:"author"`
	AuthorName string              `json:"authorName"`
	Body       string              `json:"body"`
	Media      []attachments.Media `json:"media"`
}

// sentTo decodes httpapi's reply to a send, {"message": …}, into m.
func sentTo(m *message) any {
	return &struct {
		Message *message `json:"message"`
	}{m}
}

type state struct {
	Me struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	} `json:"me"`
	Mode     string    `json:"mode"`
	Messages []message `json:"messages"`
	Draft    draft     `json:"draft"`
	Policies map[string]struct {
		MaxFileSize int64    `json:"maxFileSize"`
		Extensions  []string `json:"extensions"`
	} `json:"policies"`
}

type link struct {
	URL   string            `json:"url"`
	Media attachments.Media `json:"media"`
}

func (d *demo) state(t *testing.T, view string) state {
	t.Helper()
	var st state
	if status, rep := d.do(t, http.MethodGet, "/api/"+view+"/state", nil, "", &st); status != http.StatusOK {
		t.Fatalf("state of %s: %d %+v", view, status, rep)
	}
	return st
}

func (d *demo) link(t *testing.T, view, msg, media, disposition string) (link, int, errorReply) {
	t.Helper()
	var l link
	status, rep := d.do(t, http.MethodGet, lib(view, "messages/"+msg+"/media/"+media+"/link?disposition="+disposition), nil, "", &l)
	return l, status, rep
}

func (d *demo) fetch(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Get(d.hs.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// TestFileRoundTrip follows a file from the customer's draft to the agent's
// download and its deletion.
func TestFileRoundTrip(t *testing.T) {
	d := newDemo(t, nil)
	pic := pngBytes(t)

	var att attachReply
	if status, rep := d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pic, &att); status != http.StatusCreated {
		t.Fatalf("attach: %d %+v", status, rep)
	}
	if att.Preview.Name != "photo.png" || att.Preview.Size != int64(len(pic)) || att.Preview.ContentType != "image/png" {
		t.Errorf("preview = %+v, want photo.png, %d bytes, image/png", att.Preview, len(pic))
	}
	if got := d.state(t, "customer").Draft.Files; len(got) != 1 || got[0].MediaSID != att.Preview.MediaSID {
		t.Errorf("customer's draft = %+v, want the attached file", got)
	}

	var det struct{ Draft draft }
	if status, rep := d.do(t, http.MethodDelete, lib("customer", "draft/files/"+att.Preview.MediaSID), nil, "", &det); status != http.StatusOK {
		t.Fatalf("detach: %d %+v", status, rep)
	}
	if len(det.Draft.Files) != 0 || d.mediaCount(t) != 0 {
		t.Errorf("after detaching: draft %+v, %d blobs stored; want neither", det.Draft.Files, d.mediaCount(t))
	}

	if status, rep := d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pic, &att); status != http.StatusCreated {
		t.Fatalf("attach again: %d %+v", status, rep)
	}
	var sent message
	if status, rep := d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": ""}, sentTo(&sent)); status != http.StatusCreated {
		t.Fatalf("send draft: %d %+v", status, rep)
	}
	if len(sent.Media) != 1 || sent.Media[0].SID != att.Preview.MediaSID || sent.Author != "casey" {
		t.Fatalf("sent = %+v, want the attached file from casey", sent)
	}
	if got := d.state(t, "agent").Messages; len(got) != 1 || got[0].SID != sent.SID {
		t.Fatalf("agent sees %+v, want the sent message", got)
	}

	for _, tc := range []struct {
		view, disposition, wantDisposition string
	}{
		{"agent", "attachment", "attachment"},
		{"agent", "inline", "inline"},
		{"supervisor", "attachment", "attachment"},
		{"customer", "inline", "inline"},
	} {
		l, status, rep := d.link(t, tc.view, sent.SID, sent.Media[0].SID, tc.disposition)
		if status != http.StatusOK {
			t.Fatalf("%s's %s link: %d %+v", tc.view, tc.disposition, status, rep)
		}
		status, hdr, body := d.fetch(t, l.URL)
		if status != http.StatusOK || !bytes.Equal(body, pic) {
			t.Errorf("%s's link answered %d with %d bytes, want 200 with the %d sent", tc.view, status, len(body), len(pic))
		}
		if got := hdr.Get("Content-Disposition"); !strings.HasPrefix(got, tc.wantDisposition) {
			t.Errorf("%s's %s link: Content-Disposition %q", tc.view, tc.disposition, got)
		}
	}

	l, _, _ := d.link(t, "agent", sent.SID, sent.Media[0].SID, "attachment")
	if status, rep := d.do(t, http.MethodDelete, lib("customer", "messages/"+sent.SID), nil, "", nil); status != http.StatusOK {
		t.Fatalf("the author deletes their own message: %d %+v", status, rep)
	}
	if status, _, _ := d.fetch(t, l.URL); status != http.StatusNotFound {
		t.Errorf("a deleted message's link answered %d, want 404", status)
	}
	if n := d.mediaCount(t); n != 0 {
		t.Errorf("%d blobs left after deleting the message", n)
	}
	if _, status, rep := d.link(t, "agent", sent.SID, sent.Media[0].SID, "attachment"); status != http.StatusNotFound {
		t.Errorf("a link to a deleted message: %d %+v, want 404", status, rep)
	}
}

func TestSendMediaInOneRequest(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.Mode = attachments.ModeConversations
	d := newDemo(t, &chat.Options{Config: &cfg})
	body, ct := multipartBody(t, []field{{"text", "here is the receipt"}, {"size", "67"}}, "receipt.png", "image/png", pngBytes(t))
	var m message
	if status, rep := d.do(t, http.MethodPost, lib("agent", "messages"), body, ct, sentTo(&m)); status != http.StatusCreated {
		t.Fatalf("send: %d %+v", status, rep)
	}
	if m.Body != "here is the receipt" || len(m.Media) != 1 || m.Media[0].FileName != "receipt.png" {
		t.Errorf("message = %+v, want the text and the file", m)
	}
}

// TestUploadRefusals sends files that break the rules: each gets the
// library's code with a status to match and a message for a person, and
// nothing stays in storage.
func TestUploadRefusals(t *testing.T) {
	big := bytes.Repeat([]byte("a"), int(validate.DefaultMaxFileSize)+1)
	tests := []struct {
		name       string
		fields     []field
		file       string // "" for no file part
		content    []byte
		ctype      string // request content type; "" for multipart
		wantStatus int
		wantCode   string
	}{
		{"too large", nil, "notes.txt", big, "", http.StatusRequestEntityTooLarge, "file_too_large"},
		{"declared too large", []field{{"size", "20000000"}}, "scan.pdf", []byte("%PDF-1.7"), "", http.StatusRequestEntityTooLarge, "file_too_large"},
		{"renamed executable", nil, "invoice.pdf", renamedExe(), "", http.StatusUnsupportedMediaType, "type_mismatch"},
		{"executable", nil, "setup.exe", renamedExe(), "", http.StatusUnsupportedMediaType, "type_not_allowed"},
		{"extension not allowed", nil, "page.html", []byte("<html></html>"), "", http.StatusUnsupportedMediaType, "extension_not_allowed"},
		{"empty", nil, "empty.txt", nil, "", http.StatusUnprocessableEntity, "empty_file"},
		{"no file part", []field{{"text", "hi"}}, "", nil, "", http.StatusBadRequest, "invalid_payload"},
		{"bad size", []field{{"size", "lots"}}, "notes.txt", []byte("hi"), "", http.StatusBadRequest, "invalid_payload"},
		{"field too long", []field{{"text", strings.Repeat("x", 17<<10)}}, "notes.txt", []byte("hi"), "", http.StatusBadRequest, "invalid_payload"},
		{"not multipart", nil, "", []byte(`{"file":"x"}`), "application/json", http.StatusBadRequest, "invalid_payload"},
	}
	d := newDemo(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			ct := tc.ctype
			if ct == "" {
				body, ct = multipartBody(t, tc.fields, tc.file, "", tc.content)
			} else {
				body = bytes.NewReader(tc.content)
			}
			status, rep := d.do(t, http.MethodPost, lib("customer", "draft/files"), body, ct, nil)
			if status != tc.wantStatus || rep.Code != tc.wantCode {
				t.Errorf("got %d %q, want %d %q (%+v)", status, rep.Code, tc.wantStatus, tc.wantCode, rep)
			}
			if rep.Message == "" {
				t.Error("the refusal has no message for the sender")
			}
			if n := d.mediaCount(t); n != 0 {
				t.Errorf("%d blobs left behind", n)
			}
		})
	}
	if got := d.state(t, "customer").Draft.Files; len(got) != 0 {
		t.Errorf("refused files reached the draft: %+v", got)
	}
}

// TestUploadStreams shows the server handles a file while it is still
// arriving: the library refuses an executable from its first bytes, before
// the client has sent the rest. A server that parsed the whole form first
// would wait for the rest, and the test would time out.
func TestUploadStreams(t *testing.T) {
	refused := make(chan error, 1)
	d := newDemo(t, &chat.Options{Setup: func(c *attachments.Client) error {
		_, err := attachments.OnAfter(c.Registry(), attachments.AttachFile,
			func(_ context.Context, _ attachments.AttachFilePayload, _ attachments.AttachFileResult, err error) {
				refused <- err
			})
		return err
	}})

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	writerDone := make(chan error, 1)
	go func() {
		w, err := mw.CreateFormFile("file", "invoice.pdf")
		if err == nil {
			_, err = w.Write(renamedExe())
		}
		if err != nil {
			writerDone <- err
			pw.CloseWithError(err)
			return
		}
		// Hold the rest back until the server has refused the file. The rest
		// is never sent: httpapi answers a refusal at once and closes the
		// connection rather than read on, and bytes still arriving then
		// could reset the connection before the client reads the answer.
		select {
		case <-refused:
			writerDone <- nil
		case <-time.After(20 * time.Second):
			writerDone <- io.ErrNoProgress
			pw.CloseWithError(io.ErrNoProgress)
		}
	}()
	status, rep := d.do(t, http.MethodPost, lib("customer", "draft/files"), pr, mw.FormDataContentType(), nil)
	pw.Close()
	if err := <-writerDone; err != nil {
		t.Fatalf("the server did not refuse the file before the rest of the body arrived: %v", err)
	}
	if status != http.StatusUnsupportedMediaType || rep.Code != "type_mismatch" {
		t.Errorf("got %d %+v, want 415 type_mismatch", status, rep)
	}
}

func TestPermissionsAndBlocking(t *testing.T) {
	d := newDemo(t, nil)
	var agentMsg message
	if status, rep := d.postJSON(t, "/api/agent/messages", map[string]string{"text": "Hello Casey"}, &agentMsg); status != http.StatusCreated {
		t.Fatalf("agent sends: %d %+v", status, rep)
	}
	steps := []struct {
		name       string
		view, path string
		body       any
		method     string
		wantStatus int
		wantCode   string
	}{
		{"customer cannot delete the agent's message", "customer", "lib:messages/" + agentMsg.SID, nil, http.MethodDelete, http.StatusForbidden, "permission_denied"},
		{"customer cannot block", "customer", "/block", map[string]string{"identity": "alex"}, http.MethodPost, http.StatusForbidden, "permission_denied"},
		{"agent cannot block itself", "agent", "/block", map[string]string{"identity": "alex"}, http.MethodPost, http.StatusBadRequest, "invalid_payload"},
		{"agent blocks the customer", "agent", "/block", map[string]string{"identity": "casey"}, http.MethodPost, http.StatusOK, ""},
		{"blocked customer cannot send", "customer", "/messages", map[string]string{"text": "hello?"}, http.MethodPost, http.StatusForbidden, "permission_denied"},
		{"blocked customer cannot unblock itself", "customer", "/unblock", map[string]string{"identity": "casey"}, http.MethodPost, http.StatusForbidden, "permission_denied"},
		{"agent unblocks the customer", "agent", "/unblock", map[string]string{"identity": "casey"}, http.MethodPost, http.StatusOK, ""},
		{"the customer sends again", "customer", "/messages", map[string]string{"text": "thanks"}, http.MethodPost, http.StatusCreated, ""},
		{"empty text", "customer", "/messages", map[string]string{"text": "  "}, http.MethodPost, http.StatusBadRequest, "invalid_payload"},
		{"text too long", "customer", "/messages", map[string]string{"text": strings.Repeat("é", 4001)}, http.MethodPost, http.StatusBadRequest, "invalid_payload"},
		{"unknown field", "customer", "/messages", map[string]string{"txt": "hi"}, http.MethodPost, http.StatusBadRequest, "invalid_payload"},
		{"unknown view", "intruder", "/messages", map[string]string{"text": "hi"}, http.MethodPost, http.StatusForbidden, "permission_denied"},
		{"unknown endpoint", "customer", "/nothing", nil, http.MethodGet, http.StatusNotFound, "not_found"},
		{"bad disposition", "agent", "lib:messages/" + agentMsg.SID + "/media/ME00/link?disposition=evil", nil, http.MethodGet, http.StatusBadRequest, "invalid_payload"},
		{"link to a message without media", "agent", "lib:messages/" + agentMsg.SID + "/media/ME00000000000000000000000000000000/link", nil, http.MethodGet, http.StatusNotFound, "not_found"},
	}
	for _, s := range steps {
		var status int
		var rep errorReply
		path := "/api/" + s.view + s.path
		if route, ok := strings.CutPrefix(s.path, "lib:"); ok {
			path = lib(s.view, route)
		}
		if s.body != nil {
			status, rep = d.postJSON(t, path, s.body, nil)
		} else {
			status, rep = d.do(t, s.method, path, nil, "", nil)
		}
		if status != s.wantStatus || rep.Code != s.wantCode {
			t.Errorf("%s: got %d %q, want %d %q (%+v)", s.name, status, rep.Code, s.wantStatus, s.wantCode, rep)
		}
		if s.name == "blocked customer cannot send" && !strings.Contains(rep.Message, "blocked") {
			t.Errorf("%s: message %q does not say the customer is blocked", s.name, rep.Message)
		}
	}
	if status, rep := d.upload(t, lib("supervisor", "draft/files"), "a.png", "image/png", pngBytes(t), nil); status != http.StatusForbidden || rep.Code != "permission_denied" {
		t.Errorf("supervisor attaches: got %d %+v, want 403 permission_denied (supervisors do not send files)", status, rep)
	}
}

// TestRefusalsKeepCausesPrivate: a listener's internal error or a panic is
// answered with a code and a generic message, never with the cause.
func TestRefusalsKeepCausesPrivate(t *testing.T) {
	d := newDemo(t, &chat.Options{Setup: func(c *attachments.Client) error {
		_, err := attachments.OnBefore(c.Registry(), attachments.SendMessage,
			func(_ context.Context, p attachments.SendMessagePayload) (attachments.SendMessagePayload, error) {
				switch p.Body {
				case "fail":
					return p, io.ErrUnexpectedEOF // stands in for "dial tcp 10.0.0.7:3310: refused"
				case "panic":
					panic("secret-token-123")
				case "refuse":
					return p, attachments.Cancel("links to other shops are not allowed")
				}
				return p, nil
			})
		return err
	}})
	tests := []struct {
		body       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"fail", http.StatusUnprocessableEntity, "canceled", "the action was canceled"},
		{"panic", http.StatusInternalServerError, "listener_panic", "something went wrong"},
		{"refuse", http.StatusUnprocessableEntity, "canceled", "links to other shops are not allowed"},
	}
	for _, tc := range tests {
		status, rep := d.postJSON(t, "/api/customer/messages", map[string]string{"text": tc.body}, nil)
		if status != tc.wantStatus || rep.Code != tc.wantCode || rep.Message != tc.wantMsg {
			t.Errorf("%s: got %d %+v, want %d %q %q", tc.body, status, rep, tc.wantStatus, tc.wantCode, tc.wantMsg)
		}
		if raw, _ := json.Marshal(rep); strings.Contains(string(raw), "unexpected EOF") || strings.Contains(string(raw), "secret-token") {
			t.Errorf("%s: the reply leaks its cause: %s", tc.body, raw)
		}
	}
}

func TestCrossOriginRequestsAreRefused(t *testing.T) {
	d := newDemo(t, nil)
	for _, path := range []string{"/api/customer/messages", lib("customer", "preflight")} {
		req, _ := http.NewRequest(http.MethodPost, d.hs.URL+path, strings.NewReader(`{"text":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("X-Webchat-View", "customer")
		res, err := d.client.Do(req) // signed in, from another site
		if err != nil {
			t.Fatal(err)
		}
		var rep struct{ Error errorReply }
		err = json.NewDecoder(res.Body).Decode(&rep)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || err != nil || rep.Error.Code != "permission_denied" {
			t.Errorf("cross-site POST %s: %d %+v (%v), want 403 permission_denied", path, res.StatusCode, rep, err)
		}
	}
	if n := len(d.state(t, "agent").Messages); n != 0 {
		t.Errorf("the cross-site message was sent (%d messages)", n)
	}
}

func TestPage(t *testing.T) {
	d := newDemo(t, nil)
	for _, tc := range []struct{ path, wantType, wantBody string }{
		{"/", "text/html", `<template id="view-template">`},
		{"/app.js", "text/javascript", "EventSource"},
		{"/app.css", "text/css", ".composer"},
	} {
		status, hdr, body := d.fetch(t, tc.path)
		if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), tc.wantType) || !strings.Contains(string(body), tc.wantBody) {
			t.Errorf("GET %s: %d %q, want 200 %s holding %q", tc.path, status, hdr.Get("Content-Type"), tc.wantType, tc.wantBody)
		}
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tc.path, hdr.Get("Content-Security-Policy"))
		}
	}
	res, err := http.Post(d.hs.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
}

// TestRestartKeepsHistory reopens a data directory: the conversation, its
// files, the roles and the link key are still there.
func TestRestartKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	d := openDemo(t, dir, nil)
	var sent message
	body, ct := multipartBody(t, nil, "photo.png", "image/png", pngBytes(t))
	if status, rep := d.do(t, http.MethodPost, lib("customer", "messages"), body, ct, sentTo(&sent)); status != http.StatusCreated {
		t.Fatalf("send: %d %+v", status, rep)
	}
	if status, rep := d.postJSON(t, "/api/agent/block", map[string]string{"identity": "casey"}, nil); status != http.StatusOK {
		t.Fatalf("block: %d %+v", status, rep)
	}
	// A file left in a draft stays in the draft across the restart.
	if status, rep := d.upload(t, lib("agent", "draft/files"), "draft.txt", "text/plain", []byte("unsent"), nil); status != http.StatusCreated {
		t.Fatalf("attach: %d %+v", status, rep)
	}
	d.close(t)

	d2 := openDemo(t, dir, nil)
	st := d2.state(t, "customer")
	if len(st.Messages) != 1 || st.Messages[0].SID != sent.SID || slices.Contains(st.Me.Permissions, string(attachments.PermSendMediaMessage)) {
		t.Fatalf("after a restart: %d messages, role %q; want the one sent and blocked", len(st.Messages), st.Me.Role)
	}
	if n := d2.mediaCount(t); n != 2 {
		t.Errorf("after a restart: %d blobs, want 2 (the sent file and the agent's draft)", n)
	}
	if st := d2.state(t, "agent"); len(st.Draft.Files) != 1 || st.Draft.Files[0].Name != "draft.txt" {
		t.Errorf("after a restart the agent's draft holds %+v, want draft.txt", st.Draft.Files)
	}
	l, status, rep := d2.link(t, "agent", sent.SID, sent.Media[0].SID, "attachment")
	if status != http.StatusOK {
		t.Fatalf("link after a restart: %d %+v", status, rep)
	}
	if status, _, body := d2.fetch(t, l.URL); status != http.StatusOK || !bytes.Equal(body, pngBytes(t)) {
		t.Errorf("the file after a restart: %d, %d bytes", status, len(body))
	}
}

func TestConfigShowsInState(t *testing.T) {
	cfg, err := loadConfig("../../flex-config.json")
	if err != nil {
		t.Fatal(err)
	}
	d := newDemo(t, &chat.Options{Config: &cfg})
	st := d.state(t, "customer")
	if st.Mode != "conversations" || st.Policies["customer"].MaxFileSize != 5<<20 || st.Policies["agent"].MaxFileSize != 20<<20 {
		t.Errorf("state = mode %q, customer %+v, agent %+v; want the sample config", st.Mode, st.Policies["customer"], st.Policies["agent"])
	}
	// The customer's policy is stricter than the agent's.
	body, ct := multipartBody(t, []field{{"size", "6000000"}}, "scan.pdf", "application/pdf", []byte("%PDF-1.7\n"))
	if status, rep := d.do(t, http.MethodPost, lib("customer", "draft/files"), body, ct, nil); status != http.StatusRequestEntityTooLarge {
		t.Errorf("customer sends 6 MB: %d %+v, want 413", status, rep)
	}
	if status, rep := d.postJSON(t, lib("agent", "preflight"), map[string]any{"name": "scan.pdf", "contentType": "application/pdf", "size": 6000000}, nil); status != http.StatusNoContent {
		t.Errorf("agent preflights 6 MB: %d %+v, want 204", status, rep)
	}
}

// TestLibraryAPI: the library's handlers act for the view the page names
// in X-Webchat-View, and for no one when it names none; a tus upload
// through them lands in the draft whole; the demo's rule on text holds for
// a message sent with files.
func TestLibraryAPI(t *testing.T) {
	cfg, err := loadConfig("../../flex-config.json") // conversations: text with files
	if err != nil {
		t.Fatal(err)
	}
	d := newDemo(t, &chat.Options{Config: &cfg})
	preflight := map[string]any{"name": "a.pdf", "contentType": "application/pdf", "size": 10}
	for _, view := range []string{"", "intruder"} {
		status, rep := d.postJSON(t, strings.TrimSuffix(lib(view, "preflight"), "#"), preflight, nil)
		if status != http.StatusForbidden || rep.Code != "permission_denied" {
			t.Errorf("view %q: got %d %+v, want 403 permission_denied", view, status, rep)
		}
	}

	content := bytes.Repeat([]byte("tus through the demo\n"), 5000)
	tus := func(method, url string, body io.Reader, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, url, body)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("X-Webchat-View", "customer")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := d.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	b64 := base64.StdEncoding.EncodeToString
	res := tus(http.MethodPost, d.hs.URL+strings.TrimSuffix(lib("", "uploads"), "#"), nil, map[string]string{
		"Upload-Length":   strconv.Itoa(len(content)),
		"Upload-Metadata": "filename " + b64([]byte("log.txt")) + ",filetype " + b64([]byte("text/plain")) + ",target " + b64([]byte("draft")),
	})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusCreated || loc == "" {
		t.Fatalf("tus creation: %d, Location %q", res.StatusCode, loc)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = d.hs.URL + loc
	}
	half := len(content) / 2
	for _, part := range [][]byte{content[:half], content[half:]} {
		off := map[string]string{"Content-Type": "application/offset+octet-stream"}
		head := tus(http.MethodHead, loc, nil, nil)
		off["Upload-Offset"] = head.Header.Get("Upload-Offset")
		res = tus(http.MethodPatch, loc, bytes.NewReader(part), off)
	}
	var att attachReply
	if err := json.NewDecoder(res.Body).Decode(&att); res.StatusCode != http.StatusOK || err != nil || att.Preview.Size != int64(len(content)) {
		t.Fatalf("the last PATCH answered %d (%v) with %+v, want 200 and the attached file", res.StatusCode, err, att)
	}
	if status, rep := d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": strings.Repeat("é", 4001)}, nil); status != http.StatusBadRequest || rep.Code != "invalid_payload" {
		t.Errorf("a draft sent with 4,001 characters of text: %d %+v, want 400 invalid_payload", status, rep)
	}
	var sent message
	if status, rep := d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": "the log"}, sentTo(&sent)); status != http.StatusCreated {
		t.Fatalf("send the draft: %d %+v", status, rep)
	}
	rc, err := d.srv.Client().OpenMedia(context.Background(), sent.Media[0].SID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("the stored file has %d bytes (%v), want the %d sent", len(got), err, len(content))
	}
}

// loadConfig reads a configuration file as the demo's -config does.
func loadConfig(path string) (attachments.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return attachments.Config{}, err
	}
	return attachments.ParseConfig(data)
}
