package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// invalidRequest marks a request that breaks the contract on purpose.
const invalidRequest = "X-Test-Invalid-Request"

var (
	agent    = attachments.Member{Identity: "agent-1"}
	stranger = attachments.Member{Identity: "cust-2"}
)

// validating is an http.RoundTripper that checks every request and every
// response against the OpenAPI document the Handler serves, and records
// which operations answered with a success and with a refusal.
type validating struct {
	t      *testing.T
	router routers.Router
	next   http.RoundTripper

	mu   sync.Mutex
	seen map[string]map[bool]bool // operationId → refused? → seen
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	t := v.t
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		require.NoError(t, err)
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(req)
	require.NoError(t, err, "%s %s is no route of the document", req.Method, req.URL.Path)
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	err = openapi3filter.ValidateRequest(req.Context(), in)
	if req.Header.Get(invalidRequest) != "" {
		// A request the test makes bad on purpose: the contract refuses it
		// too, and the server's answer to it must still keep the contract.
		req.Header.Del(invalidRequest)
		assert.Error(t, err, "%s %s: the document accepts a request the server refuses", req.Method, req.URL.Path)
	} else if err != nil {
		t.Errorf("%s %s: the request breaks the contract: %v", req.Method, req.URL.Path, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	res, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: opts}
	out.SetBodyBytes(data)
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		t.Errorf("%s %s: the %d answer breaks the contract: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, data)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	id := route.Operation.OperationID
	if v.seen[id] == nil {
		v.seen[id] = map[bool]bool{}
	}
	v.seen[id][res.StatusCode >= 400] = true
	return res, nil
}

// contractServer is a Handler on in-memory storage behind a real server, and a
// client whose every exchange is validated against the served document.
type contractServer struct {
	t      *testing.T
	srv    *httptest.Server
	api    string
	chat   *attachmentstest.Transport
	client *http.Client
	v      *validating
}

func newServer(t *testing.T) *contractServer {
	ctx := context.Background()
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(ctx, channel, customer.Identity, attachments.RoleCustomer))
	require.NoError(t, members.SetRole(ctx, channel, agent.Identity, attachments.RoleAgent))
	require.NoError(t, members.SetRole(ctx, channel, stranger.Identity, attachments.RoleCustomer))
	chat := &attachmentstest.Transport{}
	quiet := slog.New(slog.DiscardHandler)
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &attachments.Options{Logger: quiet})
	require.NoError(t, err)
	h, err := httpapi.New(c, func(r *http.Request) (attachments.Member, error) {
		for _, m := range []attachments.Member{customer, agent, stranger} {
			if r.Header.Get(memberHeader) == m.Identity {
				return m, nil
			}
		}
		return attachments.Member{}, &errs.Error{Code: errs.PermissionDenied, Message: "sign in first"}
	}, &httpapi.Options{Logger: quiet, SweepInterval: -1})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(httpapi.DefaultPath, h)
	mux.Handle("/attachments/dl/", h.Links())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		h.Close(context.Background())
		c.Close(context.Background())
	})

	// The document is the one the Handler serves, and a valid one.
	res, err := http.Get(srv.URL + httpapi.DefaultPath + "openapi.json")
	require.NoError(t, err)
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx), "the served document is no valid OpenAPI 3")
	require.Len(t, doc.Servers, 1)
	assert.Equal(t, strings.TrimSuffix(httpapi.DefaultPath, "/"), doc.Servers[0].URL, "the document's server is the Handler's path")
	doc.Servers[0].URL = srv.URL + doc.Servers[0].URL
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	v := &validating{t: t, router: router, next: http.DefaultTransport, seen: map[string]map[bool]bool{}}
	s := &contractServer{t: t, srv: srv, api: srv.URL + strings.TrimSuffix(httpapi.DefaultPath, "/"), chat: chat, v: v,
		client: &http.Client{Transport: v, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(func() {
		// Every operation was driven, to a success and to a refusal where
		// it has one.
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				assert.True(t, v.seen[op.OperationID][false], "%s %s (%s) never succeeded in the test", method, path, op.OperationID)
				if method != http.MethodOptions && op.OperationID != "openapi" {
					assert.True(t, v.seen[op.OperationID][true], "%s %s (%s) was never refused in the test", method, path, op.OperationID)
				}
			}
		}
	})
	return s
}

