package links_test

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

func TestNewRefusesBadConfig(t *testing.T) {
	b := memory.New()
	s := mustSigner(t, key("k1"), nil)
	tests := []struct {
		name   string
		bucket *storage.Bucket
		signer *links.Signer
		base   string
	}{
		{"no bucket", nil, s, "/dl"},
		{"no signer", b, nil, "/dl"},
		{"empty base", b, s, ""},
		{"relative path", b, s, "dl"},
		{"scheme-relative", b, s, "//evil.example.com/dl"},
		{"query", b, s, "/dl?x=1"},
		{"empty query", b, s, "/dl?"},
		{"fragment", b, s, "https://chat.example.com/dl#x"},
		{"ftp", b, s, "ftp://chat.example.com/dl"},
		{"javascript", b, s, "javascript:alert(1)"},
		{"no host", b, s, "https:///dl"},
		{"user info", b, s, "https://user:pw@chat.example.com/dl"},
		{"not a URL", b, s, "https://chat example.com/%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := links.New(tt.bucket, tt.signer, tt.base, nil)
			if !errors.Is(err, errs.InvalidConfig) {
				t.Errorf("New(%q) = %v, %v; want an %s error", tt.base, srv, err, errs.InvalidConfig)
			}
		})
	}
}

func TestIssue(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	b := memory.New()
	tests := []struct {
		base       string
		o          *links.IssueOptions
		wantPrefix string
		wantLife   time.Duration
	}{
		{"https://chat.example.com/dl", nil, "https://chat.example.com/dl/", 5 * time.Minute},
		{"https://chat.example.com/dl/", &links.IssueOptions{}, "https://chat.example.com/dl/", 5 * time.Minute},
		{"/dl", &links.IssueOptions{Lifetime: time.Hour}, "/dl/", time.Hour},
		{"/", &links.IssueOptions{Lifetime: time.Second}, "/", time.Second},
		{"http://127.0.0.1:8080/a/b", &links.IssueOptions{Lifetime: links.MaxLifetime}, "http://127.0.0.1:8080/a/b/", links.MaxLifetime},
		{"/dl", &links.IssueOptions{Lifetime: 90*time.Second + 700*time.Millisecond}, "/dl/", 90 * time.Second},
	}
	for _, tt := range tests {
		srv, err := links.New(b, s, tt.base, nil)
		if err != nil {
			t.Fatalf("New(%q): %v", tt.base, err)
		}
		l, err := srv.Issue(context.Background(), "media/a", tt.o)
		if err != nil {
			t.Fatalf("base %q, %+v: Issue() error %v", tt.base, tt.o, err)
		}
		if !strings.HasPrefix(l.URL, tt.wantPrefix) || strings.ContainsAny(l.URL[len(tt.wantPrefix):], "/?#%") {
			t.Errorf("base %q: URL %q; want %q and one path segment", tt.base, l.URL, tt.wantPrefix)
		}
		if want := clk.Now().Add(tt.wantLife); !l.ExpiresAt.Equal(want) {
			t.Errorf("base %q, %+v: ExpiresAt %v; want %v", tt.base, tt.o, l.ExpiresAt, want)
		}
		c, err := s.Verify(l.URL[len(tt.wantPrefix):], "")
		if err != nil || c.Media != "media/a" || !c.Expires.Equal(l.ExpiresAt) {
			t.Errorf("the token verifies as %+v, %v; want media/a until %v", c, err, l.ExpiresAt)
		}
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	clk := newClock()
	srv, err := links.New(memory.New(), mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now}), "/dl", nil)
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		key  string
		o    *links.IssueOptions
		want errs.Code
	}{
		{"negative lifetime", context.Background(), "media/a", &links.IssueOptions{Lifetime: -time.Minute}, errs.InvalidArgument},
		{"under a second", context.Background(), "media/a", &links.IssueOptions{Lifetime: 999 * time.Millisecond}, errs.InvalidArgument},
		{"over the maximum", context.Background(), "media/a", &links.IssueOptions{Lifetime: links.MaxLifetime + time.Second}, errs.InvalidArgument},
		{"bad disposition", context.Background(), "media/a", &links.IssueOptions{Disposition: 9}, errs.InvalidArgument},
		{"empty key", context.Background(), "", nil, errs.InvalidKey},
		{"dot-dot key", context.Background(), "media/../etc/passwd", nil, errs.InvalidKey},
		{"absolute key", context.Background(), "/etc/passwd", nil, errs.InvalidKey},
		{"control character", context.Background(), "media/a\nb", nil, errs.InvalidKey},
		{"canceled", canceled, "media/a", nil, errs.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := srv.Issue(tt.ctx, tt.key, tt.o)
			if errs.CodeOf(err) != tt.want || l != (links.Link{}) {
				t.Fatalf("Issue() = %+v, %v; want code %s", l, err, tt.want)
			}
			if e := errs.As(err); e == nil || !strings.HasPrefix(e.Op, "links: issue") {
				t.Errorf("error %v: want Op naming links: issue", err)
			}
		})
	}
}

