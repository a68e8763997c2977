package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/ledger"
)

// longName is a realistic long file name, and shortLongName how the page
// cuts it: in the middle, keeping the end of the stem and the extension.
const (
	longName      = "Bank statement November 2026 - account ending 4821 (final).pdf"
	shortLongName = "Bank statement Nov…(final).pdf"
)

// axeSource reads axe-core, which scripts/deps.sh caches from the npm
// registry: $AXE_CORE, or the cache. Without it the test skips the checks,
// but fails in CI.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE")
	if path == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(cache, "attachkit", "axe-core-4.14.1", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is missing (scripts/deps.sh fetches it): %v", err)
		}
		t.Logf("no accessibility checks: %v (run scripts/deps.sh)", err)
		return ""
	}
	return string(b)
}

// violation is one of axe-core's findings.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAccessibility injects axe-core into the page and fails the test for
// every serious or critical violation in what is on screen.
func checkAccessibility(t *testing.T, s *session, axe, where string) {
	t.Helper()
	if axe == "" {
		return
	}
	if !run(s, "load axe-core", chromedp.Evaluate[bool](`typeof axe === 'object'`)) {
		run(s, "inject axe-core", chromedp.Evaluate[bool](axe+";true"))
	}
	// A notice fades in: let it finish, so colours are measured as shown.
	run(s, "let the animations finish", chromedp.Poll[bool](`document.getAnimations().every((a) => a.playState !== 'running')`))
	found := run(s, "run axe-core in "+where, chromedp.Evaluate[[]violation](`(async () => {
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
		}));
	})()`, chromedp.EvalAwaitPromise))
	for _, v := range found {
		t.Errorf("%s: axe-core finds a %s violation, %s (%s): %s", where, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "; "))
	}
}

// screenshotTo saves the page at its current width as webchat-<width>.png in
// $WEBCHAT_SCREENSHOTS, or in examples/webchat/testdata/screenshots (ignored
// by git). WEBCHAT_SCREENSHOTS=$PWD/docs updates the README's pictures.
func screenshotTo(t *testing.T, s *session, width int) {
	t.Helper()
	screenshotAs(t, s, fmt.Sprintf("webchat-%d", width))
}

