package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// stall is the StallTimeout of the fault tests: short, so a test that
// stalls does not wait long. Nothing asserts how long anything took.
const stall = 300 * time.Millisecond

// closeBound bounds how long a test waits for the server to close a
// connection, so that a server that never does fails the test rather than
// hangs it.
const closeBound = 15 * time.Second

func faultEnv(t *testing.T) *env {
	return newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: stall}, noSync: true,
		readHeaderTimeout: time.Second})
}

// raw is a client speaking HTTP/1.1 by hand over TCP.
type raw struct {
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, e *env) *raw {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &raw{conn: conn, br: bufio.NewReader(conn)}
}

// head writes a request's head.
func (c *raw) head(t *testing.T, path, contentType string, length int64) {
	t.Helper()
	_, err := fmt.Fprintf(c.conn, "POST /attachments/api/%s HTTP/1.1\r\nHost: test\r\n%s: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, memberHeader, customer.Identity, contentType, length)
	require.NoError(t, err)
}

func (c *raw) write(t *testing.T, p []byte) {
	t.Helper()
	_, err := c.conn.Write(p)
	require.NoError(t, err)
}

// response reads one response, within closeBound.
func (c *raw) response(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(closeBound)))
	res, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err, "no answer came")
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	res.Body.Close()
	return res, body
}

// assertClosed checks that the server closes the connection, within
// closeBound.
func (c *raw) assertClosed(t *testing.T) {
	t.Helper()
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(closeBound)))
	_, err := io.Copy(io.Discard, c.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open")
	}
}

const msgs = "channels/" + channel + "/messages"

// TestMalformedUploads sends broken multipart bodies over raw connections:
// each gets its own refusal at once, and leaves nothing behind.
func TestMalformedUploads(t *testing.T) {
	e := faultEnv(t)
	good, ctype := fileForm("a.txt", textFile(20000, 3)).encode()
	boundary := boundaryOf(string(good))
	closing := "\r\n--" + boundary + "--\r\n"
	require.True(t, bytes.HasSuffix(good, []byte(closing)))
	twoFiles := func() []byte {
		f := fileForm("a.txt", textFile(100, 1))
		b, _ := f.encode()
		second := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.txt\"\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--%s--\r\n", boundaryOf(string(b)), boundaryOf(string(b)))
		return append(b[:len(b)-len("--"+boundaryOf(string(b))+"--\r\n")], second...)
	}()
	noFile, noFileType := form{fields: [][2]string{{"text", "hi"}}}.encode()
	tests := []struct {
		name  string
		ctype string
		body  []byte
		// sent is how much of body to send, then close the writing side;
		// -1 sends it all.
		sent int
		want errs.Code
	}{
		{"no closing boundary", ctype, good[:len(good)-len(closing)], -1, errs.UploadIncomplete},
		{"cut mid-part", ctype, good, 10000, errs.UploadIncomplete},
		{"garbage", ctype, bytes.Repeat([]byte("garbage\x00\xff"), 1000), -1, errs.InvalidPayload},
		{"wrong boundary", "multipart/form-data; boundary=not-the-one", good, -1, errs.InvalidPayload},
		{"no boundary", "multipart/form-data", good, -1, errs.InvalidPayload},
		{"two file parts", strings.Replace(ctype, boundary, boundaryOf(string(twoFiles)), 1), twoFiles, -1, errs.InvalidPayload},
		{"no file part", noFileType, noFile, -1, errs.InvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, e)
			c.head(t, msgs, tt.ctype, int64(len(tt.body)))
			if tt.sent >= 0 {
				c.write(t, tt.body[:tt.sent])
				require.NoError(t, c.conn.(*net.TCPConn).CloseWrite())
			} else {
				c.write(t, tt.body)
			}
			res, body := c.response(t)
			assert.Equal(t, tt.want, errorCode(t, body).Code, "%s", body)
			assert.Equal(t, httpapi.Status(tt.want), res.StatusCode)
		})
	}
	e.assertNoOrphans(t)
	e.assertServing(t)
}

