package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

// The benchmarks send real HTTP requests over loopback to a real server,
// each paired with a baseline in the same run (scripts/bench.sh prints the
// ratios):
//
//	go test -run '^$' -bench 'HTTPUpload64MiB|TusUpload64MiB' -benchtime 4x ./httpapi

const size64MiB = 64 << 20

// pngHead is the start of a PNG: the content the benchmarks send is a PNG
// header and zeros, generated as it is read, so the client holds nothing.
const pngHead = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

// content is a file of size bytes, readable at any offset.
type content struct{ size int64 }

// ReadAt implements io.ReaderAt.
func (c content) ReadAt(p []byte, off int64) (int, error) {
	if off >= c.size {
		return 0, io.EOF
	}
	n := len(p)
	if rest := c.size - off; int64(n) > rest {
		n = int(rest)
	}
	clear(p[:n])
	if off < int64(len(pngHead)) {
		copy(p[:n], pngHead[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (c content) section(off, n int64) io.Reader { return io.NewSectionReader(c, off, n) }

// multipartBody is a streaming multipart body holding one file of size
// bytes: its head, the file, its tail.
func multipartBody(size int64) (body func() io.Reader, length int64, contentType string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("size", strconv.FormatInt(size, 10))
	_, _ = mw.CreateFormFile("file", "big.png")
	headBytes := slicesClone(head.Bytes())
	head.Reset()
	_ = mw.Close()
	tail := slicesClone(head.Bytes())
	return func() io.Reader {
			return io.MultiReader(bytes.NewReader(headBytes), content{size}.section(0, size), bytes.NewReader(tail))
		}, int64(len(headBytes)) + size + int64(len(tail)),
		mw.FormDataContentType()
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// benchEnv is an env whose customers may send files up to limit bytes,
// with fsync on, as a host would run it.
func benchEnv(b *testing.B, limit int64) *env { return benchEnvChunks(b, limit, nil) }

// benchEnvChunks is benchEnv with tus chunks in chunks (nil: the Client's
// storage).
func benchEnvChunks(b *testing.B, limit int64, chunks *storage.Bucket) *env {
	cfg := attachments.DefaultConfig()
	cfg.Customer.FileAttachment.MaxFileSize = limit
	// A short stall timeout, because tusd keeps a goroutine that long
	// after each request, and the env's leak check waits for them.
	return newEnv(b, &envOptions{cfg: &cfg, handler: &httpapi.Options{SweepInterval: -1, StallTimeout: 3 * time.Second,
		UploadStorage: chunks}})
}

// post sends a streaming multipart upload and fails the benchmark unless it
// is answered status.
func post(b *testing.B, client *http.Client, url string, body io.Reader, length int64, ctype string, member string, status int) {
	req, err := http.NewRequest("POST", url, body)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", ctype)
	req.Header.Set(memberHeader, member)
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	reply, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status {
		b.Fatalf("status %d: %s", res.StatusCode, reply)
	}
}

// clearMessages deletes the channel's messages and their media, so the
// disk does not fill over the rounds.
func (e *env) clearMessages(b *testing.B) {
	for _, m := range e.chat.Messages(channel) {
		if _, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: agent, MessageSID: m.SID}); err != nil {
			b.Fatal(err)
		}
	}
}

func httpUpload(b *testing.B, size int64) {
	e := benchEnv(b, size)
	body, length, ctype := multipartBody(size)
	client := &http.Client{}
	b.SetBytes(size)
	for b.Loop() {
		post(b, client, e.api+msgs, body(), length, ctype, customer.Identity, http.StatusCreated)
		b.StopTimer()
		e.clearMessages(b)
		b.StartTimer()
	}
}

func BenchmarkHTTPUpload64MiB(b *testing.B) { httpUpload(b, size64MiB) }

// BenchmarkHTTPUpload64MiBBaseline is the same request to a bare handler
// written the fast way: it reads the multipart part into 256 KiB buffers,
// writes each through SHA-256 into a file, and fsyncs it, as the library's
// storage does.
func BenchmarkHTTPUpload64MiBBaseline(b *testing.B) {
	dir := b.TempDir()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			if part.FormName() != "file" {
				continue
			}
			f, err := os.CreateTemp(dir, "upload")
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer os.Remove(f.Name())
			defer f.Close()
			h := sha256.New()
			buf := make([]byte, 256<<10)
			for {
				n, err := io.ReadFull(part, buf)
				h.Write(buf[:n])
				if _, werr := f.Write(buf[:n]); werr != nil {
					http.Error(w, werr.Error(), 500)
					return
				}
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					break
				}
				if err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
			}
			_ = h.Sum(nil)
			if err := f.Sync(); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.WriteHeader(http.StatusCreated)
			return
		}
	})
	url := serveBare(b, bare)
	body, length, ctype := multipartBody(size64MiB)
	client := &http.Client{}
	b.SetBytes(size64MiB)
	for b.Loop() {
		post(b, client, url, body(), length, ctype, customer.Identity, http.StatusCreated)
	}
}

