package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// TestTusRefusalsAreJSON sends the requests tusd itself refuses, in plain
// text of its own, and checks that each is answered with the one JSON error
// body, the code's status, and never a 500.
func TestTusRefusalsAreJSON(t *testing.T) {
	e := tusEnv(t)
	data := textFile(1000, 6)
	url := e.create(t, customer, len(data), tusMeta("filename", "j.txt", "filetype", "text/plain"))
	octets := "application/offset+octet-stream"
	tests := []struct {
		name   string
		method string
		url    string
		hdr    map[string]string
		body   []byte
		want   errs.Code
	}{
		{"no Tus-Resumable", "PATCH", url, map[string]string{"Tus-Resumable": "", "Upload-Offset": "0", "Content-Type": octets}, data, errs.InvalidPayload},
		{"an old protocol version", "POST", "channels/" + channel + "/uploads", map[string]string{"Tus-Resumable": "0.2.0", "Upload-Length": "10"}, nil, errs.InvalidPayload},
		{"no Upload-Length", "POST", "channels/" + channel + "/uploads", map[string]string{"Upload-Metadata": tusMeta("filename", "a.txt")}, nil, errs.InvalidPayload},
		{"a negative Upload-Length", "POST", "channels/" + channel + "/uploads", map[string]string{"Upload-Length": "-5", "Upload-Metadata": tusMeta("filename", "a.txt")}, nil, errs.InvalidPayload},
		{"both lengths", "POST", "channels/" + channel + "/uploads", map[string]string{"Upload-Length": "5", "Upload-Defer-Length": "1", "Upload-Metadata": tusMeta("filename", "a.txt")}, nil, errs.Unsupported},
		{"PATCH without its content type", "PATCH", url, map[string]string{"Upload-Offset": "0", "Content-Type": "text/plain"}, data, errs.InvalidPayload},
		{"PATCH without an offset", "PATCH", url, map[string]string{"Content-Type": octets}, data, errs.InvalidPayload},
		{"PATCH at the wrong offset", "PATCH", url, map[string]string{"Upload-Offset": "7", "Content-Type": octets}, data[7:], errs.Conflict},
		{"PATCH of an upload that does not exist", "PATCH", e.api + "uploads/0123456789abcdef0123456789abcdef", map[string]string{"Upload-Offset": "0", "Content-Type": octets}, data, errs.NotFound},
		{"DELETE of an upload that does not exist", "DELETE", e.api + "uploads/0123456789abcdef0123456789abcdef", nil, nil, errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.tusReq(t, customer, tt.method, tt.url, tt.hdr, tt.body)
			assert.Equal(t, httpapi.Status(tt.want), res.StatusCode, "%s", body)
			assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), "a tus refusal should be JSON, not %q", res.Header.Get("Content-Type"))
			assert.Equal(t, tt.want, errorCode(t, body).Code, "%s", body)
			assert.NotContains(t, string(body), "ERR_", "tusd's own text should not reach the client")
		})
	}
	t.Run("HEAD of an upload that does not exist", func(t *testing.T) {
		res, _ := e.tusReq(t, customer, "HEAD", e.api+"uploads/0123456789abcdef0123456789abcdef", nil, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
	})
	// The upload is untouched by the refused requests, and still finishes.
	res, body := e.patch(t, customer, url, 0, data)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	e.assertNoOrphans(t)
}

// logLines is a slog handler that keeps the records it is given.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, b.String())
	return nil
}
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

func (l *logLines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestTusClientThatStopsSending: a PATCH whose client goes silent, its
// connection open, is cut after the stall timeout as upload_incomplete in
// the JSON error body, logged, never a 500; the client resumes.
func TestTusClientThatStopsSending(t *testing.T) {
	logs := &logLines{}
	e := newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: stall, Logger: slog.New(logs)}})
	data := textFile(40000, 7)
	url := e.create(t, customer, len(data), tusMeta("filename", "s.txt", "filetype", "text/plain"))
	c := dial(t, e)
	_, err := fmt.Fprintf(c.conn, "PATCH %s HTTP/1.1\r\nHost: test\r\nTus-Resumable: 1.0.0\r\n%s: %s\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(url, e.url), memberHeader, customer.Identity, len(data))
	require.NoError(t, err)
	c.write(t, data[:10000]) // then nothing
	res, body := c.response(t)
	assert.Equal(t, httpapi.Status(errs.UploadIncomplete), res.StatusCode, "%s", body)
	assert.Equal(t, errs.UploadIncomplete, errorCode(t, body).Code, "%s", body)
	c.assertClosed(t)
	assert.Contains(t, logs.all(), "upload incomplete", "the cut-off upload should be logged")
	assert.NotContains(t, logs.all(), "status=500")

	off, _ := e.offset(t, customer, url)
	res, body = e.patch(t, customer, url, off, data[off:])
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	e.assertNoOrphans(t)
}