// do sends one request as member and returns the answer and its body.
func (s *contractServer) do(member attachments.Member, method, path string, hdr map[string]string, body []byte) (*http.Response, []byte) {
	s.t.Helper()
	url := path
	if !strings.HasPrefix(url, "http") {
		url = s.api + path
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(s.t, err)
	if member.Identity != "" {
		req.Header.Set(memberHeader, member.Identity)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	require.NoError(s.t, err)
	data, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	res.Body.Close()
	return res, data
}

// upload posts a multipart upload of one text file.
func (s *contractServer) upload(member attachments.Member, path, name string, data []byte, text string) (*http.Response, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("size", strconv.Itoa(len(data)))
	if text != "" {
		_ = mw.WriteField("text", text)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", "text/plain")
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write(data)
	_ = mw.Close()
	return s.do(member, "POST", path, map[string]string{"Content-Type": mw.FormDataContentType()}, buf.Bytes())
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(data, &v), "%s", data)
	return v
}

func code(t *testing.T, data []byte) errs.Code {
	t.Helper()
	return decode[httpapi.ErrorBody](t, data).Error.Code
}

func tusMeta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// TestContract drives every route of the Handler, to its successes and its
// refusals, tus included, through a client that validates each request and
// each response against the OpenAPI document the Handler serves.
func TestContract(t *testing.T) {
	s := newServer(t)
	ch := "/channels/" + channel
	text := []byte("hello, contract\n")
	jsonHdr := map[string]string{"Content-Type": "application/json"}

	res, body := s.do(customer, "POST", ch+"/preflight", jsonHdr, []byte(`{"name":"a.txt","contentType":"text/plain","size":16}`))
	assert.Equal(t, http.StatusNoContent, res.StatusCode, "%s", body)
	res, body = s.do(customer, "POST", ch+"/preflight", jsonHdr, []byte(`{"name":"a.xyz","contentType":"application/octet-stream","size":16}`))
	assert.Equal(t, errs.ExtensionNotAllowed, code(t, body))
	res, body = s.do(customer, "POST", ch+"/preflight", jsonHdr, []byte(`{"name":"a.txt","contentType":"text/plain","size":1099511627776}`))
	assert.Equal(t, errs.FileTooLarge, code(t, body))
	res, body = s.do(customer, "POST", ch+"/preflight", map[string]string{"Content-Type": "application/json", invalidRequest: "1"}, []byte(`{"name":"a.txt","unknown":1}`))
	assert.Equal(t, errs.InvalidPayload, code(t, body))

	// Send, link, download, delete.
	res, body = s.upload(customer, ch+"/messages", "a.txt", text, "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	sent := decode[httpapi.SentReply](t, body)
	res, body = s.upload(customer, ch+"/messages", "a.xyz", text, "")
	assert.Equal(t, errs.ExtensionNotAllowed, code(t, body))
	res, body = s.upload(attachments.Member{}, ch+"/messages", "a.txt", text, "")
	assert.Equal(t, errs.PermissionDenied, code(t, body))

	media := ch + "/messages/" + sent.Message.SID + "/media/" + sent.Message.Media[0].SID
	res, body = s.do(agent, "GET", media+"/link", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	res, _ = s.do(agent, "GET", media+"?disposition=inline", nil, nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = s.do(agent, "GET", media+"/link", map[string]string{"Sec-Fetch-Site": "cross-site"}, nil)
	assert.Equal(t, errs.PermissionDenied, code(t, body))
	missing := ch + "/messages/IM00000000000000000000000000000000/media/ME00000000000000000000000000000000"
	res, body = s.do(agent, "GET", missing, nil, nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s", body)

	res, body = s.do(stranger, "DELETE", ch+"/messages/"+sent.Message.SID, nil, nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
	res, body = s.do(agent, "DELETE", ch+"/messages/"+sent.Message.SID, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)

	// The draft.
	res, body = s.do(customer, "POST", ch+"/draft/send", jsonHdr, []byte(`{"text":""}`))
	assert.GreaterOrEqual(t, res.StatusCode, 400, "an empty draft cannot be sent: %s", body)
	res, body = s.upload(customer, ch+"/draft/files", "d.txt", text, "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	draft := decode[httpapi.DraftReply](t, body)
	require.NotNil(t, draft.Media)
	res, body = s.upload(customer, ch+"/draft/files", "d.xyz", text, "")
	assert.Equal(t, errs.ExtensionNotAllowed, code(t, body))
	res, body = s.do(customer, "GET", ch+"/media/"+draft.Media.SID+"/link", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	res, _ = s.do(customer, "GET", ch+"/media/"+draft.Media.SID, nil, nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = s.do(stranger, "GET", ch+"/media/"+draft.Media.SID+"/link", nil, nil)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "another member's draft file: %s", body)
	res, body = s.do(stranger, "GET", ch+"/media/"+draft.Media.SID, nil, nil)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "another member's draft file: %s", body)
	res, body = s.do(customer, "DELETE", ch+"/draft/files/ME00000000000000000000000000000000", nil, nil)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "%s", body)
	res, body = s.do(customer, "DELETE", ch+"/draft/files/"+draft.Media.SID, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	res, body = s.upload(customer, ch+"/draft/files", "e.txt", text, "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	res, body = s.do(customer, "POST", ch+"/draft/send", jsonHdr, []byte(`{"text":""}`))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)

	// tus.
	tus := map[string]string{"Tus-Resumable": "1.0.0"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	res, _ = s.do(customer, "OPTIONS", ch+"/uploads", nil, nil)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, body = s.do(customer, "POST", ch+"/uploads", with(tus, "Upload-Length", "16", "Upload-Metadata", tusMeta("filename", "t.xyz")), nil)
	assert.Equal(t, errs.ExtensionNotAllowed, code(t, body))
	for _, target := range []string{"message", "draft"} {
		res, body = s.do(customer, "POST", ch+"/uploads", with(tus, "Upload-Length", strconv.Itoa(len(text)),
			"Upload-Metadata", tusMeta("filename", "t.txt", "filetype", "text/plain", "target", target)), nil)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
		loc := res.Header.Get("Location")
		res, _ = s.do(customer, "OPTIONS", loc, nil, nil)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		octets := with(tus, "Content-Type", "application/offset+octet-stream")
		res, body = s.do(customer, "PATCH", loc, with(octets, "Upload-Offset", "0"), text[:5])
		require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", body)
		res, _ = s.do(customer, "HEAD", loc, tus, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "5", res.Header.Get("Upload-Offset"))
		res, body = s.do(customer, "PATCH", loc, with(octets, "Upload-Offset", "3"), text[3:])
		assert.Equal(t, errs.Conflict, code(t, body))
		res, body = s.do(customer, "PATCH", loc, map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "5", invalidRequest: "1"}, text[5:])
		assert.Equal(t, errs.InvalidPayload, code(t, body), "no Tus-Resumable")
		res, body = s.do(customer, "PATCH", loc, with(tus, "Content-Type", "text/plain", "Upload-Offset", "5", invalidRequest, "1"), text[5:])
		assert.Equal(t, errs.InvalidPayload, code(t, body), "not application/offset+octet-stream")
		res, body = s.do(customer, "PATCH", loc, with(octets, "Upload-Offset", "5"), text[5:])
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		if target == "draft" {
			assert.Len(t, decode[httpapi.DraftReply](t, body).Draft.Files, 1)
		} else {
			assert.Len(t, decode[httpapi.SentReply](t, body).Message.Media, 1)
		}
	}
	res, body = s.do(customer, "POST", ch+"/uploads", with(tus, "Upload-Length", "16", "Upload-Metadata", tusMeta("filename", "x.txt")), nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	loc := res.Header.Get("Location")
	res, body = s.do(stranger, "DELETE", loc, tus, nil)
	assert.GreaterOrEqual(t, res.StatusCode, 400, "another member's upload: %s", body)
	res, _ = s.do(customer, "DELETE", loc, tus, nil)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	res, _ = s.do(customer, "HEAD", loc, tus, nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	res, body = s.do(attachments.Member{}, "GET", "/openapi.json", nil, nil)
	assert.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Len(t, s.chat.Messages(channel), 2, "the direct upload was deleted; the draft and the tus message were sent")
}
