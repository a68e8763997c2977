package links_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

const benchSize = 64 << 20

// benchGet fetches url b.N times and checks each full body's length.
func benchGet(b *testing.B, client *http.Client, url string) {
	b.Helper()
	b.SetBytes(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != benchSize || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %d bytes, %v; want 200, %d bytes", resp.StatusCode, n, err, benchSize)
		}
	}
}

// BenchmarkDownload64MiB makes a full GET of a 64 MiB blob through the
// handler from local-disk storage. Compare with
// BenchmarkDownload64MiBBaseline; target: at least 0.9 of its MB/s.
func BenchmarkDownload64MiB(b *testing.B) {
	bucket, err := filesystem.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bucket.Close()
	if _, err := bucket.Put(context.Background(), "media/big", bytes.NewReader(content(benchSize)),
		storage.Metadata{ContentType: "video/mp4", FileName: "big.mp4"}); err != nil {
		b.Fatal(err)
	}
	signer := mustSigner(b, key("k1"), nil)
	srv, err := links.New(bucket, signer, "/dl", nil)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	link, err := srv.Issue(context.Background(), "media/big", &links.IssueOptions{Lifetime: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, ts.Client(), ts.URL+link.URL)
}

// BenchmarkDownload64MiBBaseline serves the same bytes with http.ServeContent
// straight from an *os.File, which sends them with sendfile(2).
func BenchmarkDownload64MiBBaseline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.mp4")
	if err := os.WriteFile(path, content(benchSize), 0o600); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, "open", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, "stat", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "", fi.ModTime(), f)
	}))
	defer ts.Close()
	benchGet(b, ts.Client(), ts.URL+"/big.mp4")
}