// screenshotAs saves the page as name.png where screenshotTo saves its
// screenshots.
func screenshotAs(t *testing.T, s *session, name string) {
	t.Helper()
	dir := os.Getenv("WEBCHAT_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "screenshots")
	}
	png := run(s, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}

// shownViews returns the views on screen, in order.
func shownViews(t *testing.T, s *session) string {
	t.Helper()
	return run(s, "list the views shown", chromedp.Evaluate[string](
		`[...document.querySelectorAll('.view')].filter((v) => v.offsetParent !== null).map((v) => v.dataset.view).join(',')`))
}

// fitsIn reports whether every element sel matches lies inside its view's
// conversation, and the conversation does not scroll sideways.
func fitsIn(t *testing.T, s *session, sel string) bool {
	t.Helper()
	return run(s, "measure "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const els = [...document.querySelectorAll(%q)].filter((e) => e.offsetParent !== null);
		if (els.length === 0) return false;
		return els.every((e) => {
			const conv = e.closest('.conversation');
			const c = conv.getBoundingClientRect(), r = e.getBoundingClientRect();
			return r.left >= c.left && r.right <= c.right && conv.scrollWidth <= conv.clientWidth;
		});
	})()`, sel)))
}

// TestLayoutsInBrowser fills the conversation as a customer would, then
// checks the page at 1440, 1024 and 390 px wide: which views show, the
// switch and the tabs, long file names, the policy panel, the audit trail,
// and axe-core's verdict in every view, and saves a screenshot of each.
func TestLayoutsInBrowser(t *testing.T) {
	axe := axeSource(t)
	d := startDemo(t, chat.Options{})
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	dir := t.TempDir()
	pdf := writeFile(t, dir, longName, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	pic := writeFile(t, dir, "damaged-parcel.png", photo(t))
	exe := writeFile(t, dir, "invoice.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 4096)...))
	ready := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"][data-ready="true"]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-view="agent"][data-ready="true"]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-view="supervisor"][data-ready="true"][data-live="true"]`)),
	}

	s.do("1440 px wide", chromedp.EmulateViewport(1440, 900))
	s.open(d.hs.URL+"/", allViews...)
	s.do("wait for the views", ready...)
	if got := shownViews(t, s); got != "customer,agent,supervisor" {
		t.Errorf("1440 px wide shows %q, want the three views", got)
	}
	// The policy panel tells the truth per role.
	if got := s.text(`[data-side="supervisor"] .side-top`); strings.Contains(got, "MB") || !strings.Contains(got, "cannot send files") {
		t.Errorf("the policy panel says of the supervisor %q, want that the role cannot send files and no limit", got)
	}

	customerPDF := view("customer", `li.msg[data-author="customer"] a.media-file`)
	// Each step waits for the last to settle: a message shows in the other
	// views before its sender's composer is cleared.
	send := func(v string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitEnabled(chromedp.CSS(view(v, ".send"))),
			chromedp.Click(chromedp.CSS(view(v, ".send"))),
			chromedp.WaitNotPresent(chromedp.CSS(view(v, ".chip"))),
		}
	}
	s.do("the customer says hello",
		chromedp.SendKeys(chromedp.CSS(view("customer", ".message-input")), "Hi! Here is my bank statement, and the parcel."))
	s.do("and sends it", send("customer")...)
	s.do("the customer attaches a statement with a long name",
		chromedp.WaitVisible(chromedp.CSS(view("customer", `li.msg[data-author="customer"] .msg-text`))),
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{pdf}),
		chromedp.WaitVisible(chromedp.CSS(view("customer", ".chip.attached"))),
	)
	s.do("and sends it", send("customer")...)
	s.do("the customer attaches a picture",
		chromedp.WaitVisible(chromedp.CSS(customerPDF)),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] a.media-file`))),
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{pic}),
		chromedp.WaitVisible(chromedp.CSS(view("customer", ".chip.attached"))),
	)
	s.do("and sends it", send("customer")...)
	s.do("the agent answers; the customer tries a renamed program",
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] img[src]`))),
		chromedp.SendKeys(chromedp.CSS(view("agent", ".message-input")), "Thanks Casey, I have both. A replacement ships today.\n"),
		chromedp.WaitVisible(chromedp.CSS(view("customer", `li.msg[data-author="agent"] .msg-text`))),
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{exe}),
		chromedp.WaitVisible(chromedp.CSS(view("customer", `.notice:is([data-code="type_mismatch"], [data-code="type_not_allowed"])`))),
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", `.act.refused`))),
	)
	for _, v := range []string{"customer", "agent"} {
		card := view(v, `li.msg[data-author="customer"] a.media-file`)
		if got := s.text(card + ` .file-name [aria-hidden="true"]`); got != shortLongName {
			t.Errorf("the %s's view names the statement %q, want %q", v, got, shortLongName)
		}
		if got := s.attr(card, "title"); !strings.HasPrefix(got, longName) {
			t.Errorf("the %s's view titles the statement %q, want the full name", v, got)
		}
		if got := s.text(card + " .file-name .sr-only"); !strings.Contains(got, longName) {
			t.Errorf("the %s's view reads the statement out as %q, want the full name", v, got)
		}
		if !fitsIn(t, s, card) {
			t.Errorf("the statement's card overflows the %s's conversation", v)
		}
	}
	s.do("the customer downloads the statement",
		chromedp.Click(chromedp.CSS(customerPDF)),
		chromedp.WaitVisible(chromedp.CSS(customerPDF+`[href^="/attachments/dl/"]`)),
	)
	if status, hdr, _ := d.get(t, s.attr(customerPDF, "href")); status != http.StatusOK ||
		!strings.Contains(hdr.Get("Content-Disposition"), url.PathEscape(longName)) {
		t.Errorf("the statement's download answered %d, %q; want the full name", status, hdr.Get("Content-Disposition"))
	}

	// The audit trail is the journal: a refusal's full text opens on
	// demand, and a reload neither empties it nor adds downloads.
	refused := view("supervisor", `.act.refused[data-action="AttachFile"]`)
	s.do("the supervisor opens the refusal",
		chromedp.Click(chromedp.CSS(refused+" summary")),
		chromedp.WaitVisible(chromedp.CSS(refused+" .act-message")),
	)
	if got := s.text(refused + " .act-message"); !strings.Contains(got, "Windows program") {
		t.Errorf("the refusal's full text is %q, want the reason in it", got)
	}
	// The journal, as the server holds it: every entry, and the downloads.
	journal := func() (entries, downloads int) {
		es, err := d.srv.Ledger().Entries(context.Background(), ledger.EntryQuery{Channel: chat.Channel, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Action == "DownloadMedia" {
				downloads++
			}
		}
		return len(es), downloads
	}
	pictures := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS(view("customer", `li.msg[data-author="customer"] img[src]`))),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] img[src]`))),
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", `li.msg[data-author="customer"] img[src]`))),
	}
	s.do("every view shows the picture", pictures...)
	n, downloads := journal()
	s.do("reload the page", chromedp.Reload())
	s.do("wait for the views", ready...)
	s.do("every view shows the picture again", pictures...)
	if got, gotDownloads := journal(); got != n || gotDownloads != downloads {
		t.Errorf("a reload took the journal from %d entries (%d downloads) to %d (%d); inline pictures are not downloads",
			n, downloads, got, gotDownloads)
	}
	if got := run(s, "count entries", chromedp.Evaluate[int](`document.querySelectorAll('[data-view="supervisor"] .act').length`)); got != n {
		t.Errorf("after a reload the audit trail shows %d entries, want the journal's %d", got, n)
	}
	checkAccessibility(t, s, axe, "1440 px")
	screenshotTo(t, s, 1440)
	checkFocusVisible(t, s, "1440 px")

	// 1024 px: the customer and one other view, with a switch.
	s.do("1024×768", chromedp.EmulateViewport(1024, 768), chromedp.WaitVisible(chromedp.CSS(`#view-tabs [role="tab"]`)))
	for _, v := range []string{"customer", "agent"} {
		if bottom := run(s, "where the hint ends", chromedp.Evaluate[float64](fmt.Sprintf(
			`document.querySelector(%q).getBoundingClientRect().bottom`, view(v, ".hint")))); bottom > 768 {
			t.Errorf("at 1024×768 the %s's hint under the message box ends at %.0f px, below the fold", v, bottom)
		}
	}
	if got := shownViews(t, s); got != "customer,agent" {
		t.Errorf("1024 px wide shows %q, want the customer's and the agent's", got)
	}
	if got := s.text("#view-switch-label"); got != "Beside the customer, show" {
		t.Errorf("the switch at 1024 px is labelled %q", got)
	}
	checkAccessibility(t, s, axe, "1024 px, agent")
	screenshotTo(t, s, 1024)
	s.do("switch to the supervisor", chromedp.Click(chromedp.CSS(`#view-tabs [data-view="supervisor"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="supervisor"] .audit`)))
	if got := shownViews(t, s); got != "customer,supervisor" {
		t.Errorf("after the switch 1024 px wide shows %q, want the customer's and the supervisor's", got)
	}
	for _, v := range []string{"customer", "supervisor"} {
		if !fitsIn(t, s, view(v, `li.msg[data-author="customer"] a.media-file`)) {
			t.Errorf("the statement's card overflows the %s's conversation at 1024 px", v)
		}
	}
	checkAccessibility(t, s, axe, "1024 px, supervisor")

	// A phone: one view at a time, with tabs; the policy panel folded.
	s.do("390 px wide", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Click(chromedp.CSS(`#view-tabs [data-view="customer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"] .composer`)))
	if got := shownViews(t, s); got != "customer" {
		t.Errorf("390 px wide shows %q, want the customer's view alone", got)
	}
	if n := run(s, "count tabs", chromedp.Evaluate[int](`document.querySelectorAll('#view-tabs [role="tab"]').length`)); n != 3 {
		t.Errorf("a phone offers %d tabs, want 3", n)
	}
	if top := run(s, "where the view starts", chromedp.Evaluate[float64](
		`document.querySelector('[data-view="customer"]').getBoundingClientRect().top`)); top > 844/3 {
		t.Errorf("on a phone the conversation starts %.0f px down; the policy panel fills the first screen", top)
	}
	if !fitsIn(t, s, view("customer", `li.msg[data-author="customer"] a.media-file`)) {
		t.Error("the statement's card overflows the customer's own message on a phone")
	}
	checkAccessibility(t, s, axe, "390 px, customer")
	screenshotTo(t, s, 390)
	checkFocusVisible(t, s, "390 px, customer")
	s.do("the arrow key moves to the agent's tab",
		chromedp.Focus(chromedp.CSS(`#view-tabs [data-view="customer"]`)),
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="agent"] .composer`)),
	)
	if got := shownViews(t, s); got != "agent" {
		t.Errorf("after ArrowRight a phone shows %q, want the agent's view", got)
	}
	checkAccessibility(t, s, axe, "390 px, agent")
	s.do("the supervisor's tab", chromedp.Click(chromedp.CSS(`#view-tabs [data-view="supervisor"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="supervisor"] .audit`)))
	checkAccessibility(t, s, axe, "390 px, supervisor")
	// The supervisor's conversation keeps most of the screen: the people on
	// one line, the audit trail below it shorter.
	if h := run(s, "measure the supervisor's conversation", chromedp.Evaluate[float64](
		`document.querySelector('[data-view="supervisor"] .conversation').getBoundingClientRect().height`)); h < 0.4*844 {
		t.Errorf("at 390×844 the supervisor's conversation is %.0f px tall, want at least 40%% of the screen", h)
	}
	screenshotAs(t, s, "webchat-390-supervisor")
}

