package links_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// content returns n bytes that differ from offset to offset.
func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = patternByte(int64(i))
	}
	return b
}

func TestServeGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		data := content(10_000)
		info := e.put("media/photo", data, storage.Metadata{ContentType: "image/png", FileName: "photo.png"})
		u := e.issue("media/photo", &links.IssueOptions{Disposition: links.Inline})

		resp, body := e.do("GET", u)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d; want 200", resp.StatusCode)
		}
		if !bytes.Equal(body, data) {
			t.Errorf("body: got %d bytes, not the blob's %d", len(body), len(data))
		}
		checkSecurityHeaders(t, resp)
		want := map[string]string{
			"Content-Type":        "image/png",
			"Content-Disposition": `inline; filename="photo.png"; filename*=UTF-8''photo.png`,
			"Cache-Control":       "private, max-age=300",
			"Content-Length":      "10000",
			"Accept-Ranges":       "bytes",
			"Last-Modified":       info.ModTime.UTC().Format(http.TimeFormat),
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q; want %q", k, got, v)
			}
		}
		etag := resp.Header.Get("ETag")
		if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' || strings.Trim(etag, `"`) != strings.Trim(info.ETag, `"`) {
			t.Errorf("ETag = %q; want the blob's %q, quoted", etag, info.ETag)
		}

		resp, body = e.do("HEAD", u)
		if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != 10_000 {
			t.Errorf("HEAD: status %d, %d body bytes, Content-Length %d; want 200, 0, 10000", resp.StatusCode, len(body), resp.ContentLength)
		}
		checkSecurityHeaders(t, resp)
		if got := resp.Header.Get("ETag"); got != etag {
			t.Errorf("HEAD: ETag = %q; want %q as for GET", got, etag)
		}
	})
}

func TestServeEmptyBlob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/empty", nil, storage.Metadata{ContentType: "image/gif", FileName: "e.gif"})
		u := e.issue("media/empty", nil)
		for _, rng := range []string{"", "bytes=0-"} {
			resp, body := e.do("GET", u, "Range", rng)
			if resp.StatusCode != http.StatusOK || len(body) != 0 {
				t.Errorf("Range %q: status %d, %d bytes; want 200 and empty", rng, resp.StatusCode, len(body))
			}
		}
	})
}

func TestServeTypesAndDisposition(t *testing.T) {
	tests := []struct {
		stored   string
		asked    links.Disposition
		wantType string
		wantDisp string
	}{
		{"image/png", links.Inline, "image/png", "inline"},
		{"image/png", links.Attachment, "image/png", "attachment"},
		{"image/jpeg", links.Inline, "image/jpeg", "inline"},
		{"image/webp", links.Inline, "image/webp", "inline"},
		{"IMAGE/GIF", links.Inline, "image/gif", "inline"},
		{"image/png; charset=utf-8", links.Inline, "image/png", "inline"},
		{"audio/mpeg", links.Inline, "audio/mpeg", "inline"},
		{"video/mp4", links.Inline, "video/mp4", "inline"},
		{"video/webm", links.Attachment, "video/webm", "attachment"},
		{"image/svg+xml", links.Inline, "application/octet-stream", "attachment"},
		{"text/html", links.Inline, "application/octet-stream", "attachment"},
		{"text/html; charset=utf-8", links.Inline, "application/octet-stream", "attachment"},
		{"application/xhtml+xml", links.Inline, "application/octet-stream", "attachment"},
		{"application/xml", links.Inline, "application/octet-stream", "attachment"},
		{"text/xml", links.Inline, "application/octet-stream", "attachment"},
		{"application/javascript", links.Inline, "application/octet-stream", "attachment"},
		{"text/javascript", links.Inline, "application/octet-stream", "attachment"},
		{"application/pdf", links.Inline, "application/octet-stream", "attachment"},
		{"text/plain", links.Inline, "application/octet-stream", "attachment"},
		{"application/zip", links.Attachment, "application/octet-stream", "attachment"},
		{"", links.Inline, "application/octet-stream", "attachment"},
		{"not a type", links.Inline, "application/octet-stream", "attachment"},
		{"image/png, text/html", links.Inline, "application/octet-stream", "attachment"},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for i, tt := range tests {
			key := fmt.Sprintf("media/t%d", i)
			e.put(key, []byte("<svg onload=alert(1)>"), storage.Metadata{ContentType: tt.stored, FileName: "f"})
			resp, _ := e.do("GET", e.issue(key, &links.IssueOptions{Disposition: tt.asked}))
			gotDisp, _, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
			if err != nil {
				t.Errorf("%q: Content-Disposition %q: %v", tt.stored, resp.Header.Get("Content-Disposition"), err)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType || gotDisp != tt.wantDisp {
				t.Errorf("stored %q, asked %v: served %q, %s; want %q, %s", tt.stored, tt.asked, got, gotDisp, tt.wantType, tt.wantDisp)
			}
			checkSecurityHeaders(t, resp)
		}
	})
}

