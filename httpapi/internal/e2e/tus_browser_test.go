package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

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

// browserTimeout bounds the browser session.
const browserTimeout = 2 * time.Minute

// chromiumPath finds the browser: $CHROMIUM, Debian's /usr/bin/chromium, or
// chromium on PATH. Without one the test skips, but fails in CI, where
// scripts/deps.sh installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	missing(t, "chromium is not installed (scripts/deps.sh installs it, or set CHROMIUM)")
	return ""
}

// tusClientJS finds the official tus-js-client's browser bundle, which
// scripts/deps.sh fetches with npm into a cache outside the repo.
func tusClientJS(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ATTACHKIT_NPM_CACHE")
	if dir == "" {
		home, err := os.UserHomeDir()
		require.NoError(t, err)
		dir = filepath.Join(home, ".cache", "attachkit", "npm")
	}
	p := filepath.Join(dir, "node_modules", "tus-js-client", "dist", "tus.min.js")
	if _, err := os.Stat(p); err != nil {
		missing(t, "tus-js-client is not installed in "+dir+" (scripts/deps.sh installs it)")
	}
	return p
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(what)
	}
	t.Skip(what + "; skipping the browser test")
}

// browser starts headless Chromium with a fresh profile and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// cutProxy forwards TCP connections to a server, and cuts, once, the first
// connection on which the client sends more than after bytes: a dropped
// connection in the middle of an upload, at a byte the test chooses.
type cutProxy struct {
	ln     net.Listener
	target string
	after  int64
	cut    atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string, after int64) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln, target: target, after: after}
	p.wg.Go(p.serve)
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Go(func() { io.Copy(c, s); c.Close() })
		p.wg.Go(func() { p.forward(c, s) })
	}
}

// forward copies the client's bytes to the server, cutting both sides when
// the budget runs out.
func (p *cutProxy) forward(c, s net.Conn) {
	defer s.Close()
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if !p.cut.Load() && sent+int64(n) > p.after && p.cut.CompareAndSwap(false, true) {
				s.Write(buf[:p.after-sent])
				c.Close()
				return
			}
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
			sent += int64(n)
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// patchLog records the offset and length of every tus PATCH.
type patchLog struct {
	mu      sync.Mutex
	patches [][2]int64
}

func (l *patchLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "PATCH" {
			off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
			l.mu.Lock()
			l.patches = append(l.patches, [2]int64{off, r.ContentLength})
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *patchLog) list() [][2]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][2]int64(nil), l.patches...)
}

// page is the test page: it loads tus-js-client and offers upload(), which
// uploads a file and resolves with the last response or the error.
const page = `<!doctype html><meta charset="utf-8"><title>tus</title>
<script src="/tus.js"></script>
<script>
function upload(name, type, bytes) {
  return new Promise((resolve) => {
    const file = new File([bytes], name, {type: type});
    const up = new tus.Upload(file, {
      endpoint: "/attachments/api/channels/CH1/uploads",
      headers: {"X-Test-Member": "cust-1"},
      metadata: {filename: name, filetype: type},
      retryDelays: [0, 200, 1000],
      onSuccess: (p) => resolve({status: p.lastResponse.getStatus(), body: p.lastResponse.getBody(), url: up.url}),
      onError: (err) => resolve({error: String(err),
        status: err.originalResponse ? err.originalResponse.getStatus() : 0,
        body: err.originalResponse ? err.originalResponse.getBody() : ""}),
    });
    up.start();
  });
}
async function uploadData(name, type) {
  const res = await fetch("/data");
  return upload(name, type, new Uint8Array(await res.arrayBuffer()));
}
</script>`

type uploadResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	URL    string `json:"url"`
	Error  string `json:"error"`
}

// TestTusJSClient uploads with the official tus-js-client in headless
// Chromium. The first PATCH's connection is cut a third of the way in: the
// client resumes where the server's bytes end and sends only the rest. A
// file the guard refuses reaches the client as the JSON refusal.
func TestTusJSClient(t *testing.T) {
	js := tusClientJS(t)
	ctx := browser(t)
	const size = 8 << 20
	data := textFile(size, 31)
	cfg := attachments.DefaultConfig()
	cfg.Customer.FileAttachment.MaxFileSize = 16 << 20
	var log patchLog
	e := startServer(t, cfg, httpapi.Options{StallTimeout: 2 * time.Second}, log.wrap, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		})
		mux.HandleFunc("GET /tus.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, js) })
		mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	})
	proxy := startProxy(t, strings.TrimPrefix(e.url, "http://"), size/3)

	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(proxy.url()+"/")))
	// The page fetches the data through the proxy first; it is only GET
	// responses, server to client, which the proxy never cuts.
	res, err := chromedp.Run(ctx, chromedp.Evaluate[uploadResult](`uploadData("big.txt", "text/plain")`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, proxy.cut.Load(), "the proxy should have cut the upload's connection")
	require.Equal(t, http.StatusOK, res.Status, "the upload should succeed after resuming: %+v", res)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal([]byte(res.Body), &sent), "%s", res.Body)
	require.Len(t, sent.Message.Media, 1)
	sum := sha256.Sum256(data)
	assert.Equal(t, fmt.Sprintf("%x", sum), sent.Message.Media[0].SHA256, "the resumed file should be the bytes the page had")

	patches := log.list()
	require.GreaterOrEqual(t, len(patches), 2, "the cut PATCH and the resumed one: %v", patches)
	assert.Equal(t, int64(0), patches[0][0], "the first PATCH starts at 0")
	last := patches[len(patches)-1]
	assert.Positive(t, last[0], "the client should resume, not start over: %v", patches)
	assert.Equal(t, int64(size), last[0]+last[1], "the resumed PATCH should carry only the missing bytes: %v", patches)
	assert.Equal(t, float64(size), e.metric(t, "attachments_upload_bytes_total"),
		"the server should receive every byte exactly once")

	// A file the guard refuses once it is whole.
	res, err = chromedp.Run(ctx, chromedp.Evaluate[uploadResult](`(() => {
		const b = new Uint8Array(4096); b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		return upload("fake.txt", "text/plain", b);
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnsupportedMediaType, res.Status, "%+v", res)
	var eb httpapi.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(res.Body), &eb), "%s", res.Body)
	assert.Equal(t, errs.TypeMismatch, eb.Error.Code, "the client should learn why")

	assert.Len(t, e.chat.Messages(channel), 1)
	cancel()
	e.assertNoOrphans(t)
}
