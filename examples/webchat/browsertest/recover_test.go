package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// restartable is the demo on a data directory and an address that outlive
// one server: stop and start it again, as a host restarts.
type restartable struct {
	t    *testing.T
	dir  string
	addr string
	srv  *chat.Server
	hs   *httptest.Server
}

func (r *restartable) start(wrap func(http.Handler) http.Handler) {
	r.t.Helper()
	opts := &chat.Options{Logger: slog.New(slog.NewTextHandler(testWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	srv, err := chat.Open(r.dir, opts)
	if err != nil {
		r.t.Fatal(err)
	}
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: wrap(srv)}}
	hs.Start()
	r.srv, r.hs = srv, hs
}

// stop ends the server at once: open connections are cut, as a crash or a
// restart cuts them.
func (r *restartable) stop() {
	r.t.Helper()
	if r.hs == nil {
		return
	}
	r.srv.EndStreams()
	r.hs.CloseClientConnections()
	r.hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.srv.Close(ctx); err != nil {
		r.t.Errorf("close the demo: %v", err)
	}
	r.hs = nil
}

// patchLog records the page's tus requests, with each PATCH's offset, and
// can hold one PATCH until its connection is cut.
type patchLog struct {
	next http.Handler
	hold int // the PATCH to hold (1-based), 0: none

	mu      sync.Mutex
	seen    []string
	patches int
	held    chan struct{}
}

func (l *patchLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.URL.Path, "/uploads") {
		l.next.ServeHTTP(w, r)
		return
	}
	l.mu.Lock()
	entry := r.Method
	n := 0
	if r.Method == http.MethodPatch {
		l.patches++
		n = l.patches
		entry += "@" + r.Header.Get("Upload-Offset")
	}
	l.seen = append(l.seen, entry)
	l.mu.Unlock()
	if n > 0 && n == l.hold {
		close(l.held)
		_, _ = io.Copy(io.Discard, r.Body) // until the connection is cut
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	}
	l.next.ServeHTTP(w, r)
}

func (l *patchLog) log() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.seen, " ")
}

// TestUploadRecoversFromRestart restarts the server in the middle of a
// large upload: the page says "reconnecting", tries again by itself with
// backoff, asks the new server how much arrived, sends only the rest, and
// the file arrives whole, with no click.
func TestUploadRecoversFromRestart(t *testing.T) {
	r := &restartable{t: t, dir: t.TempDir()}
	first := &patchLog{hold: 2, held: make(chan struct{})}
	r.start(func(h http.Handler) http.Handler { first.next = h; return first })
	t.Cleanup(r.stop)
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	var big bytes.Buffer
	for i := 0; big.Len() < 6<<20; i++ {
		fmt.Fprintf(&big, "line %07d of the warehouse log: pallet moved to bay\n", i)
	}
	path := writeFile(t, t.TempDir(), "warehouse-log.txt", big.Bytes())

	s.open("http://"+r.addr+"/", "customer")
	s.do("pick the large file", chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{path}))
	select {
	case <-first.held:
	case <-time.After(time.Until(s.deadline)):
		t.Fatalf("the second chunk never arrived; tus requests: %s", first.log())
	}

	r.stop()
	reconnecting := view("customer", `.chip[data-status="reconnecting"]`)
	s.do("the chip says it is reconnecting", chromedp.WaitVisible(chromedp.CSS(reconnecting)))
	if got := s.text(reconnecting + " .chip-state"); got != "reconnecting…" {
		t.Errorf("the interrupted upload's chip says %q, want reconnecting…", got)
	}
	if got := s.attr(reconnecting+" .chip-cancel", "aria-label"); !strings.HasPrefix(got, "Cancel upload") {
		t.Errorf("a reconnecting upload offers %q, want a cancel", got)
	}

	second := &patchLog{}
	r.start(func(h http.Handler) http.Handler { second.next = h; return second })
	s.do("the upload finishes by itself once the server is back",
		chromedp.WaitVisible(chromedp.CSS(view("customer", ".chip.attached"))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip:not(.attached)"))),
	)
	got := second.log()
	if !strings.HasPrefix(got, "HEAD PATCH@1048576 ") || strings.Contains(got, "POST") {
		t.Errorf("after the restart the page sent %q; want a HEAD, then PATCHes from the 1 MiB the server had, and no new upload", got)
	}
	customer := attachments.Member{Identity: "casey"}
	dr, err := r.srv.Client().Draft(context.Background(), chat.Channel, customer)
	if err != nil || len(dr.Files) != 1 {
		t.Fatalf("the draft holds %d files (%v), want the large file", len(dr.Files), err)
	}
	rc, err := r.srv.Client().OpenMedia(context.Background(), dr.Files[0].SID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if want := sha256.Sum256(big.Bytes()); err != nil || n != int64(big.Len()) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Errorf("the server holds %d bytes (%v) that differ from the %d sent", n, err, big.Len())
	}
}
