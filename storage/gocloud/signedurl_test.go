package gocloud_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
)

// get fetches u and returns the status, the body and the response headers.
func get(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

// TestSignedURLExpires: a pre-signed GET serves the blob with the asked-for
// headers, then is refused once its expiry has passed.
func TestSignedURLExpires(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	ctx := context.Background()
	const content = "<html>not to be rendered</html>"
	if _, err := b.Put(ctx, "media/page", strings.NewReader(content), storage.Metadata{ContentType: "text/html"}); err != nil {
		t.Fatal(err)
	}
	const disposition = `attachment; filename="page.html"; filename*=UTF-8''p%C3%A4ge.html`
	u, err := b.SignedURL(ctx, "media/page", storage.SignedURLOptions{
		Expiry:             2 * time.Second,
		ContentType:        "application/octet-stream",
		ContentDisposition: disposition,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	status, body, h := get(t, u)
	if status != http.StatusOK || body != content {
		t.Fatalf("GET signed URL = %d %q, want 200 %q", status, body, content)
	}
	if got := h.Get("Content-Disposition"); got != disposition {
		t.Errorf("Content-Disposition = %q, want %q", got, disposition)
	}
	if got := h.Get("Content-Type"); got != "application/octet-stream" {
		t.Errorf("Content-Type = %q, want the override application/octet-stream", got)
	}
	time.Sleep(time.Until(start.Add(3 * time.Second)))
	if status, body, _ := get(t, u); status != http.StatusForbidden || strings.Contains(body, content) {
		t.Errorf("GET expired signed URL = %d %q, want 403 without the blob", status, body)
	}
}

// TestSignedURLTampered: a signed URL whose key, expiry, response headers or
// signature was changed is refused.
func TestSignedURLTampered(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	ctx := context.Background()
	for _, key := range []string{"media/a", "media/b"} {
		if _, err := b.Put(ctx, key, strings.NewReader("secret "+key), storage.Metadata{ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	signed, err := b.SignedURL(ctx, "media/a", storage.SignedURLOptions{Expiry: time.Minute, ContentDisposition: "attachment"})
	if err != nil {
		t.Fatal(err)
	}
	if status, body, _ := get(t, signed); status != http.StatusOK || body != "secret media/a" {
		t.Fatalf("GET untouched signed URL = %d %q, want 200", status, body)
	}
	tests := []struct {
		name   string
		tamper func(u *url.URL, q url.Values)
		want   int // the refusal: 403, or 400 for a signature that is missing
	}{
		{"other key", func(u *url.URL, q url.Values) { u.Path = strings.Replace(u.Path, "media/a", "media/b", 1) }, http.StatusForbidden},
		{"longer expiry", func(u *url.URL, q url.Values) { q.Set("X-Amz-Expires", "604800") }, http.StatusForbidden},
		{"inline disposition", func(u *url.URL, q url.Values) { q.Set("response-content-disposition", "inline") }, http.StatusForbidden},
		{"no disposition", func(u *url.URL, q url.Values) { q.Del("response-content-disposition") }, http.StatusForbidden},
		{"changed signature", func(u *url.URL, q url.Values) {
			s := q.Get("X-Amz-Signature")
			q.Set("X-Amz-Signature", strings.Repeat("0", len(s)))
		}, http.StatusForbidden},
		{"no signature", func(u *url.URL, q url.Values) { q.Del("X-Amz-Signature") }, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(signed)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			tt.tamper(u, q)
			u.RawQuery = q.Encode()
			status, body, _ := get(t, u.String())
			if status != tt.want || strings.Contains(body, "secret") {
				t.Errorf("GET tampered URL = %d %q, want %d without the blob", status, body, tt.want)
			}
		})
	}
}

// TestSignedURLElsewhere: a backend that cannot sign, or cannot set the
// response headers asked for, gives errs.Unsupported rather than a URL that
// would serve the blob with the wrong headers.
func TestSignedURLElsewhere(t *testing.T) {
	dir := t.TempDir()
	base, _ := url.Parse("http://files.example/")
	signer := fileblob.NewURLSignerHMAC(base, []byte("a key of thirty-two bytes or so."))
	fb, err := fileblob.OpenBucket(dir, &fileblob.Options{URLSigner: signer})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		b        *storage.Bucket
		opts     storage.SignedURLOptions
		wantCode errs.Code
	}{
		{"memblob cannot sign", gocloud.New(memblob.OpenBucket(nil), nil), storage.SignedURLOptions{Expiry: time.Minute}, errs.Unsupported},
		{"fileblob signs plain URLs", gocloud.New(fb, nil), storage.SignedURLOptions{Expiry: time.Minute}, ""},
		{"fileblob cannot set headers", gocloud.New(fb, nil), storage.SignedURLOptions{Expiry: time.Minute, ContentDisposition: "attachment"}, errs.Unsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := tt.b.SignedURL(context.Background(), "k", tt.opts)
			if got := errs.CodeOf(err); got != tt.wantCode {
				t.Fatalf("SignedURL = %q, %v (code %q), want code %q", u, err, got, tt.wantCode)
			}
			if err == nil && !strings.HasPrefix(u, base.String()) {
				t.Errorf("SignedURL = %q, want a URL under %s", u, base)
			}
		})
	}
}