// checkFocusVisible walks the page with Tab, as a keyboard user would, and
// fails the test for every control it reaches that shows no focus: neither
// an outline nor a ring. It reports how many controls it reached.
func checkFocusVisible(t *testing.T, s *session, where string) {
	t.Helper()
	run(s, "start from the top", chromedp.Evaluate[bool](`document.activeElement.blur(), window.scrollTo(0, 0), true`))
	seen := map[string]bool{}
	for range 80 {
		s.do("press Tab", chromedp.KeyEvent(kb.Tab))
		got := run(s, "look at the focus", chromedp.Evaluate[[]string](`(() => {
			const e = document.activeElement;
			if (!e || e === document.body) return ['', 'true'];
			const cs = getComputedStyle(e);
			const shown = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
			const name = e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '') +
				' in ' + ((e.closest('[data-view]') || {}).dataset || {}).view;
			return [name, String(shown)];
		})()`))
		if got[0] == "" || seen[got[0]] {
			continue
		}
		seen[got[0]] = true
		if got[1] != "true" {
			t.Errorf("%s: the keyboard focus on %s is invisible", where, got[0])
		}
	}
	if len(seen) < 8 {
		t.Errorf("%s: Tab reached only %d kinds of control: %v", where, len(seen), seen)
	}
}
