package browsertest

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// TestUploadsInBrowser picks several files at once where the configuration
// allows three a message, cancels an upload with Escape and retries it
// without picking the file again, names a pasted picture by its time, names
// the file a full message refused, and keeps the disabled message box's
// placeholder whole.
func TestUploadsInBrowser(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.FilesPerMessage = 3
	// The first upload of slow.txt waits until the browser has cancelled it
	// (and the test says so), then fails; later ones go through.
	entered, release := make(chan struct{}), make(chan struct{})
	var slow atomic.Int32
	gate := func(ctx context.Context, p attachments.AttachFilePayload) (attachments.AttachFilePayload, error) {
		if p.File == nil || p.File.Name != "slow.txt" || slow.Add(1) != 1 {
			return p, nil
		}
		close(entered)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return p, &errs.Error{Code: errs.Canceled, Message: "the upload was cancelled"}
	}
	d := startDemo(t, chat.Options{Config: &cfg, Setup: func(c *attachments.Client) error {
		_, err := attachments.OnBefore(c.Registry(), attachments.AttachFile, gate)
		return err
	}})
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	dir := t.TempDir()
	input := view("customer", "input.file-input")

	s.open(d.hs.URL+"/", "customer", "agent")
	if !run(s, "read the picker", chromedp.Evaluate[bool](`document.querySelector('[data-view="customer"] input.file-input').multiple`)) {
		t.Error("with 3 files a message the file picker still takes one file at a time")
	}

	// Cancel with Escape while the upload is in flight, then retry.
	slowPath := writeFile(t, dir, "slow.txt", []byte("a slow upload"))
	uploading := view("customer", `.chip[data-status="uploading"]`)
	s.do("an upload in flight shows its progress and a cancel button",
		chromedp.SetUploadFiles(chromedp.CSS(input), []string{slowPath}),
		chromedp.WaitVisible(chromedp.CSS(uploading+" .chip-cancel")),
		chromedp.WaitVisible(chromedp.CSS(uploading+` .chip-progress[role="progressbar"]`)),
	)
	if got := s.text(uploading + " .chip-state"); !regexp.MustCompile(`^\d{1,3}%$`).MatchString(got) {
		t.Errorf("an upload in flight shows %q, want a percentage", got)
	}
	if got := s.attr(uploading+" .chip-cancel", "aria-label"); got != "Cancel upload of slow.txt (Escape)" {
		t.Errorf("the cancel button is labelled %q", got)
	}
	select {
	case <-entered:
	case <-time.After(time.Until(s.deadline)):
		t.Fatal("the upload of slow.txt never reached the server")
	}
	run(s, "leave focus on the page", chromedp.Evaluate[bool](`document.activeElement.blur(), document.activeElement === document.body`))
	s.do("Escape cancels it, wherever the focus is",
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitVisible(chromedp.CSS(view("customer", `.chip[data-status="cancelled"] .chip-retry`))),
	)
	checkAccessibility(t, s, axeSource(t), "a cancelled upload")
	close(release)
	attached := view("customer", ".chip.attached")
	s.do("Retry sends the same file again",
		chromedp.Click(chromedp.CSS(view("customer", `.chip[data-status="cancelled"] .chip-retry`))),
		chromedp.WaitVisible(chromedp.CSS(attached)),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip:not(.attached)"))),
	)
	if got := s.attr(attached, "title"); got != "slow.txt · 13 B" {
		t.Errorf("the retried file's chip is titled %q, want slow.txt", got)
	}
	s.do("remove it", chromedp.Click(chromedp.CSS(attached+" .chip-remove")), chromedp.WaitNotPresent(chromedp.CSS(attached)))

	// A pasted picture is named by the time it was pasted.
	pasted := run(s, "paste a picture", chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
		const box = document.querySelector('[data-view="customer"] .message-input');
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
		return !box.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
	})()`, base64PNG(t))))
	if !pasted {
		t.Fatal("the page did not take the pasted picture")
	}
	s.do("the pasted picture is attached", chromedp.WaitVisible(chromedp.CSS(attached)))
	if got := s.attr(attached, "title"); !regexp.MustCompile(`^Pasted image \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png · `).MatchString(got) {
		t.Errorf("the pasted picture is named %q, want \"Pasted image <date> <time>.png\"", got)
	}
	// Its chip shows the whole name, date and time: nothing cut, nothing
	// spilling out of the chip.
	if got := s.text(attached + " .chip-name"); !regexp.MustCompile(`^Pasted image \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png$`).MatchString(got) {
		t.Errorf("the pasted picture's chip shows %q, want its whole name with the date", got)
	}
	if !run(s, "the chip holds its name", chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const n = document.querySelector(%q), c = n.closest('.chip').getBoundingClientRect(), r = n.getBoundingClientRect();
		return n.scrollWidth <= n.clientWidth && r.right <= c.right;
	})()`, attached+" .chip-name"))) {
		t.Error("the pasted picture's name spills out of its chip")
	}

	// In webchat mode a message holds text or files: the box is off, and its
	// placeholder fits in it.
	if got := s.attr(view("customer", ".message-input"), "placeholder"); got != "Remove the file to type" {
		t.Errorf("the locked message box says %q", got)
	}
	if !run(s, "measure the placeholder", chromedp.Evaluate[bool](`(() => {
		const box = document.querySelector('[data-view="customer"] .message-input');
		const cs = getComputedStyle(box);
		const ctx = document.createElement('canvas').getContext('2d');
		ctx.font = cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
		const room = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
		return box.disabled && ctx.measureText(box.placeholder).width <= room;
	})()`)) {
		t.Error("the disabled message box's placeholder does not fit in it")
	}

	// Four files picked at once: three fit, the fourth is refused by name.
	var paths []string
	for _, n := range []string{"one.txt", "two.txt", "three.txt"} {
		paths = append(paths, writeFile(t, dir, n, []byte("file "+n)))
	}
	notice := view("customer", ".notice")
	s.do("pick three more files at once",
		chromedp.SetUploadFiles(chromedp.CSS(input), paths),
		chromedp.WaitVisible(chromedp.CSS(notice+`[data-code="too_many_files"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip:not(.attached)"))),
	)
	if got := s.text(notice + " .notice-text"); !strings.Contains(got, "three.txt") {
		t.Errorf("the too-many-files notice says %q, want it to name three.txt", got)
	}
	if n := run(s, "count chips", chromedp.Evaluate[int](`document.querySelectorAll('[data-view="customer"] .chip.attached').length`)); n != 3 {
		t.Errorf("%d files attached, want 3", n)
	}
	checkAccessibility(t, s, axeSource(t), "a full message and its refusal")
	if !run(s, "the attach button is off", chromedp.Evaluate[bool](`document.querySelector('[data-view="customer"] .attach').disabled`)) {
		t.Error("a full message still offers Attach")
	}
	s.do("Enter sends the three files",
		chromedp.Focus(chromedp.CSS(view("customer", ".send"))),
		chromedp.KeyEvent("\r"),
		chromedp.WaitNotPresent(chromedp.CSS(attached)),
		chromedp.WaitVisible(chromedp.CSS(view("agent", `li.msg[data-author="customer"] .media-file`))),
	)
}

// base64PNG is photo, in base64, for a File made in the page.
func base64PNG(t *testing.T) string {
	t.Helper()
	return base64.StdEncoding.EncodeToString(photo(t))
}
