package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

var (
	customer = attachments.Member{Identity: "cust-1"}
	agent    = attachments.Member{Identity: "agent-1"}
	stranger = attachments.Member{Identity: "cust-2"}
)

const channel = "CH1"

// memberHeader names the member a test request acts for; the test's
// MemberFunc stands in for a host's session.
const memberHeader = "X-Test-Member"

// env is a Client on filesystem storage behind a Handler, served by a real
// http.Server on 127.0.0.1.
type env struct {
	c     *attachments.Client
	store *storage.Bucket
	chat  *attachmentstest.Transport
	h     *httpapi.Handler
	srv   *http.Server
	reg   *prometheus.Registry
	url   string // the server's root, http://127.0.0.1:port
	api   string // url + the Handler's path
}

type envOptions struct {
	quota   ledger.Quota // the Client's
	cfg     *attachments.Config
	handler *httpapi.Options
	noSync  bool
	// readHeaderTimeout replaces NewServer's, for the slowloris test.
	readHeaderTimeout time.Duration
	// wrap, when set, wraps the Handler where it is mounted.
	wrap func(http.Handler) http.Handler
	// routes, when set, adds the test's own routes to the server's mux.
	routes func(mux *http.ServeMux)
	// ledger, when set, is the Client's ledger.
	ledger ledger.Ledger
}

func newEnv(t testing.TB, o *envOptions) *env {
	t.Helper()
	if o == nil {
		o = &envOptions{}
	}
	store, err := filesystem.Open(t.TempDir(), &filesystem.Options{NoSync: o.noSync})
	require.NoError(t, err)
	members := &attachmentstest.Members{}
	ctx := context.Background()
	for _, m := range []struct {
		id   string
		role attachments.Role
	}{{customer.Identity, attachments.RoleCustomer}, {agent.Identity, attachments.RoleAgent}, {stranger.Identity, attachments.RoleCustomer}} {
		require.NoError(t, members.SetRole(ctx, channel, m.id, m.role))
	}
	cfg := attachments.DefaultConfig()
	if o.cfg != nil {
		cfg = *o.cfg
	}
	chat := &attachmentstest.Transport{}
	quiet := slog.New(slog.DiscardHandler)
	records := o.ledger
	if records == nil {
		records = ledgermemory.New() // one process: the files die with the test's directory
	}
	c, err := attachments.New(cfg, chat, members, &attachments.Options{Storage: store, Logger: quiet, Ledger: records, Quota: o.quota})
	require.NoError(t, err)
	e := &env{c: c, store: store, chat: chat, reg: prometheus.NewRegistry()}
	ho := httpapi.Options{}
	if o.handler != nil {
		ho = *o.handler
	}
	ho.Registerer = e.reg
	if ho.Logger == nil {
		ho.Logger = quiet
	}
	e.h, err = httpapi.New(c, memberOf, &ho)
	require.NoError(t, err)
	mux := http.NewServeMux()
	path := ho.Path
	if path == "" {
		path = httpapi.DefaultPath
	}
	var api http.Handler = e.h
	if o.wrap != nil {
		api = o.wrap(api)
	}
	mux.Handle(path, api)
	if o.routes != nil {
		o.routes(mux)
	}
	mux.Handle("/attachments/dl/", e.h.Links())
	mux.Handle("/metrics", e.h.Metrics())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.srv = httpapi.NewServer("", mux)
	if o.readHeaderTimeout > 0 {
		e.srv.ReadHeaderTimeout = o.readHeaderTimeout
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = e.srv.Serve(ln)
	}()
	e.url = "http://" + ln.Addr().String()
	e.api = e.url + path
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, e.srv.Shutdown(ctx), "the server did not shut down")
		<-served
		e.h.Close(context.Background())
		c.Close(context.Background())
		store.Close()
		assertNoGoroutines(t)
	})
	return e
}

// memberOf is the test's MemberFunc.
func memberOf(r *http.Request) (attachments.Member, error) {
	switch r.Header.Get(memberHeader) {
	case customer.Identity:
		return customer, nil
	case agent.Identity:
		return agent, nil
	case stranger.Identity:
		return stranger, nil
	}
	return attachments.Member{}, &errs.Error{Code: errs.PermissionDenied, Message: "sign in first"}
}

// textFile returns n bytes of printable text, different for each seed.
func textFile(n int, seed uint64) []byte {
	const letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n"
	b := make([]byte, n)
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	_, _ = rand.NewChaCha8(key).Read(b)
	for i, c := range b {
		b[i] = letters[c%byte(len(letters))]
	}
	return b
}

