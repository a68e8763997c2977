package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // the thumbnails
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/preview/previewtest"
)

// metadataMarkers are what previewtest.OrientedJPEG plants in a photo's
// metadata (EXIF with a GPS position, XMP, IPTC, a comment); none may reach
// the other side in a rendition.
var metadataMarkers = []string{"Exif", "GPS-SECRET", "xpacket", "COMMENT-SECRET", "IPTC-SECRET", "Photoshop 3.0"}

// checkRendition fetches the rendition src points at and fails the test
// when it is not an upright JPEG (the fixture is wider than tall once its
// EXIF orientation is applied) or carries any of the photo's metadata.
func checkRendition(t *testing.T, d *demo, what, src string, upright bool) {
	t.Helper()
	status, hdr, body := d.get(t, src)
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/jpeg" {
		t.Errorf("%s: %s answered %d %s, want 200 image/jpeg", what, src, status, hdr.Get("Content-Type"))
		return
	}
	for _, m := range metadataMarkers {
		if bytes.Contains(body, []byte(m)) {
			t.Errorf("%s carries %q from the original's metadata", what, m)
		}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s does not decode: %v", what, err)
	} else if upright && cfg.Width <= cfg.Height {
		t.Errorf("%s is %d×%d, want it upright (wider than tall)", what, cfg.Width, cfg.Height)
	}
}

// TestPreviewsInBrowser sends a phone photo with EXIF orientation and GPS,
// and a HEIC photo: the composer and the messages show thumbnails (upright
// JPEG renditions with no metadata), the lightbox opens and closes from the
// keyboard with the preview in it, passes axe-core at every width, a
// picture that cannot be rendered shows as a file, and
// Download original is a download the journal records, while the
// thumbnails are not.
func TestPreviewsInBrowser(t *testing.T) {
	axe := axeSource(t)
	d := startDemo(t, chat.Options{})
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	dir := t.TempDir()
	const photoName = "Pasted image 2026-11-30 05.12.03 from the depot camera.jpg"
	photoPath := writeFile(t, dir, photoName, previewtest.OrientedJPEG(6))
	heic, err := os.ReadFile(filepath.Join("..", "..", "..", "preview", "previewtest", "testdata", "pattern.heic"))
	if err != nil {
		t.Fatal(err)
	}
	heicPath := writeFile(t, dir, "IMG_0001.HEIC", heic)
	downloads := func() int {
		es, err := d.srv.Ledger().Entries(context.Background(), ledger.EntryQuery{Channel: chat.Channel, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Action == "DownloadMedia" {
				n++
			}
		}
		return n
	}

	s.do("1440 px wide", chromedp.EmulateViewport(1440, 900))
	s.open(d.hs.URL+"/", allViews...)
	chipThumb := view("customer", `.chip.attached img.chip-thumb[src^="/attachments/dl/"]`)
	s.do("the composer shows the photo's thumbnail",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{photoPath}),
		chromedp.WaitVisible(chromedp.CSS(chipThumb)),
	)
	checkRendition(t, d, "the composer's thumbnail", s.attr(chipThumb, "src"), true)

	thumb := view("agent", `li.msg[data-author="customer"] button.media-image`)
	s.do("the customer sends it; the agent sees its thumbnail",
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
		chromedp.WaitVisible(chromedp.CSS(thumb+` img[src^="/attachments/dl/"]`)),
	)
	if !run(s, "wait for the thumbnail to load", chromedp.Poll[bool](fmt.Sprintf(
		`(() => { const i = document.querySelector(%q); return i && i.complete && i.naturalWidth > i.naturalHeight; })()`, thumb+" img"))) {
		t.Error("the agent's thumbnail did not load upright")
	}
	checkRendition(t, d, "the message's thumbnail", s.attr(thumb+" img", "src"), true)
	if !run(s, "measure the placeholder", chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const i = document.querySelector(%q);
		return i.style.aspectRatio !== '' && i.style.width !== '' && getComputedStyle(i).backgroundColor !== 'rgba(0, 0, 0, 0)';
	})()`, thumb+" img"))) {
		t.Error("the thumbnail has no box of its size or no placeholder colour to show while it loads")
	}
	if n := downloads(); n != 0 {
		t.Errorf("the journal holds %d downloads after the thumbnails showed, want none", n)
	}

	// The lightbox, from the keyboard.
	box := `dialog.lightbox[open]`
	openBox := func(v, where string) {
		t.Helper()
		sel := view(v, `li.msg[data-author="customer"] button.media-image`)
		s.do("Enter on the thumbnail opens the lightbox ("+where+")",
			chromedp.Focus(chromedp.CSS(sel)),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(box+` .lightbox-img[src^="/attachments/dl/"]`)),
		)
		if !run(s, "wait for the preview", chromedp.Poll[bool](
			`(() => { const i = document.querySelector('dialog.lightbox .lightbox-img'); return i.complete && i.naturalWidth > 0; })()`)) {
			t.Errorf("%s: the lightbox's preview did not load", where)
		}
		if got := run(s, "where the focus is", chromedp.Evaluate[string](`document.activeElement.getAttribute('aria-label') || ''`)); got != "Close picture" {
			t.Errorf("%s: with the lightbox open the focus is on %q, want its Close button", where, got)
		}
		checkAccessibility(t, s, axe, where+", lightbox open")
	}
	closeBox := func(v, where string) {
		t.Helper()
		s.do("Escape closes the lightbox ("+where+")", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(box)))
		if !run(s, "where the focus went", chromedp.Evaluate[bool](fmt.Sprintf(
			`document.activeElement === document.querySelector(%q)`, view(v, `li.msg[data-author="customer"] button.media-image`)))) {
			t.Errorf("%s: after the lightbox closed the focus is not back on the thumbnail", where)
		}
	}
	openBox("agent", "1440 px")
	checkRendition(t, d, "the lightbox's preview", s.attr(box+" .lightbox-img", "src"), true)
	if got := s.text(box + " .lightbox-title"); got != photoName {
		t.Errorf("the lightbox is titled %q, want the file's name", got)
	}
	checkLightbox(t, s, "1440×900")
	screenshotAs(t, s, "webchat-lightbox")
	s.do("Download original",
		chromedp.Focus(chromedp.CSS(box+" .lightbox-download")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(view("supervisor", `.act[data-action="DownloadMedia"]`))),
	)
	if n := downloads(); n != 1 {
		t.Errorf("the journal holds %d downloads after Download original, want 1 (the previews are not downloads)", n)
	}
	closeBox("agent", "1440 px")

	s.do("1024 px wide", chromedp.EmulateViewport(1024, 900))
	openBox("agent", "1024 px")
	checkLightbox(t, s, "1024×900")
	closeBox("agent", "1024 px")
	s.do("390 px wide", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Click(chromedp.CSS(`#view-tabs [data-view="customer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"] .composer`)))
	openBox("customer", "390 px")
	checkLightbox(t, s, "390×844")
	closeBox("customer", "390 px")

	// A picture the library cannot render (cut off half way) is still sent,
	// and shows as a file.
	jpg := previewtest.OrientedJPEG(1)
	brokenPath := writeFile(t, dir, "broken.jpg", jpg[:len(jpg)/2])
	s.do("the customer sends a broken picture; it shows as a file",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{brokenPath}),
		chromedp.WaitVisible(chromedp.CSS(view("customer", ".chip.attached"))),
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
		chromedp.WaitReady(chromedp.CSS(view("agent", `li.msg[data-author="customer"] a.media-file[title^="broken.jpg"] .file-icon`))), // the agent's view is off screen on a phone
	)

	// A HEIC photo, which no browser shows, gets a JPEG thumbnail.
	heicThumb := view("agent", `li.msg[data-author="customer"]:has([title^="IMG_0001.HEIC"]) button.media-image img[src^="/attachments/dl/"]`)
	s.do("the customer sends a HEIC photo",
		chromedp.SetUploadFiles(chromedp.CSS(view("customer", "input.file-input")), []string{heicPath}),
		chromedp.WaitVisible(chromedp.CSS(view("customer", ".chip.attached"))),
		chromedp.Click(chromedp.CSS(view("customer", ".send"))),
		chromedp.WaitNotPresent(chromedp.CSS(view("customer", ".chip"))),
		chromedp.WaitReady(chromedp.CSS(heicThumb)),
	)
	checkRendition(t, d, "the HEIC photo's thumbnail", s.attr(heicThumb, "src"), false)

	// The agent deletes the photo while the customer looks at it in the
	// lightbox: the lightbox closes, and the thumbnail goes.
	first := view("customer", `li.msg[data-author="customer"]:has(button.media-image)`)
	sid := s.attr(first, "data-sid")
	openBox("customer", "390 px, before the delete")
	alex := attachments.Member{Identity: "alex"}
	if _, err := attachments.Invoke(context.Background(), d.srv.Client().Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: chat.Channel, Requester: alex, MessageSID: sid}); err != nil {
		t.Fatal(err)
	}
	s.do("the lightbox closes and the picture goes",
		chromedp.WaitNotPresent(chromedp.CSS(box)),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`li.msg[data-sid=%q]`, sid))),
	)
	if n := run(s, "count pictures of the deleted message", chromedp.Evaluate[int](fmt.Sprintf(
		`document.querySelectorAll('li.msg[data-sid=%q] img, dialog.lightbox img[src]').length`, sid))); n != 0 {
		t.Errorf("%d pictures of the deleted message still show", n)
	}
}