// TestRefusalClosesConnection: a request that declares a body too large is
// refused before a byte of it is read, and the connection is closed, not
// drained, though the client sends nothing more.
func TestRefusalClosesConnection(t *testing.T) {
	e := faultEnv(t)
	tests := []struct {
		name   string
		length int64
		path   string
		want   errs.Code
	}{
		{"huge length, tiny body, stalled", 10 << 30, msgs, errs.FileTooLarge},
		{"huge length to the draft", 1 << 40, "channels/" + channel + "/draft/files", errs.FileTooLarge},
		{"refused extension, rest of a large body unsent", 8 << 20, msgs, errs.ExtensionNotAllowed},
		// Less than net/http would read after the handler to keep the
		// connection: it must not wait for bytes that never come.
		{"refused extension, 100 KiB unsent", 100 << 10, msgs, errs.ExtensionNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, e)
			f, ctype := fileForm("a.xyz", []byte("x")).encode()
			c.head(t, tt.path, ctype, tt.length)
			// The form's head and the first bytes of the file, then nothing.
			c.write(t, f[:len(f)-20])
			res, body := c.response(t)
			assert.Equal(t, tt.want, errorCode(t, body).Code, "%s", body)
			assert.True(t, res.Close, "the refusal should say the connection closes")
			c.assertClosed(t)
		})
	}
	e.assertNoOrphans(t)
	e.assertServing(t)
}

// TestStalledAndCutClients: clients that stall or go away mid-request are
// cut off, and nothing they sent is kept.
func TestStalledAndCutClients(t *testing.T) {
	e := faultEnv(t)
	data := textFile(200000, 4)
	f, ctype := fileForm("a.txt", data).encode()
	for _, sent := range []int{0, 100000} {
		t.Run(fmt.Sprintf("stall after the headers and %d bytes", sent), func(t *testing.T) {
			c := dial(t, e)
			c.head(t, msgs, ctype, int64(len(f)))
			c.write(t, f[:sent])
			res, body := c.response(t)
			assert.Equal(t, errs.UploadIncomplete, errorCode(t, body).Code, "%s", body)
			assert.True(t, res.Close, "the refusal should say the connection closes")
			c.assertClosed(t)
		})
	}
	t.Run("reset mid-upload", func(t *testing.T) {
		c := dial(t, e)
		c.head(t, msgs, ctype, int64(len(f)))
		c.write(t, f[:100000])
		tcp := c.conn.(*net.TCPConn)
		require.NoError(t, tcp.SetLinger(0)) // close sends RST
		require.NoError(t, tcp.Close())
		waitHandlersDone(t)
	})
	t.Run("body longer than declared", func(t *testing.T) {
		c := dial(t, e)
		c.head(t, msgs, ctype, int64(len(f)))
		c.write(t, append(slices.Clone(f), "trailing junk that is no request\r\n\r\n"...))
		res, body := c.response(t)
		require.Equal(t, http.StatusCreated, res.StatusCode, "the declared body is a whole upload: %s", body)
		res, _ = c.response(t)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "the extra bytes are no request")
		c.assertClosed(t)
	})
	e.assertNoOrphans(t)
	e.assertServing(t)
}