func TestServeHostileFileNames(t *testing.T) {
	tests := []struct {
		name         string
		stored       string
		wantFallback string // the filename parameter
		wantName     string // what filename* decodes to
	}{
		{"plain", "report.png", "report.png", "report.png"},
		{"quote", `a"b.png`, "a_b.png", `a"b.png`},
		{"backslash", `back\slash.png`, "back_slash.png", "back_slash.png"},
		{"slashes", "../../etc/passwd", "_.._etc_passwd", "_.._etc_passwd"},
		{"CRLF header injection", "evil\r\nSet-Cookie: x=1.png", "evilSet-Cookie: x=1.png", "evilSet-Cookie: x=1.png"},
		{"NUL and DEL", "a\x00b\x7fc.png", "abc.png", "abc.png"},
		{"C1 control", "a\u0085b.png", "ab.png", "ab.png"},
		{"parameter injection", `x.png"; filename="evil.exe`, "x.png_; filename=_evil.exe", `x.png"; filename="evil.exe`},
		{"percent", "%41%0d.png", "_41_0d.png", "%41%0d.png"},
		{"accents", "naïve café.png", "na_ve caf_.png", "naïve café.png"},
		{"CJK", "写真.png", "__.png", "写真.png"},
		{"emoji", "📎 clip.png", "_ clip.png", "📎 clip.png"},
		{"bidi override", "invoice\u202egnp.exe", "invoicegnp.exe", "invoicegnp.exe"},
		{"bidi isolates and marks", "a\u2066b\u2069\u200fc.png", "abc.png", "abc.png"},
		{"zero width", "a\u200bb\ufeff.png", "ab.png", "ab.png"},
		{"line separator", "a\u2028b.png", "ab.png", "ab.png"},
		{"tab", "a\tb.png", "ab.png", "ab.png"},
		{"non-breaking and ideographic spaces", "a\u00a0b\u3000c.png", "a b c.png", "a b c.png"},
		{"invalid UTF-8", "a\xffb.png", "ab.png", "ab.png"},
		{"leading dots and spaces", " ..hidden.png. ", "hidden.png", "hidden.png"},
		{"empty", "", "download", "download"},
		{"only dots", ". . .", "download", "download"},
		{"long", strings.Repeat("a", 300) + ".png", strings.Repeat("a", 251) + ".png", strings.Repeat("a", 251) + ".png"},
		{"long multibyte", strings.Repeat("é", 200) + ".png", strings.Repeat("_", 125) + ".png", strings.Repeat("é", 125) + ".png"},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key := fmt.Sprintf("media/n%d", i)
				e.put(key, []byte("x"), storage.Metadata{ContentType: "image/png", FileName: tt.stored})
				resp, _ := e.do("HEAD", e.issue(key, nil))
				h := resp.Header.Get("Content-Disposition")
				for _, c := range []byte(h) {
					if c < 0x20 || c > 0x7e {
						t.Fatalf("Content-Disposition %q holds byte %#x", h, c)
					}
				}
				wantPrefix := `attachment; filename="` + tt.wantFallback + `"; filename*=UTF-8''`
				if !strings.HasPrefix(h, wantPrefix) {
					t.Errorf("Content-Disposition = %q; want prefix %q", h, wantPrefix)
				}
				if strings.Count(h, ";") != 2+strings.Count(tt.wantFallback, ";") {
					t.Errorf("Content-Disposition = %q has extra parameters", h)
				}
				disp, params, err := mime.ParseMediaType(h)
				if err != nil {
					t.Fatalf("Content-Disposition %q does not parse: %v", h, err)
				}
				// mime decodes filename* into "filename", as browsers do.
				if disp != "attachment" || params["filename"] != tt.wantName {
					t.Errorf("parsed %q, filename %q; want attachment, %q", disp, params["filename"], tt.wantName)
				}
			})
		}
	})
}

func TestServeRanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		data := content(1000)
		e.put("media/r", data, storage.Metadata{ContentType: "video/mp4", FileName: "r.mp4"})
		u := e.issue("media/r", nil)
		etag := func() string { resp, _ := e.do("HEAD", u); return resp.Header.Get("ETag") }()

		single := []struct {
			rng, ifRange string
			status       int
			from, to     int // the bytes expected
			contentRange string
		}{
			{"bytes=0-99", "", 206, 0, 100, "bytes 0-99/1000"},
			{"bytes=990-", "", 206, 990, 1000, "bytes 990-999/1000"},
			{"bytes=-10", "", 206, 990, 1000, "bytes 990-999/1000"},
			{"bytes=500-5000", "", 206, 500, 1000, "bytes 500-999/1000"},
			{"bytes=999-999", "", 206, 999, 1000, "bytes 999-999/1000"},
			{"bytes=0-99", etag, 206, 0, 100, "bytes 0-99/1000"},
			{"bytes=0-99", `"stale"`, 200, 0, 1000, ""},
			{"bytes=0-0," + strings.Repeat("1-1,", 16) + "2-2", "", 200, 0, 1000, ""}, // too many ranges: ignored
		}
		for _, tt := range single {
			resp, body := e.do("GET", u, "Range", tt.rng, "If-Range", tt.ifRange)
			if resp.StatusCode != tt.status {
				t.Errorf("Range %q If-Range %q: status %d; want %d", tt.rng, tt.ifRange, resp.StatusCode, tt.status)
				continue
			}
			if !bytes.Equal(body, data[tt.from:tt.to]) {
				t.Errorf("Range %q: got %d bytes, not bytes %d-%d", tt.rng, len(body), tt.from, tt.to-1)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Range %q: Content-Range = %q; want %q", tt.rng, got, tt.contentRange)
			}
			if got := resp.Header.Get("Cache-Control"); got != "private, max-age=300" {
				t.Errorf("Range %q: Cache-Control = %q", tt.rng, got)
			}
			checkSecurityHeaders(t, resp)
		}

		// Several ranges: multipart/byteranges, each part from its own Get.
		resp, body := e.do("GET", u, "Range", "bytes=0-9,500-509,-5")
		mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != 206 || err != nil || mt != "multipart/byteranges" {
			t.Fatalf("multi-range: status %d, Content-Type %q (%v); want 206 multipart/byteranges", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		checkSecurityHeaders(t, resp)
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		wantParts := []struct {
			from, to int
			cr       string
		}{{0, 10, "bytes 0-9/1000"}, {500, 510, "bytes 500-509/1000"}, {995, 1000, "bytes 995-999/1000"}}
		for i, w := range wantParts {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("part %d: %v", i, err)
			}
			got, _ := io.ReadAll(p)
			if !bytes.Equal(got, data[w.from:w.to]) || p.Header.Get("Content-Range") != w.cr {
				t.Errorf("part %d: %q, %d bytes; want %q, bytes %d-%d", i, p.Header.Get("Content-Range"), len(got), w.cr, w.from, w.to-1)
			}
			if ct := p.Header.Get("Content-Type"); ct != "video/mp4" {
				t.Errorf("part %d: Content-Type %q; want the served type", i, ct)
			}
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("after the last part: %v; want io.EOF", err)
		}

		// Unsatisfiable: 416, uncacheable, with the size.
		for _, rng := range []string{"bytes=1000-", "bytes=5000-6000"} {
			resp, _ := e.do("GET", u, "Range", rng)
			if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("Range %q: status %d; want 416", rng, resp.StatusCode)
				continue
			}
			if got := resp.Header.Get("Content-Range"); got != "bytes */1000" {
				t.Errorf("Range %q: Content-Range %q; want bytes */1000", rng, got)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Range %q: Cache-Control %q; want no-store", rng, got)
			}
			if got := resp.Header.Get("Content-Disposition"); got != "" {
				t.Errorf("Range %q: Content-Disposition %q on a 416; want none", rng, got)
			}
			checkSecurityHeaders(t, resp)
		}
	})
}