// form is a multipart upload body.
type form struct {
	fields [][2]string
	name   string // the file's name; "" for no file part
	data   []byte
	field  string // the file part's field, default "file"
}

func (f form) encode() (body []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range f.fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	if f.name != "" {
		field := f.field
		if field == "" {
			field = "file"
		}
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, f.name))
		hdr.Set("Content-Type", "text/plain")
		pw, _ := mw.CreatePart(hdr)
		_, _ = pw.Write(f.data)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// fileForm is a form holding one text file with its declared size.
func fileForm(name string, data []byte) form {
	return form{fields: [][2]string{{"size", fmt.Sprint(len(data))}}, name: name, data: data}
}

// do sends a request as member and returns the status and body.
func (e *env) do(t testing.TB, member attachments.Member, method, path string, body io.Reader, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.api+path, body)
	require.NoError(t, err)
	if member.Identity != "" {
		req.Header.Set(memberHeader, member.Identity)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, data
}

// upload posts f to path as member.
func (e *env) upload(t testing.TB, member attachments.Member, path string, f form) (*http.Response, []byte) {
	t.Helper()
	body, ct := f.encode()
	return e.do(t, member, "POST", path, bytes.NewReader(body), ct)
}

// errorCode decodes an ErrorBody.
func errorCode(t testing.TB, body []byte) httpapi.ErrorReply {
	t.Helper()
	var eb httpapi.ErrorBody
	require.NoError(t, json.Unmarshal(body, &eb), "the refusal is not an ErrorBody: %s", body)
	return eb.Error
}

// keys lists the bucket's keys by their first segment.
func (e *env) keys(t testing.TB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for it, err := range e.store.List(context.Background(), "") {
		require.NoError(t, err)
		first, _, _ := strings.Cut(it.Key, "/")
		out[first] = append(out[first], it.Key)
	}
	return out
}

// assertNoOrphans checks that storage holds exactly the media of the
// channel's messages and the members' drafts, that the ledger agrees, and
// that no tus chunks are left.
func (e *env) assertNoOrphans(t testing.TB) {
	t.Helper()
	want := map[string]bool{}
	for _, m := range e.chat.Messages(channel) {
		media, err := m.Media()
		require.NoError(t, err)
		for _, md := range media {
			want["media/"+md.SID] = true
		}
	}
	for _, m := range []attachments.Member{customer, agent, stranger} {
		d, err := e.c.Draft(context.Background(), channel, m)
		require.NoError(t, err)
		for _, f := range d.Files {
			want["media/"+f.SID] = true
		}
	}
	k := e.keys(t)
	got := map[string]bool{}
	for _, key := range k["media"] {
		got[key] = true
	}
	assert.Equal(t, want, got, "storage holds media no message or draft refers to (or lost some)")
	rep, err := e.c.Check(context.Background(), 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs, "blobs no ledger record explains")
	assert.Empty(t, rep.MissingBlobs, "ledger records whose blob is gone")
	assert.Empty(t, k["tus"], "tus chunks left behind")
}

// assertServing checks that the server still answers an upload.
func (e *env) assertServing(t testing.TB) {
	t.Helper()
	res, body := e.upload(t, customer, "channels/"+channel+"/draft/files", fileForm("still.txt", textFile(100, 99)))
	require.Equal(t, http.StatusCreated, res.StatusCode, "the server stopped serving: %s", body)
	var dr httpapi.DraftReply
	require.NoError(t, json.Unmarshal(body, &dr))
	res, body = e.do(t, customer, "DELETE", "channels/"+channel+"/draft/files/"+dr.Media.SID, nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
}

// ourGoroutines are the stacks of goroutines the server or the Handler
// started, or a test client left.
func ourGoroutines() []string { return goroutines(false) }

// goroutines is ourGoroutines, with the Handler's sweeper too when all.
func goroutines(all bool) []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "httpapi.") ||
			strings.Contains(g, "tusd") || strings.Contains(g, "net/http.(*persistConn)") {
			// The sweeper is the Handler's own until Close, which waits
			// for it; the test's goroutines are not the server's.
			if !strings.Contains(g, "ourGoroutines") && !strings.Contains(g, "testing.tRunner") &&
				(!strings.Contains(g, "(*Handler).sweeper") || all) && !strings.Contains(g, "_test.") {
				out = append(out, g)
			}
		}
	}
	return out
}

// assertNoGoroutines waits, up to a bound, for the goroutines of closed
// connections to exit, and fails with their stacks if some do not. A
// goroutine exits a little after its connection closes; waiting is not a
// timing assertion, the bound only keeps a leak from hanging the test.
func assertNoGoroutines(t testing.TB) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := goroutines(true)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines left behind:\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