// serveBare serves h on 127.0.0.1 with the same server settings as env.
func serveBare(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := httpapi.NewServer("", h)
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// BenchmarkHTTPUpload4KiBParallel sends 4 KiB files through the handler
// from many goroutines.
func BenchmarkHTTPUpload4KiBParallel(b *testing.B) {
	e := benchEnv(b, 0)
	body, length, ctype := multipartBody(4 << 10)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.SetBytes(4 << 10)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, client, e.api+msgs, body(), length, ctype, customer.Identity, http.StatusCreated)
		}
	})
}

// BenchmarkHTTPUpload4KiBParallelDirect invokes the action with the same
// files on the same storage, without HTTP.
func BenchmarkHTTPUpload4KiBParallelDirect(b *testing.B) {
	e := benchEnv(b, 0)
	b.SetBytes(4 << 10)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.SendMediaMessage,
				attachments.SendMediaMessagePayload{Channel: channel, Sender: customer,
					File: &attachments.File{Name: "big.png", Size: 4 << 10, Body: content{4 << 10}.section(0, 4<<10)}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// tusUpload uploads size bytes with tus in chunks of chunk bytes.
func tusUpload(b *testing.B, client *http.Client, e *env, size, chunk int64) {
	req, _ := http.NewRequest("POST", e.api+"channels/"+channel+"/uploads", nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set(memberHeader, customer.Identity)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", tusMeta("filename", "big.png", "filetype", "image/png"))
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b.Fatalf("create: %d", res.StatusCode)
	}
	url := res.Header.Get("Location")
	for off := int64(0); off < size; off += chunk {
		n := min(chunk, size-off)
		req, _ := http.NewRequest("PATCH", url, content{size}.section(off, n))
		req.ContentLength = n
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set(memberHeader, customer.Identity)
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := http.StatusNoContent
		if off+n == size {
			want = http.StatusOK
		}
		if res.StatusCode != want {
			b.Fatalf("PATCH at %d: %d %s", off, res.StatusCode, reply)
		}
	}
}

func BenchmarkTusUpload64MiB(b *testing.B) { tusBench(b, nil) }

// BenchmarkTusUpload64MiBNoSyncChunks keeps the chunks in a bucket that
// skips fsync (Options.UploadStorage); the file itself is stored with fsync
// as before.
func BenchmarkTusUpload64MiBNoSyncChunks(b *testing.B) {
	chunks, err := filesystem.Open(b.TempDir(), &filesystem.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer chunks.Close()
	tusBench(b, chunks)
}

func tusBench(b *testing.B, chunks *storage.Bucket) {
	e := benchEnvChunks(b, size64MiB, chunks)
	client := &http.Client{}
	b.SetBytes(size64MiB)
	for b.Loop() {
		tusUpload(b, client, e, size64MiB, 8<<20)
		b.StopTimer()
		e.clearMessages(b)
		b.StartTimer()
	}
}

// The 1 GiB benchmarks report how far an upload raises the heap of the
// process — server and client both — sampled every few milliseconds.
func BenchmarkHTTPUpload1GiB(b *testing.B) {
	body, length, ctype := multipartBody(1 << 30)
	client := &http.Client{}
	peakHeap(b, func(e *env) {
		post(b, client, e.api+msgs, body(), length, ctype, customer.Identity, http.StatusCreated)
	})
}

func BenchmarkTusUpload1GiB(b *testing.B) {
	client := &http.Client{}
	peakHeap(b, func(e *env) { tusUpload(b, client, e, 1<<30, 8<<20) })
}

// peakHeap runs upload, which sends 1 GiB, and reports the heap's peak rise.
func peakHeap(b *testing.B, upload func(e *env)) {
	const n = 1 << 30
	e := benchEnv(b, n)
	b.SetBytes(n)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := sampleHeap(&peak)
		upload(e)
		stop()
		b.StopTimer()
		e.clearMessages(b)
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records in *peak the largest rise of live heap objects above
// where they stand now, until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	const name = "/memory/classes/heap/objects:bytes"
	read := func() uint64 {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > base && v-base > *peak {
				*peak = v - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