func TestServeConditional(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		info := e.put("media/c", content(100), storage.Metadata{ContentType: "image/jpeg", FileName: "c.jpg"})
		u := e.issue("media/c", nil)
		first, _ := e.do("GET", u)
		etag := first.Header.Get("ETag")
		lastMod := info.ModTime.UTC().Format(http.TimeFormat)
		tests := []struct {
			name     string
			hdr      []string
			status   int
			wantBody bool
		}{
			{"If-None-Match matches", []string{"If-None-Match", etag}, 304, false},
			{"If-None-Match in a list", []string{"If-None-Match", `"other", ` + etag}, 304, false},
			{"If-None-Match star", []string{"If-None-Match", "*"}, 304, false},
			{"If-None-Match weak form", []string{"If-None-Match", "W/" + etag}, 304, false},
			{"If-None-Match other", []string{"If-None-Match", `"other"`}, 200, true},
			{"If-Modified-Since now", []string{"If-Modified-Since", lastMod}, 304, false},
			{"If-Modified-Since earlier", []string{"If-Modified-Since", info.ModTime.Add(-time.Hour).UTC().Format(http.TimeFormat)}, 200, true},
			{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, 200, true},
			{"If-Match other", []string{"If-Match", `"other"`}, 412, false},
			{"If-Match matches", []string{"If-Match", etag}, 200, true},
		}
		for _, tt := range tests {
			resp, body := e.do("GET", u, tt.hdr...)
			if resp.StatusCode != tt.status || (len(body) > 0) != tt.wantBody {
				t.Errorf("%s: status %d with %d body bytes; want %d, body %v", tt.name, resp.StatusCode, len(body), tt.status, tt.wantBody)
			}
			checkSecurityHeaders(t, resp)
			switch tt.status {
			case 304:
				if got := resp.Header.Get("ETag"); got != etag {
					t.Errorf("%s: 304 ETag %q; want %q", tt.name, got, etag)
				}
				if got := resp.Header.Get("Cache-Control"); got != "private, max-age=300" {
					t.Errorf("%s: 304 Cache-Control %q", tt.name, got)
				}
			case 412:
				if got := resp.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s: 412 Cache-Control %q; want no-store", tt.name, got)
				}
			}
		}
	})
}

func TestServeRefusesOtherMethods(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/m", []byte("x"), storage.Metadata{ContentType: "image/png"})
		u := e.issue("media/m", nil)
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"} {
			resp, body := e.do(m, u)
			checkRefusal(t, resp, body, http.StatusMethodNotAllowed)
			if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s: Allow = %q; want GET, HEAD", m, got)
			}
		}
		if resp, _ := e.do("GET", u); resp.StatusCode != 200 {
			t.Errorf("the blob is gone after the refused methods: status %d", resp.StatusCode)
		}
	})
}

func TestServeRefusesBadLinks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/secret-key-name", []byte("x"), storage.Metadata{ContentType: "image/png"})
		good := e.issue("media/secret-key-name", nil)
		tok := good[strings.LastIndexByte(good, '/')+1:]
		other := mustSigner(t, key("k2"), &links.SignerOptions{Now: e.clock.Now})
		foreign, _ := other.Sign(links.Claims{Media: "media/secret-key-name", Expires: e.clock.Now().Add(time.Hour)})
		flipped := []byte(tok)
		flipped[len(flipped)/2] ^= 1
		tests := []struct {
			name, path string
		}{
			{"no token", "/dl/"},
			{"garbage", "/dl/not-a-token"},
			{"truncated", "/dl/" + tok[:len(tok)-2]},
			{"tampered", "/dl/" + string(flipped)},
			{"unknown key", "/dl/" + foreign},
			{"escaped slash", "/dl/" + tok[:10] + "%2F" + tok[10:]},
			{"very long", "/dl/" + strings.Repeat("A", 8000)},
		}
		for _, tt := range tests {
			resp, body := e.do("GET", e.ts.URL+tt.path)
			checkRefusal(t, resp, body, http.StatusForbidden)
		}

		e.clock.Advance(5 * time.Minute)
		resp, body := e.do("GET", good)
		checkRefusal(t, resp, body, http.StatusForbidden)
		if logs := e.logs.String(); !strings.Contains(logs, "link_expired") || strings.Contains(logs, tok) {
			t.Errorf("log %q: want the expiry logged, without the token", logs)
		}
	})
}

func TestServeMissingBlob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/gone", []byte("x"), storage.Metadata{ContentType: "image/png"})
		u := e.issue("media/gone", nil)
		if err := e.bucket.Delete(context.Background(), "media/gone"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"GET", "HEAD"} {
			resp, body := e.do(m, u)
			if m == "HEAD" {
				body = []byte(http.StatusText(404) + "\n") // HEAD has no body to compare
			}
			checkRefusal(t, resp, body, http.StatusNotFound)
		}
		resp, body := e.do("GET", e.issue("media/never-stored", nil))
		checkRefusal(t, resp, body, http.StatusNotFound)
		if logs := e.logs.String(); !strings.Contains(logs, "code=not_found") {
			t.Errorf("log %q: want the not_found code", logs)
		}

		// A token whose media is no valid key (a signer shared with another use).
		tok, _ := e.signer.Sign(links.Claims{Media: "../../etc/passwd", Expires: e.clock.Now().Add(time.Minute)})
		resp, body = e.do("GET", e.ts.URL+"/dl/"+tok)
		checkRefusal(t, resp, body, http.StatusNotFound)
	})
}

