package links_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// A host mounts the Server at its base URL; DownloadMedia issues a link; the
// browser fetches it until it expires.
func Example() {
	ctx := context.Background()
	bucket := memory.New()
	defer bucket.Close()
	_, err := bucket.Put(ctx, "media/ME1", strings.NewReader("GIF89a…"),
		storage.Metadata{ContentType: "image/gif", FileName: "café.gif"})
	if err != nil {
		panic(err)
	}

	secret := make([]byte, 32) // in production: from a secret manager
	rand.Read(secret)
	var now atomic.Int64 // Unix seconds: a settable clock keeps the output stable
	now.Store(time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC).Unix())
	signer, err := links.NewSigner(links.Key{ID: "2031-03", Secret: secret},
		&links.SignerOptions{Now: func() time.Time { return time.Unix(now.Load(), 0).UTC() }})
	if err != nil {
		panic(err)
	}
	srv, err := links.New(bucket, signer, "/dl", nil)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dl/", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	link, err := srv.Issue(ctx, "media/ME1", &links.IssueOptions{Disposition: links.Inline})
	if err != nil {
		panic(err)
	}
	fmt.Println("expires:", link.ExpiresAt)

	resp, err := http.Get(ts.URL + link.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, string(body))
	for _, h := range []string{"Content-Type", "Content-Disposition", "X-Content-Type-Options", "Content-Security-Policy", "Cache-Control"} {
		fmt.Printf("%s: %s\n", h, resp.Header.Get(h))
	}

	// Five minutes later, the link is dead.
	now.Add(5 * 60)
	resp, err = http.Get(ts.URL + link.URL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Output:
	// expires: 2031-03-14 15:14:26 +0000 UTC
	// 200 OK GIF89a…
	// Content-Type: image/gif
	// Content-Disposition: inline; filename="caf_.gif"; filename*=UTF-8''caf%C3%A9.gif
	// X-Content-Type-Options: nosniff
	// Content-Security-Policy: default-src 'none'; sandbox
	// Cache-Control: private, max-age=300
	// 403 Forbidden
}

// Rotating keys: the new key signs, the old one still verifies the links it
// signed until it is dropped.
func ExampleNewSigner() {
	oldKey := links.Key{ID: "2031-02", Secret: make([]byte, 32)}
	newKey := links.Key{ID: "2031-03", Secret: make([]byte, 32)}
	rand.Read(oldKey.Secret)
	rand.Read(newKey.Secret)

	before, _ := links.NewSigner(oldKey, nil)
	after, _ := links.NewSigner(newKey, &links.SignerOptions{Previous: []links.Key{oldKey}})
	retired, _ := links.NewSigner(newKey, nil)

	tok, _ := before.Sign(links.Claims{Media: "media/ME1", Expires: time.Now().Add(time.Minute)})
	c, err := after.Verify(tok, "")
	fmt.Println(c.Media, err)
	_, err = retired.Verify(tok, "")
	fmt.Println(errs.CodeOf(err))

	// Output:
	// media/ME1 <nil>
	// link_invalid
}
