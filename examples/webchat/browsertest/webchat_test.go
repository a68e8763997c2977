package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // image.DecodeConfig reads the thumbnails
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
	"github.com/attachkit/attachments/validate"
)

// testTimeout bounds the whole browser session.
const testTimeout = 100 * time.Second

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
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; scripts/deps.sh installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium, or set CHROMIUM); skipping the browser test")
	return ""
}

// demo is the web chat server, started in-process on 127.0.0.1 at a free
// port.
type demo struct {
	srv *chat.Server
	hs  *httptest.Server
}

func startDemo(t *testing.T, opts chat.Options) *demo {
	t.Helper()
	return startDemoBehind(t, opts, nil)
}

// startDemoBehind is startDemo with wrap (when not nil) between the test
// server and the demo, to watch or hold up requests.
func startDemoBehind(t *testing.T, opts chat.Options, wrap func(http.Handler) http.Handler) *demo {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := chat.Open(t.TempDir(), &opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.EndStreams() // event streams never end on their own
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close the demo: %v", err)
		}
	})
	return &demo{srv: srv, hs: hs}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// get fetches a path or URL of the demo and returns status, headers and body.
func (d *demo) get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = d.hs.URL + url
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, res.Header, body
}

// storedMedia counts the media blobs in the demo's storage.
func (d *demo) storedMedia(t *testing.T) int {
	t.Helper()
	n := 0
	for info, err := range d.srv.Client().Storage().List(context.Background(), "media/") {
		if err != nil {
			t.Fatal(err)
		}
		_ = info
		n++
	}
	return n
}

