package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testBlocking has the agent block the customer from files, then from all
// sending, and lift each block: the customer's view says so at once in a
// banner, keeps showing what it could read, and the banner goes as soon as
// the block is lifted. The page holds a picture the customer sent.
func testBlocking(t *testing.T, s *session, d *demo) {
	t.Helper()
	banner := view("customer", ".banner")
	s.do("the agent blocks the customer from sending files",
		chromedp.SetValue(chromedp.CSS(view("agent", ".block-mode")), "files"),
		chromedp.Click(chromedp.CSS(view("agent", `.block-toggle[data-blocked="false"]`))),
		chromedp.WaitVisible(chromedp.CSS(banner+`[data-mode="files"]`)),
		chromedp.WaitVisible(chromedp.CSS(view("agent", ".banner .banner-action"))),
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", `.person[data-identity="casey"] .role-blocked`))),
	)
	if got := s.text(banner + " .banner-title"); !strings.Contains(got, "cannot send files") {
		t.Errorf("the customer's banner says %q, want it to say they cannot send files", got)
	}
	if got := s.text(view("supervisor", `.person[data-identity="casey"] .role-blocked`)); got != "blocked from files" {
		t.Errorf("the supervisor's roster shows the customer as %q, want %q", got, "blocked from files")
	}
	if !run(s, "the customer's attach button is off", chromedp.Evaluate[bool](
		`document.querySelector('[data-view="customer"] .attach').disabled`)) {
		t.Error("a customer blocked from files can still press Attach")
	}
	checkAccessibility(t, s, axeSource(t), "a blocked customer's page")
	if got := s.text(`[data-side="customer"] .side-off`); got != "blocked from sending files" {
		t.Errorf("the policy panel says %q of the blocked customer", got)
	}
	// What the customer could read stays readable: the picture still shows,
	// no broken image and no "(unavailable)".
	if !run(s, "the blocked customer's picture shows", chromedp.Poll[bool](`(() => {
		const i = document.querySelector('[data-view="customer"] li.msg img');
		return !!i && i.complete && i.naturalWidth === 240;
	})()`)) {
		t.Error("the blocked customer's picture does not show")
	}
	if n := run(s, "count file cards", chromedp.Evaluate[int](
		`document.querySelectorAll('[data-view="customer"] li.msg[data-author="customer"] .media-file').length`)); n != 0 {
		t.Errorf("the blocked customer's picture turned into %d file cards", n)
	}

	// A file dropped or pasted anyway is refused, in words.
	pasted := run(s, "paste a file while blocked", chromedp.Evaluate[bool](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['a note'], 'note.txt', { type: 'text/plain' }));
		const box = document.querySelector('[data-view="customer"] .conversation');
		return !box.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
	})()`))
	notice := view("customer", ".notice")
	if !pasted {
		t.Fatal("the page did not take the pasted file")
	}
	s.do("the refusal shows", chromedp.WaitVisible(chromedp.CSS(notice+`[data-code="permission_denied"]`)))
	if got := s.text(notice + " .notice-text"); !strings.Contains(got, "blocked from sending files") {
		t.Errorf("the blocked customer's refusal says %q", got)
	}

	s.do("the agent lifts the block; the banner and the refusal go at once",
		chromedp.Click(chromedp.CSS(view("agent", ".banner .banner-action"))),
		chromedp.WaitNotVisible(chromedp.CSS(banner)),
		chromedp.WaitNotVisible(chromedp.CSS(notice)),
		chromedp.WaitNotVisible(chromedp.CSS(view("agent", ".banner"))),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `.block-toggle[data-blocked="false"]`))),
	)

	s.do("the agent blocks all sending",
		chromedp.SetValue(chromedp.CSS(view("agent", ".block-mode")), "all"),
		chromedp.Click(chromedp.CSS(view("agent", `.block-toggle[data-blocked="false"]`))),
		chromedp.WaitVisible(chromedp.CSS(banner+`[data-mode="all"]`)),
	)
	if got := s.text(banner + " .banner-title"); !strings.Contains(got, "cannot send messages") {
		t.Errorf("the customer's banner says %q, want it to say they cannot send", got)
	}
	if got := s.attr(view("customer", ".message-input"), "placeholder"); got != "You cannot send messages" {
		t.Errorf("the blocked customer's message box says %q", got)
	}
	s.do("and lifts it",
		chromedp.Click(chromedp.CSS(view("agent", ".banner .banner-action"))),
		chromedp.WaitNotVisible(chromedp.CSS(banner)),
		chromedp.WaitEnabled(chromedp.CSS(view("customer", ".message-input"))),
	)
	if n := d.storedMedia(t); n != 2 {
		t.Errorf("%d media blobs stored after the refused paste, want 2", n)
	}
}