// waitHandlersDone waits, within closeBound, until no connection is being
// served: the handler of a connection the client reset has finished.
func waitHandlersDone(t *testing.T) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(closeBound)
	for len(ourGoroutines()) > 0 {
		require.False(t, time.Now().After(deadline), "a handler never finished:\n%s", strings.Join(ourGoroutines(), "\n\n"))
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlowloris holds 200 connections that dribble their headers or their
// bodies, while normal uploads go on; the server closes every one of them.
func TestSlowloris(t *testing.T) {
	e := faultEnv(t)
	f, ctype := fileForm("a.txt", textFile(50000, 5)).encode()
	var slow []*raw
	for i := range 200 {
		c := dial(t, e)
		if i%2 == 0 {
			_, err := fmt.Fprintf(c.conn, "POST /attachments/api/%s HTTP/1.1\r\nHost: test\r\n", msgs)
			require.NoError(t, err)
		} else {
			c.head(t, msgs, ctype, int64(len(f)))
			c.write(t, f[:1000])
		}
		slow = append(slow, c)
	}
	for i := range 10 {
		res, body := e.upload(t, customer, msgs, fileForm(fmt.Sprintf("ok%d.txt", i), textFile(20000, uint64(i))))
		require.Equal(t, http.StatusCreated, res.StatusCode, "a normal upload failed beside the slow clients: %s", body)
	}
	var wg sync.WaitGroup
	for _, c := range slow {
		wg.Go(func() { c.assertClosed(t) })
	}
	wg.Wait()
	assert.Len(t, e.chat.Messages(channel), 10)
	e.assertNoOrphans(t)
	e.assertServing(t)
}

// TestShutdownDuringUploads shuts the server down, with a deadline, while
// 50 uploads are in flight: half can finish, half are stalled and cut off.
// What was answered 201 is stored, and nothing is left half-stored.
func TestShutdownDuringUploads(t *testing.T) {
	e := faultEnv(t)
	f, ctype := fileForm("a.txt", textFile(100000, 6)).encode()
	var stalled []*raw
	for range 25 {
		c := dial(t, e)
		c.head(t, msgs, ctype, int64(len(f)))
		c.write(t, f[:50000])
		stalled = append(stalled, c)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := range 25 {
		wg.Go(func() {
			body, ct := fileForm(fmt.Sprintf("f%d.txt", i), textFile(100000, uint64(i))).encode()
			req, _ := http.NewRequest("POST", e.api+msgs, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set(memberHeader, customer.Identity)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return // cut off by the shutdown
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusCreated {
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if err != nil {
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, e.srv.Close())
	}
	wg.Wait()
	for _, c := range stalled {
		c.conn.Close()
	}
	waitHandlersDone(t)
	// A message may be stored whose answer the shutdown cut off, so the
	// count is at least the uploads answered 201; nothing is half-stored.
	assert.GreaterOrEqual(t, len(e.chat.Messages(channel)), created, "an upload answered 201 was lost")
	assert.LessOrEqual(t, len(e.chat.Messages(channel)), 25, "a stalled upload was stored")
	e.assertNoOrphans(t)
}

// TestConcurrentUploads sends 1,000 uploads of mixed sizes at once: every
// one arrives, whole, and none is lost.
func TestConcurrentUploads(t *testing.T) {
	e := newEnv(t, &envOptions{noSync: true})
	const n = 1000
	sizes := []int{100, 1 << 10, 10 << 10, 64 << 10, 256 << 10}
	want := map[string]string{} // name → sha256
	var mu sync.Mutex
	var latencies []time.Duration
	var failures []string
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for i := range n {
		data := textFile(sizes[i%len(sizes)], uint64(i))
		name := fmt.Sprintf("f%04d.txt", i)
		sum := sha256.Sum256(data)
		want[name] = fmt.Sprintf("%x", sum)
		body, ct := fileForm(name, data).encode()
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.api+msgs, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set(memberHeader, customer.Identity)
			start := time.Now()
			res, err := client.Do(req)
			var reply []byte
			if err == nil {
				reply, _ = io.ReadAll(res.Body)
				res.Body.Close()
			}
			took := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, took)
			if err != nil || res.StatusCode != http.StatusCreated {
				failures = append(failures, fmt.Sprintf("%s: %v %s", name, err, reply))
			}
		})
	}
	wg.Wait()
	require.Empty(t, failures, "uploads failed under load")
	got := map[string]string{}
	for _, m := range e.chat.Messages(channel) {
		media, err := m.Media()
		require.NoError(t, err)
		for _, md := range media {
			got[md.FileName] = md.SHA256
		}
	}
	assert.Equal(t, want, got, "an upload was lost or stored wrong")
	slices.Sort(latencies)
	t.Logf("%d concurrent uploads: p50 %v, p99 %v, max %v", n, latencies[n/2], latencies[n*99/100], latencies[n-1])
	e.assertNoOrphans(t)
}