// formatBytes is the page's formatBytes, to check what the page shows.
func formatBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KB", "MB", "GB"}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 100 || v == float64(int64(v)) {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// photo returns a small PNG, a picture of a damaged parcel as far as the
// test is concerned.
func photo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 160))
	for y := range 160 {
		for x := range 240 {
			img.Set(x, y, color.RGBA{R: uint8(90 + x/3), G: uint8(70 + y/2), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
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
		chromedp.WindowSize(1600, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// Start the browser on a context without a deadline: its lifetime is the
	// test's. Steps get their deadline from run.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// session is one page in the browser, with the test's deadline.
type session struct {
	t        *testing.T
	ctx      context.Context
	deadline time.Time
}

func (s *session) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithDeadline(s.ctx, s.deadline)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		s.t.Fatalf("%s: %v\n%s", what, err, s.snapshot())
	}
}

// snapshot says what the page shows, for a step that failed: each view's
// sign-in, load and live state, its chips and its notice, and the step
// deadline's distance. It saves a screenshot beside the others.
func (s *session) snapshot() string {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.view')].map((v) =>
		v.dataset.view + ': signedIn=' + v.dataset.signedIn + ' ready=' + v.dataset.ready + ' live=' + v.dataset.live +
		' chips=[' + [...v.querySelectorAll('.chip')].map((c) => (c.dataset.status || 'attached') + ' ' + c.title).join('; ') + ']' +
		' notice=' + (v.querySelector('.notice').hidden ? '' : v.querySelector('.notice').textContent.replace(/\s+/g, ' ').trim()) +
		' messages=' + v.querySelectorAll('li.msg').length).join('\n') +
		'\ndialogs open: ' + [...document.querySelectorAll('dialog[open]')].map((d) => d.className).join(', ')`))
	if err != nil {
		return "page state unknown: " + err.Error()
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		dir := filepath.Join("..", "testdata", "screenshots")
		if os.MkdirAll(dir, 0o755) == nil {
			path := filepath.Join(dir, "failed-"+strings.ReplaceAll(s.t.Name(), "/", "-")+".png")
			if os.WriteFile(path, png, 0o644) == nil {
				state += "\nscreenshot: " + path
			}
		}
	}
	return "the page:\n" + state
}

func run[T any](s *session, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	ctx, cancel := context.WithDeadline(s.ctx, s.deadline)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		s.t.Fatalf("%s: %v\n%s", what, err, s.snapshot())
	}
	return v
}

func (s *session) text(sel string) string {
	s.t.Helper()
	return strings.TrimSpace(run(s, "read "+sel, chromedp.TextContent(chromedp.CSS(sel))))
}

func (s *session) attr(sel, name string) string {
	s.t.Helper()
	return run(s, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// open navigates to url and signs views in, as a person would: each view
// shows its sign-in, and its button signs it in.
func (s *session) open(url string, views ...string) {
	s.t.Helper()
	s.do("open "+url, chromedp.Navigate(url))
	s.signIn(views...)
}

// signIn signs views in with their Sign in buttons and waits until each
// has loaded the conversation.
func (s *session) signIn(views ...string) {
	s.t.Helper()
	for _, v := range views {
		s.do("sign in as the "+v,
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-view=%q][data-signed-in="false"] .signin-btn`, v))),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-view=%q][data-ready="true"]`, v))),
		)
	}
}

// preflightLog is what the browser's network log says of the page's
// preflights.
type preflightLog struct {
	mu       sync.Mutex
	ids      map[network.RequestID]bool
	finished int
	failed   []string
}

func (l *preflightLog) report() (finished int, failed []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.finished, slices.Clone(l.failed)
}

// watchPreflights follows the page's preflight requests in the browser's
// network log (what DevTools shows): each must finish, none fail or be
// cancelled.
func watchPreflights(t *testing.T, s *session) *preflightLog {
	t.Helper()
	l := &preflightLog{ids: map[network.RequestID]bool{}}
	err := chromedp.Listen(s.ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if strings.HasSuffix(e.Request.URL, "/preflight") {
				l.ids[e.RequestID] = true
			}
		case *network.EventLoadingFinished:
			if l.ids[e.RequestID] {
				l.finished++
			}
		case *network.EventLoadingFailed:
			if l.ids[e.RequestID] {
				l.failed = append(l.failed, fmt.Sprintf("%s (canceled %v)", e.ErrorText, e.Canceled))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// allViews are the page's three views.
var allViews = []string{"customer", "agent", "supervisor"}

// view scopes a selector to one of the page's views.
func view(name, sel string) string { return fmt.Sprintf(`[data-view=%q] %s`, name, sel) }

// virusScan starts a real clamd, with the EICAR signature, and returns the
// Setup that protects the demo with it. Without clamd it returns nil, and
// the test skips the infected file, but fails in CI.
func virusScan(t *testing.T) func(*attachments.Client) error {
	t.Helper()
	d, err := clamavtest.Start(context.Background(), nil)
	if errors.Is(err, clamavtest.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Logf("no virus scan: %v", err)
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s, err := clamav.New("unix", d.Socket, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(c *attachments.Client) error {
		_, err := clamav.Protect(c, s, nil)
		return err
	}
}

func TestWebchatInBrowser(t *testing.T) {
	scan := virusScan(t)
	opts := chat.Options{Setup: scan}
	if scan != nil {
		opts.VirusScan = "ClamAV (test daemon)"
	}
	d := startDemo(t, opts)
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	files := t.TempDir()
	pic := photo(t)
	picPath := writeFile(t, files, "damaged-parcel.png", pic)

	preflights := watchPreflights(t, s)
	s.open(d.hs.URL+"/", allViews...)
	s.do("the supervisor is live", chromedp.WaitVisible(chromedp.CSS(`[data-view="supervisor"][data-ready="true"][data-live="true"]`)))
	if got := s.text(`[data-side="customer"] .side-limit`); got != "up to 10 MB" {
		t.Errorf("policy panel shows the customer's limit as %q, want %q", got, "up to 10 MB")
	}

	// Text both ways.
	s.do("customer types a message",
		chromedp.SendKeys(chromedp.CSS(view("customer", ".message-input")), "Hi! My parcel arrived damaged."),
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] .msg-text`))),
	)
	if got := s.text(view("agent", `li.msg[data-author="customer"] .msg-text`)); got != "Hi! My parcel arrived damaged." {
		t.Errorf("agent sees %q", got)
	}
	s.do("agent replies",
		chromedp.SendKeys(chromedp.CSS(view("agent", ".message-input")), "Sorry to hear that! Could you attach a photo?\n"),
		chromedp.WaitVisible(chromedp.CSS(view("customer", `li.msg[data-author="agent"] .msg-text`))),
	)

	// Attach through the file input: the preview shows name and size.
	chip := view("customer", ".chip.attached")
	s.do("attach through the file input",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{picPath}),
		chromedp.WaitVisible(chromedp.CSS(chip)),
	)
	if got := s.text(chip + " .chip-name"); got != "damaged-parcel.png" {
		t.Errorf("preview name = %q, want damaged-parcel.png", got)
	}
	if got, want := s.text(chip+" .chip-size"), formatBytes(int64(len(pic))); got != want {
		t.Errorf("preview size = %q, want %q", got, want)
	}
	customer := attachments.Member{Identity: "casey"}
	if dr, err := d.srv.Client().Draft(context.Background(), chat.Channel, customer); err != nil || len(dr.Files) != 1 {
		n := len(dr.Files)
		t.Fatalf("the server's draft holds %d files after attaching, want 1", n)
	}

	// Remove it: the preview goes, and so does the staged file.
	s.do("remove the attached file",
		chromedp.Click(chromedp.CSS(chip+" .chip-remove")),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
	)
	if dr, err := d.srv.Client().Draft(context.Background(), chat.Channel, customer); err != nil || len(dr.Files) != 0 {
		n := len(dr.Files)
		t.Errorf("the server's draft holds %d files after removing, want 0", n)
	}
	if n := d.storedMedia(t); n != 0 {
		t.Errorf("%d media blobs stored after removing the only file, want 0", n)
	}

	// Attach again and send: the picture shows on the agent's side.
	agentImg := view("agent", `li.msg[data-author="customer"] img[src^="/attachments/dl/"]`)
	s.do("attach again and send",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{picPath}),
		chromedp.WaitVisible(chromedp.CSS(chip)),
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
		chromedp.WaitVisible(chromedp.CSS(agentImg)),
	)
	loaded := run(s, "wait for the thumbnail to load", chromedp.Poll[bool](
		fmt.Sprintf(`(() => { const i = document.querySelector(%q); return i && i.complete && i.naturalWidth === 240; })()`, agentImg)))
	if !loaded {
		t.Error("the agent's thumbnail did not load")
	}
	// What shows is the library's thumbnail rendition, not the original.
	imgLink := s.attr(agentImg, "src")
	status, hdr, body := d.get(t, imgLink)
	thumbCache := hdr.Get("Cache-Control")
	if status != http.StatusOK || bytes.Equal(body, pic) {
		t.Fatalf("the thumbnail's link answered %d with %d bytes, want 200 with a rendition, not the %d bytes sent", status, len(body), len(pic))
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(body)); err != nil || format != "jpeg" {
		t.Errorf("the thumbnail is %q (%v), want a JPEG (the picture has no transparency)", format, err)
	}
	if got := hdr.Get("Content-Type"); got != "image/jpeg" {
		t.Errorf("thumbnail served as %q, want image/jpeg", got)
	}
	if got := hdr.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	picSID := s.attr(view("agent", `li.msg[data-author="customer"]:has(img)`), "data-sid")
	s.do("the supervisor sees it too",
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", fmt.Sprintf(`li.msg[data-sid=%q] img[src]`, picSID)))))

	// A file dropped on the agent's conversation: a synthetic DragEvent with a
	// DataTransfer that holds a File made in the page.
	note := "Order #1042: replacement shipped today.\n"
	agentChip := view("agent", ".chip.attached")
	dropped := run(s, "drop a file on the agent's conversation", chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const target = document.querySelector('[data-view="agent"] .conversation');
		const dt = new DataTransfer();
		dt.items.add(new File([%q], 'shipping-note.txt', { type: 'text/plain' }));
		for (const type of ['dragenter', 'dragover', 'drop']) {
			target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
		}
		return true;
	})()`, note)))
	if !dropped {
		t.Fatal("the drop did not run")
	}
	s.do("the dropped file is attached", chromedp.WaitVisible(chromedp.CSS(agentChip)))
	if got := s.text(agentChip + " .chip-name"); got != "shipping-note.txt" {
		t.Errorf("dropped file's preview name = %q", got)
	}
	customerFile := view("customer", `li.msg[data-author="agent"] a.media-file`)
	s.do("the agent sends it; it shows on the customer's side",
		chromedp.Click(chromedp.CSS(view("agent", ".send"))),
		chromedp.WaitVisible(chromedp.CSS(customerFile)),
	)
	if got := s.text(customerFile + ` .file-name [aria-hidden="true"]`); got != "shipping-note.txt" {
		t.Errorf("customer sees file %q", got)
	}

	// Clicking the file fetches a fresh link; the link returns the bytes.
	s.do("the customer opens the file",
		chromedp.Click(chromedp.CSS(customerFile)),
		chromedp.WaitVisible(chromedp.CSS(customerFile+`[href^="/attachments/dl/"]`)),
	)
	status, hdr, body = d.get(t, s.attr(customerFile, "href"))
	if status != http.StatusOK || string(body) != note {
		t.Errorf("the file's link answered %d with %q, want 200 with %q", status, body, note)
	}
	if got := hdr.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment") {
		t.Errorf("Content-Disposition = %q, want an attachment", got)
	}

	// Paste from the clipboard: a ClipboardEvent whose DataTransfer holds a
	// file, on the customer's message box.
	pasted := run(s, "paste a file into the customer's message box", chromedp.Evaluate[bool](`(() => {
		const box = document.querySelector('[data-view="customer"] .message-input');
		const dt = new DataTransfer();
		dt.items.add(new File(['pasted from the clipboard'], 'clipboard.txt', { type: 'text/plain' }));
		return !box.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
	})()`))
	if !pasted {
		t.Error("the page did not take the pasted file (the paste event was not handled)")
	}
	s.do("the pasted file is attached", chromedp.WaitVisible(chromedp.CSS(chip)))
	if got := s.text(chip + " .chip-name"); got != "clipboard.txt" {
		t.Errorf("pasted file's preview name = %q", got)
	}
	s.do("and removed again",
		chromedp.Click(chromedp.CSS(chip+" .chip-remove")),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
	)

	// Files that break the rules: an error on the customer's side.
	big := filepath.Join(files, "scan.pdf")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(validate.DefaultMaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	notice := view("customer", ".notice")
	s.do("an oversized file",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{big}),
		chromedp.WaitVisible(chromedp.CSS(notice+`[data-code="file_too_large"]`)),
	)
	if got := s.text(notice + " .notice-title"); got != "File too large" {
		t.Errorf("notice title = %q", got)
	}
	if got := s.text(notice + " .notice-text"); !strings.Contains(got, "10 MB") || !strings.Contains(got, "scan.pdf") {
		t.Errorf("notice text = %q, want it to name the file and the 10 MB limit", got)
	}
	// The preflight refused it before a byte was sent, and the audit trail
	// says so, in words.
	refusedPre := view("supervisor", `.act.refused[data-action="Preflight"][data-code="file_too_large"]`)
	s.do("the supervisor's audit trail shows the refused preflight", chromedp.WaitVisible(chromedp.CSS(refusedPre)))
	if got := s.text(refusedPre + " summary"); got != "Casey Morgan could not upload scan.pdf, checked before the upload · File too large" {
		t.Errorf("the audit trail says of the refused preflight %q", got)
	}
	s.do("open it", chromedp.Click(chromedp.CSS(refusedPre+" summary")), chromedp.WaitVisible(chromedp.CSS(refusedPre+" .act-message")))
	if got := s.text(refusedPre + " .act-message"); !strings.Contains(got, "10 MB") {
		t.Errorf("the refused preflight's full text is %q, want the words the customer saw", got)
	}
	if finished, failed := preflights.report(); finished < 4 || len(failed) > 0 {
		t.Errorf("the browser's network log shows %d preflights finished and these failed or cancelled: %v", finished, failed)
	}

	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 4096)...)
	exePath := writeFile(t, files, "invoice.pdf", exe)
	s.do("a renamed executable",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{exePath}),
		chromedp.WaitVisible(chromedp.CSS(notice+`:is([data-code="type_mismatch"], [data-code="type_not_allowed"])`)),
	)
	if got := s.text(notice + " .notice-text"); !strings.Contains(got, "Windows program") || strings.Contains(got, "/") {
		t.Errorf("notice text = %q, want it to say in words that the file is a program", got)
	}
	if scan != nil {
		eicarPath := writeFile(t, files, "eicar.txt", []byte(clamavtest.EICAR))
		s.do("an infected file",
			chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{eicarPath}),
			chromedp.WaitVisible(chromedp.CSS(notice+`[data-code="infected"]`)),
		)
		if got := s.text(notice + " .notice-title"); got != "Malware detected" {
			t.Errorf("notice title = %q", got)
		}
		if got := s.text(notice + " .notice-text"); strings.Contains(got, "Eicar") {
			t.Errorf("notice text %q names the signature", got)
		}
	}
	if n := d.storedMedia(t); n != 2 {
		t.Errorf("%d media blobs stored, want 2 (the refused files must leave nothing behind)", n)
	}

	s.do("the supervisor's audit trail shows the refusals",
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", ".act.refused"))))

	testBlocking(t, s, d)

	// The agent deletes the picture: it asks first, by keyboard too; then it
	// goes from every view, its link dies, and the browser does not show it
	// again from its cache.
	if got := thumbCache; got != "private, no-cache" {
		t.Errorf("the thumbnail's link is served with Cache-Control %q, want private, no-cache (a deleted picture must not come back from the cache)", got)
	}
	msg := fmt.Sprintf(`li.msg[data-sid=%q]`, picSID)
	trash := view("agent", msg+" .msg-delete")
	confirm := `dialog.confirm[open]`
	s.do("Enter on the trash button asks first",
		chromedp.Focus(chromedp.CSS(trash)),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(confirm)),
	)
	if got := s.text(confirm + " .confirm-text"); !strings.Contains(got, "damaged-parcel.png") {
		t.Errorf("the question before the delete says %q, want the file's name", got)
	}
	if got := run(s, "where the focus is", chromedp.Evaluate[string](`document.activeElement.textContent`)); got != "Cancel" {
		t.Errorf("with the question open the focus is on %q, want Cancel", got)
	}
	checkAccessibility(t, s, axeSource(t), "the question before a delete")
	s.do("Escape keeps the message",
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(chromedp.CSS(confirm)),
		chromedp.WaitVisible(chromedp.CSS(view("agent", msg))),
	)
	if !run(s, "where the focus went", chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, trash))) {
		t.Error("after the question closed the focus is not back on the trash button")
	}
	if n := d.storedMedia(t); n != 2 {
		t.Errorf("%d media blobs stored after the delete was cancelled, want 2", n)
	}
	s.do("Enter, Tab, Enter deletes it",
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(confirm)),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitNotPresent(chromedp.CSS(view("agent", msg))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", msg))),
		chromedp.WaitNotPresent(chromedp.CSS(view("supervisor", msg))),
	)
	if status, _, _ := d.get(t, imgLink); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("the deleted picture's link answered %d, want 404 or 403", status)
	}
	// The browser loaded that link before: asked again, as an img would,
	// it must go to the server (and fail), not answer from its cache.
	if got := run(s, "load the deleted picture's link again", chromedp.Evaluate[int](fmt.Sprintf(
		`fetch(%q).then((r) => r.status)`, imgLink), chromedp.EvalAwaitPromise)); got == http.StatusOK {
		t.Errorf("the deleted picture's link still loads in the browser (%d): it came back from the cache", got)
	}
	if !run(s, "an img of the deleted picture fails", chromedp.Evaluate[bool](fmt.Sprintf(`new Promise((resolve) => {
		const i = new Image();
		i.onload = () => resolve(false);
		i.onerror = () => resolve(true);
		i.src = %q;
	})`, imgLink), chromedp.EvalAwaitPromise)) {
		t.Error("an img of the deleted picture still shows it")
	}
	if n := d.storedMedia(t); n != 1 {
		t.Errorf("%d media blobs stored after deleting the picture, want 1", n)
	}
	s.do("the audit trail says who deleted it",
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", `.act.ok[data-action="DeleteMessage"]`))))
	if got := s.text(view("supervisor", `.act.ok[data-action="DeleteMessage"] .act-line`)); !strings.HasPrefix(got, "Alex Rivera deleted") {
		t.Errorf("the audit trail says of the delete %q", got)
	}
}
