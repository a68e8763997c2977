package links_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
)

// patternEnv serves a patternDriver blob of size bytes at "media/big".
func patternEnv(t *testing.T, size, failAt int64) (*env, *patternDriver, string) {
	t.Helper()
	d := newPatternDriver("media/big", size, failAt)
	e := newEnv(t, storage.NewBucket(d), "/var/secret", nil)
	return e, d, e.issue("media/big", nil)
}

func TestServeStreamsOneGiB(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB")
	}
	const size = 1 << 30
	e, d, u := patternEnv(t, size, 0)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	resp := e.open(u, size)
	period := newPeriod()
	buf, want := make([]byte, 256<<10), make([]byte, 256<<10)
	var off int64
	for {
		n, err := io.ReadFull(resp.Body, buf)
		fillPattern(want[:n], off, period)
		if !bytes.Equal(buf[:n], want[:n]) {
			t.Fatalf("wrong bytes in the chunk at %d", off)
		}
		off += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", off, err)
		}
	}
	runtime.ReadMemStats(&after)

	if off != size {
		t.Fatalf("read %d bytes; want %d", off, size)
	}
	if got := d.gets.Load(); got != 1 {
		t.Errorf("the download took %d storage Gets; want 1", got)
	}
	// Server and client together: a copy of the file would be 1024 MiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("streaming 1 GiB allocated %d MiB; want under 16 MiB", alloc>>20)
	}
}

func TestServeAsksStorageForWhatItSends(t *testing.T) {
	tests := []struct {
		method, rng string
		wantGets    int64
		wantLen     int64 // of the last Get; -1: to the end
	}{
		{"HEAD", "", 0, 0},
		{"HEAD", "bytes=0-9", 0, 0},
		{"GET", "", 1, 1 << 20},
		{"GET", "bytes=100-199", 1, 100},
		{"GET", "bytes=-100", 1, 100},
		{"GET", "bytes=0-9,100-109,-10", 3, -1}, // one open-ended Get a part
		{"GET", "bytes=999999999-", 0, 0},       // 416
	}
	for _, tt := range tests {
		e, d, u := patternEnv(t, 1<<20, 0)
		resp, body := e.do(tt.method, u, "Range", tt.rng)
		if got := d.gets.Load(); got != tt.wantGets {
			t.Errorf("%s Range %q: %d Gets; want %d", tt.method, tt.rng, got, tt.wantGets)
		}
		if got := d.lastLen.Load(); got != tt.wantLen {
			t.Errorf("%s Range %q: the last Get asked for %d bytes; want %d", tt.method, tt.rng, got, tt.wantLen)
		}
		if resp.StatusCode/100 == 2 && tt.method == "GET" && int64(len(body)) != resp.ContentLength {
			t.Errorf("%s Range %q: %d bytes; Content-Length %d", tt.method, tt.rng, len(body), resp.ContentLength)
		}
	}
}

func TestServeCutsShortWhenStorageFails(t *testing.T) {
	const size, failAt = 4 << 20, 1 << 20
	e, _, u := patternEnv(t, size, failAt)
	resp := e.open(u, size)
	body, err := io.ReadAll(resp.Body)
	if err == nil || len(body) >= size || len(body) < failAt {
		t.Fatalf("read %d bytes, error %v; want the download cut short after %d bytes with an error", len(body), err, failAt)
	}
	if bytes.Contains(body, []byte("/var/secret")) {
		t.Error("the driver's error text reached the client")
	}
	waitForLog(t, e, "level=ERROR")
}

func TestServeRefusesToSpliceVersions(t *testing.T) {
	e, d, u := patternEnv(t, 1<<20, 0)
	d.etag.Store(`"v2"`) // replaced between Stat and Get
	body, err := io.ReadAll(e.open(u, 1<<20).Body)
	if err == nil {
		t.Fatalf("read %d bytes of a blob replaced mid-download with no error", len(body))
	}
	waitForLog(t, e, "changed while it was being downloaded")
}

func TestServeStopsWhenTheClientLeaves(t *testing.T) {
	for _, rng := range []string{"", "bytes=0-300000000,400000000-"} {
		clk := newClock()
		srv, err := links.New(storage.NewBucket(newPatternDriver("media/big", 1<<30, 0)),
			mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now}), "/dl", nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			srv.ServeHTTP(w, r)
		}))
		defer ts.Close()
		link, err := srv.Issue(context.Background(), "media/big", nil)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", ts.URL+link.URL, nil)
		req.Header.Set("Range", rng)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ts.CloseClientConnections()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Range %q: the handler still runs 30 s after the client left", rng)
		}
	}
}

// open starts a GET of url, checks that it is a 200 of size bytes, and
// returns the response with its body unread; the body is closed at cleanup.
func (e *env) open(url string, size int64) *http.Response {
	e.t.Helper()
	resp, err := e.ts.Client().Get(url)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		e.t.Fatalf("status %d, Content-Length %d; want 200, %d", resp.StatusCode, resp.ContentLength, size)
	}
	return resp
}

// waitForLog waits until the handler, which logs after the response is
// written, has logged want.
func waitForLog(t *testing.T, e *env, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !strings.Contains(e.logs.String(), want) {
		select {
		case <-ctx.Done():
			t.Fatalf("log %q: no %q after 10 s", e.logs.String(), want)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
