package links_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

// backend opens a fresh bucket of one real driver. secret is a string that
// must never show in a response (the filesystem driver's directory).
type backend struct {
	name string
	open func(t *testing.T) (b *storage.Bucket, secret string)
}

func backends() []backend {
	return []backend{
		{"memory", func(t *testing.T) (*storage.Bucket, string) {
			return memory.New(), ""
		}},
		{"filesystem", func(t *testing.T) (*storage.Bucket, string) {
			dir := t.TempDir()
			b, err := filesystem.Open(dir, nil)
			if err != nil {
				t.Fatalf("filesystem.Open: %v", err)
			}
			return b, dir
		}},
	}
}

// forEachBackend runs f as a subtest against every backend.
func forEachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			b, secret := be.open(t)
			t.Cleanup(func() { b.Close() })
			f(t, newEnv(t, b, secret, nil))
		})
	}
}

// env is a Server mounted at /dl/ on an httptest server, with a settable
// clock and a captured log.
type env struct {
	t      *testing.T
	clock  *clock
	bucket *storage.Bucket
	signer *links.Signer
	srv    *links.Server
	ts     *httptest.Server
	logs   *lockedBuffer
	secret string
}

func newEnv(t *testing.T, b *storage.Bucket, secret string, opts *links.Options) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), bucket: b, logs: &lockedBuffer{}, secret: secret}
	e.signer = mustSigner(t, key("k1"), &links.SignerOptions{Now: e.clock.Now})
	if opts == nil {
		opts = &links.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	}
	srv, err := links.New(b, e.signer, "/dl", opts)
	if err != nil {
		t.Fatalf("links.New: %v", err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	mux.Handle("/dl/", srv)
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) put(key string, data []byte, meta storage.Metadata) storage.Info {
	e.t.Helper()
	info, err := e.bucket.Put(context.Background(), key, bytes.NewReader(data), meta)
	if err != nil {
		e.t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

// issue returns the absolute URL of a new link.
func (e *env) issue(key string, o *links.IssueOptions) string {
	e.t.Helper()
	l, err := e.srv.Issue(context.Background(), key, o)
	if err != nil {
		e.t.Fatalf("Issue(%q): %v", key, err)
	}
	return e.ts.URL + l.URL
}

// do sends a request with the given headers (name, value, name, value…) and
// returns the response with its body read.
func (e *env) do(method, url string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	e.checkNoLeak(resp, body)
	return resp, body
}

// checkNoLeak fails if a response shows the backend's secret.
func (e *env) checkNoLeak(resp *http.Response, body []byte) {
	e.t.Helper()
	if e.secret == "" {
		return
	}
	if bytes.Contains(body, []byte(e.secret)) {
		e.t.Errorf("the body shows the storage directory %q", e.secret)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			if strings.Contains(v, e.secret) {
				e.t.Errorf("header %s: %q shows the storage directory", k, v)
			}
		}
	}
}

// checkSecurityHeaders checks the headers every response carries.
func checkSecurityHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
}

// checkRefusal checks an error answer: the status, a body that is only the
// status text, no caching, and the security headers.
func checkRefusal(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d; want %d (body %q)", resp.StatusCode, status, body)
	}
	if want := http.StatusText(status) + "\n"; string(body) != want {
		t.Errorf("body = %q; want %q", body, want)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q; want no-store", got)
	}
	for _, k := range []string{"Content-Disposition", "ETag", "Last-Modified"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("%s = %q on a refusal; want none", k, v)
		}
	}
	checkSecurityHeaders(t, resp)
}