func TestServeClosedBucket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/x", []byte("x"), storage.Metadata{ContentType: "image/png"})
		u := e.issue("media/x", nil)
		e.bucket.Close()
		resp, body := e.do("GET", u)
		checkRefusal(t, resp, body, http.StatusServiceUnavailable)
		if !strings.Contains(e.logs.String(), "level=ERROR") {
			t.Errorf("log %q: want an error record", e.logs.String())
		}
	})
}

func TestCacheMaxAgeFollowsTheLink(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.put("media/a", []byte("x"), storage.Metadata{ContentType: "image/png"})
		u := e.issue("media/a", &links.IssueOptions{Lifetime: 10 * time.Minute})
		steps := []struct {
			advance time.Duration
			status  int
			cache   string
		}{
			{0, 200, "private, max-age=600"},
			{4 * time.Minute, 200, "private, max-age=360"},
			{5*time.Minute + 59*time.Second + 500*time.Millisecond, 200, "private, max-age=0"},
			{500 * time.Millisecond, 403, "no-store"},
		}
		for _, st := range steps {
			e.clock.Advance(st.advance)
			resp, _ := e.do("GET", u)
			if resp.StatusCode != st.status || resp.Header.Get("Cache-Control") != st.cache {
				t.Errorf("at %v: status %d, Cache-Control %q; want %d, %q", e.clock.Now(), resp.StatusCode, resp.Header.Get("Cache-Control"), st.status, st.cache)
			}
		}
	})
}

func TestServeMemberBoundLinks(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			b, secret := be.open(t)
			defer b.Close()
			e := newEnv(t, b, secret, &links.Options{MemberOf: func(r *http.Request) string { return r.Header.Get("X-Test-Member") }})
			e.put("media/a", []byte("hello"), storage.Metadata{ContentType: "image/png"})
			u := e.issue("media/a", &links.IssueOptions{Member: "agent:alice"})
			if strings.Contains(u, "alice") {
				t.Errorf("the URL %q names the member", u)
			}
			tests := []struct {
				member string
				status int
			}{{"agent:alice", 200}, {"agent:mallory", 403}, {"", 403}, {"Agent:alice", 403}}
			for _, tt := range tests {
				resp, body := e.do("GET", u, "X-Test-Member", tt.member)
				if resp.StatusCode != tt.status {
					t.Errorf("member %q: status %d; want %d", tt.member, resp.StatusCode, tt.status)
				}
				if tt.status == 403 {
					checkRefusal(t, resp, body, 403)
				}
			}
			// Unbound links do not care who asks.
			resp, _ := e.do("GET", e.issue("media/a", nil), "X-Test-Member", "agent:mallory")
			if resp.StatusCode != 200 {
				t.Errorf("unbound link: status %d; want 200", resp.StatusCode)
			}
		})
	}

	// A server that cannot tell who asks issues unbound links: binding
	// them would refuse every request, the member's own included.
	t.Run("no MemberOf", func(t *testing.T) {
		e := newEnv(t, memory.New(), "", nil)
		e.put("media/a", []byte("hello"), storage.Metadata{ContentType: "image/png"})
		resp, _ := e.do("GET", e.issue("media/a", &links.IssueOptions{Member: "agent:alice"}))
		if resp.StatusCode != 200 {
			t.Errorf("a link issued to a member by a server without MemberOf: status %d; want 200", resp.StatusCode)
		}
	})
}

func TestServeConcurrentRanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		data := content(64 << 10)
		e.put("media/big", data, storage.Metadata{ContentType: "video/mp4"})
		u := e.issue("media/big", nil)
		var wg sync.WaitGroup
		errc := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() {
				from := i * 4000
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Range", "bytes="+strconv.Itoa(from)+"-"+strconv.Itoa(from+999)+",-100")
				resp, err := e.ts.Client().Do(req)
				if err != nil {
					errc <- err
					return
				}
				defer resp.Body.Close()
				_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
				p, err := multipart.NewReader(resp.Body, params["boundary"]).NextPart()
				if err != nil {
					errc <- fmt.Errorf("range at %d: %v", from, err)
					return
				}
				got, _ := io.ReadAll(p)
				if !bytes.Equal(got, data[from:from+1000]) {
					errc <- fmt.Errorf("range at %d: wrong bytes", from)
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
	})
}
