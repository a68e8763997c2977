package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// tusWatch sits in front of the demo and watches the page's tus requests:
// it drops the connection of the second PATCH of the first upload (a
// network break the page must resume from with a HEAD), holds the fourth
// PATCH until the browser cancels it, and counts what it saw.
type tusWatch struct {
	next http.Handler

	mu      sync.Mutex
	methods []string // method of every tus request, in order
	patches int

	held chan struct{} // closed when the fourth PATCH is being held
	gone chan struct{} // closed when the page DELETEs an upload
	done chan struct{} // closed when the test ends: let go of what is held
}

func (w *tusWatch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/attachments/api/uploads/") && !strings.HasSuffix(r.URL.Path, "/uploads") {
		w.next.ServeHTTP(rw, r)
		return
	}
	w.mu.Lock()
	w.methods = append(w.methods, r.Method)
	n := 0
	if r.Method == http.MethodPatch {
		w.patches++
		n = w.patches
	}
	w.mu.Unlock()
	switch {
	case n == 2:
		// A network break mid-chunk: read a little, start an answer, then
		// drop the connection (before any answer, Chromium would quietly
		// send the request again on a new one).
		_, _ = io.CopyN(io.Discard, r.Body, 1000)
		rw.Header().Set("Content-Length", "100")
		rw.WriteHeader(http.StatusInternalServerError)
		_, _ = rw.Write([]byte("broken"))
		_ = http.NewResponseController(rw).Flush()
		panic(http.ErrAbortHandler)
	case n == 4:
		close(w.held)
		// Until the browser cancels it: the body's read fails when the
		// connection goes, or it ends and the context follows.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-w.done:
		}
		return
	case r.Method == http.MethodDelete:
		defer close(w.gone)
	}
	w.next.ServeHTTP(rw, r)
}

func (w *tusWatch) seen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.methods, " ")
}

// TestTusUploadInBrowser sends a file over the page's tus threshold: it
// goes in chunks with its progress shown, resumes with a HEAD after a
// dropped connection, cancels with Escape (the page DELETEs the upload),
// retries, and arrives whole.
func TestTusUploadInBrowser(t *testing.T) {
	var w *tusWatch
	d := startDemoBehind(t, chat.Options{}, func(h http.Handler) http.Handler {
		w = &tusWatch{next: h, held: make(chan struct{}), gone: make(chan struct{}), done: make(chan struct{})}
		return w
	})
	t.Cleanup(func() { close(w.done) }) // before the server's Close, which waits for held requests
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	// 6 MiB of text: over the page's 4 MiB threshold, under the 10 MB limit.
	var big bytes.Buffer
	for i := 0; big.Len() < 6<<20; i++ {
		fmt.Fprintf(&big, "line %07d of the delivery log: parcel scanned at depot\n", i)
	}
	path := writeFile(t, t.TempDir(), "delivery-log.txt", big.Bytes())

	s.open(d.hs.URL+"/", "customer", "agent")
	uploading := view("customer", `.chip[data-status="uploading"]`)
	s.do("pick the large file", chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{path}))
	select {
	case <-w.held:
	case <-time.After(time.Until(s.deadline)):
		t.Fatalf("the fourth chunk never arrived; tus requests seen: %s", w.seen())
	}
	pct := run(s, "read the progress", chromedp.Poll[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e && /^[1-9]\d?%%$/.test(e.textContent) && e.textContent; })()`,
		uploading+" .chip-state")))
	if !regexp.MustCompile(`^\d{1,2}%$`).MatchString(pct) {
		t.Errorf("a tus upload in flight shows %q, want a percentage between 1 and 99", pct)
	}
	if got := w.seen(); !strings.HasPrefix(got, "POST PATCH PATCH HEAD PATCH PATCH") {
		t.Errorf("tus requests %q, want a creation, a PATCH, a broken PATCH, a HEAD to resume, then PATCHes", got)
	}

	run(s, "leave focus on the page", chromedp.Evaluate[bool](`document.activeElement.blur(), true`))
	s.do("Escape cancels the tus upload",
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitVisible(chromedp.CSS(view("customer", `.chip[data-status="cancelled"] .chip-retry`))),
	)
	select {
	case <-w.gone:
	case <-time.After(time.Until(s.deadline)):
		t.Fatalf("the page did not terminate the cancelled upload; tus requests seen: %s", w.seen())
	}

	attached := view("customer", ".chip.attached")
	s.do("Retry sends it again, whole",
		chromedp.Click(chromedp.CSS(view("customer", `.chip[data-status="cancelled"] .chip-retry`))),
		chromedp.WaitVisible(chromedp.CSS(attached)),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip:not(.attached)"))),
	)
	if got := strings.Count(w.seen(), "POST"); got != 2 {
		t.Errorf("%d tus uploads created, want 2 (the cancelled one and the retry): %s", got, w.seen())
	}
	customer := attachments.Member{Identity: "casey"}
	dr, err := d.srv.Client().Draft(context.Background(), chat.Channel, customer)
	if err != nil || len(dr.Files) != 1 {
		t.Fatalf("the draft holds %d files (%v), want the large file", len(dr.Files), err)
	}
	rc, err := d.srv.Client().OpenMedia(context.Background(), dr.Files[0].SID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if want := sha256.Sum256(big.Bytes()); err != nil || n != int64(big.Len()) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Errorf("the server holds %d bytes (%v) that differ from the %d sent", n, err, big.Len())
	}
	s.do("and the customer sends it",
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] a.media-file`))),
	)
}