// checkLightbox fails the test when the open lightbox cuts its title or
// lets the picture touch an edge of the dialog, or the dialog the screen's.
func checkLightbox(t *testing.T, s *session, where string) {
	t.Helper()
	got := run(s, "measure the lightbox", chromedp.Evaluate[[]float64](`(() => {
		const d = document.querySelector('dialog.lightbox[open]').getBoundingClientRect();
		const img = document.querySelector('dialog.lightbox .lightbox-img');
		const i = img.getBoundingClientRect(), cs = getComputedStyle(img);
		const title = document.querySelector('dialog.lightbox .lightbox-title');
		const cut = title.scrollWidth > title.clientWidth || getComputedStyle(title).textOverflow === 'ellipsis' ? 1 : 0;
		// the picture's own box, inside the padding
		const bottom = i.bottom - parseFloat(cs.paddingBottom);
		return [cut, d.bottom - bottom, window.innerHeight - d.bottom, d.top];
	})()`))
	if got[0] != 0 {
		t.Errorf("%s: the lightbox cuts its title", where)
	}
	if got[1] < 8 {
		t.Errorf("%s: the lightbox's picture ends %.0f px from the dialog's bottom edge, want a margin", where, got[1])
	}
	if got[2] < 0 || got[3] < 0 {
		t.Errorf("%s: the lightbox runs off the screen (%.0f px below, top at %.0f)", where, -got[2], got[3])
	}
}