func TestIssueNativeURLs(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	d := &signingDriver{Driver: memory.New().Driver()}
	b := storage.NewBucket(d)
	ctx := context.Background()
	put := func(key, ctype, name string) {
		if _, err := b.Put(ctx, key, strings.NewReader("data"), storage.Metadata{ContentType: ctype, FileName: name}); err != nil {
			t.Fatal(err)
		}
	}
	put("media/pic", "image/png", "pic.png")
	put("media/page", "text/html", "page\".html")

	native, err := links.New(b, s, "/dl", &links.Options{NativeURLs: true})
	if err != nil {
		t.Fatal(err)
	}
	own, err := links.New(b, s, "/dl", nil)
	if err != nil {
		t.Fatal(err)
	}
	nativeBound, err := links.New(b, s, "/dl", &links.Options{NativeURLs: true, MemberOf: func(*http.Request) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		srv        *links.Server
		key        string
		o          *links.IssueOptions
		wantNative bool
		wantType   string
		wantDisp   string
	}{
		{"inline image", native, "media/pic", &links.IssueOptions{Disposition: links.Inline, Lifetime: time.Minute}, true, "image/png", `inline; filename="pic.png"; filename*=UTF-8''pic.png`},
		{"HTML asked inline", native, "media/page", &links.IssueOptions{Disposition: links.Inline}, true, "application/octet-stream", `attachment; filename="page_.html"; filename*=UTF-8''page%22.html`},
		{"bound to a member", nativeBound, "media/pic", &links.IssueOptions{Member: "agent:alice"}, false, "", ""},
		// Without MemberOf the server cannot bind: the member changes nothing.
		{"a member but no MemberOf", native, "media/pic", &links.IssueOptions{Member: "agent:alice"}, true, "image/png", `attachment; filename="pic.png"; filename*=UTF-8''pic.png`},
		{"native URLs off", own, "media/pic", nil, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.mu.Lock()
			d.got = nil
			d.mu.Unlock()
			l, err := tt.srv.Issue(ctx, tt.key, tt.o)
			if err != nil {
				t.Fatalf("Issue() error %v", err)
			}
			life := links.DefaultLifetime
			if tt.o != nil && tt.o.Lifetime != 0 {
				life = tt.o.Lifetime
			}
			if !l.ExpiresAt.Equal(clk.Now().Add(life)) {
				t.Errorf("ExpiresAt %v; want %v", l.ExpiresAt, clk.Now().Add(life))
			}
			d.mu.Lock()
			got := d.got
			d.mu.Unlock()
			wantCalls := 0
			if tt.wantNative {
				wantCalls = 1
			}
			if gotNative := strings.HasPrefix(l.URL, "https://bucket.example.com/"); gotNative != tt.wantNative || len(got) != wantCalls {
				t.Fatalf("URL %q after %d SignedURL calls; want native %v", l.URL, len(got), tt.wantNative)
			}
			if !tt.wantNative {
				return
			}
			want := storage.SignedURLOptions{Expiry: life, ContentType: tt.wantType, ContentDisposition: tt.wantDisp}
			if got[0] != want {
				t.Errorf("SignedURL options %+v; want %+v", got[0], want)
			}
			if _, _, err := mime.ParseMediaType(got[0].ContentDisposition); err != nil {
				t.Errorf("Content-Disposition %q: %v", got[0].ContentDisposition, err)
			}
		})
	}

	if _, err := native.Issue(ctx, "media/missing", nil); !errors.Is(err, errs.NotFound) {
		t.Errorf("native link to a missing blob: %v; want %s", err, errs.NotFound)
	}
}
