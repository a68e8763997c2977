package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// tusEnv is an env for tus tests. Its StallTimeout is short because tusd
// keeps a goroutine for that long after each request, to let a dropped
// PATCH store what arrived, and the env's leak check waits for them.
func tusEnv(t *testing.T) *env {
	return newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: 2 * time.Second}})
}

// tusReq sends one tus request as member.
func (e *env) tusReq(t *testing.T, member attachments.Member, method, url string, hdr map[string]string, body []byte) (*http.Response, []byte) {
	t.Helper()
	if !strings.HasPrefix(url, "http") {
		url = e.api + url
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set(memberHeader, member.Identity)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, data
}

// tusMeta encodes Upload-Metadata.
func tusMeta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create creates an upload and returns its URL.
func (e *env) create(t *testing.T, member attachments.Member, size int, meta string) string {
	t.Helper()
	res, body := e.tusReq(t, member, "POST", "channels/"+channel+"/uploads",
		map[string]string{"Upload-Length": strconv.Itoa(size), "Upload-Metadata": meta}, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	loc := res.Header.Get("Location")
	require.NotEmpty(t, loc)
	return loc
}

func (e *env) patch(t *testing.T, member attachments.Member, url string, offset int, chunk []byte) (*http.Response, []byte) {
	t.Helper()
	return e.tusReq(t, member, "PATCH", url, map[string]string{
		"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream"}, chunk)
}

func (e *env) offset(t *testing.T, member attachments.Member, url string) (int, int) {
	t.Helper()
	res, body := e.tusReq(t, member, "HEAD", url, nil, nil)
	if res.StatusCode == http.StatusNotFound {
		return -1, http.StatusNotFound
	}
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	n, err := strconv.Atoi(res.Header.Get("Upload-Offset"))
	require.NoError(t, err)
	return n, res.StatusCode
}

// TestTusProtocol drives tus 1.0 by hand: creation, offsets, PATCH,
// ownership, completion through the action, termination.
func TestTusProtocol(t *testing.T) {
	e := tusEnv(t)
	data := textFile(300000, 21)
	url := e.create(t, customer, len(data), tusMeta("filename", "big.txt", "filetype", "text/plain"))
	assert.True(t, strings.HasPrefix(url, e.api+"uploads/"), "the upload lives under the Handler's path: %s", url)

	off, _ := e.offset(t, customer, url)
	assert.Equal(t, 0, off, "a new upload starts at 0")

	res, body := e.patch(t, customer, url, 0, data[:100000])
	require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", body)
	assert.Equal(t, "100000", res.Header.Get("Upload-Offset"))

	res, _ = e.patch(t, customer, url, 0, data[:10])
	assert.Equal(t, http.StatusConflict, res.StatusCode, "a PATCH at the wrong offset must be refused")

	for _, method := range []string{"HEAD", "PATCH", "DELETE"} {
		res, body = e.tusReq(t, stranger, method, url, map[string]string{
			"Upload-Offset": "100000", "Content-Type": "application/offset+octet-stream"}, []byte("x"))
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "another member's %s must not find the upload", method)
		if method != "HEAD" {
			assert.Equal(t, errs.NotFound, errorCode(t, body).Code, "%s", body)
		}
	}
	off, _ = e.offset(t, customer, url)
	assert.Equal(t, 100000, off, "another member's requests must not change the upload")

	res, body = e.patch(t, customer, url, 100000, data[100000:])
	require.Equal(t, http.StatusOK, res.StatusCode, "the last PATCH answers with the message: %s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent), "%s", body)
	require.Len(t, sent.Message.Media, 1)
	assert.Equal(t, "big.txt", sent.Message.Media[0].FileName)
	assert.Equal(t, int64(len(data)), sent.Message.Media[0].Size)

	res, body = e.do(t, customer, "GET", msgs+"/"+sent.Message.SID+"/media/"+sent.Message.Media[0].SID+"/link", nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var link httpapi.LinkReply
	require.NoError(t, json.Unmarshal(body, &link))
	assert.True(t, bytes.Equal(data, fetch(t, e.url+link.URL)), "the assembled file should be the bytes sent")

	_, status := e.offset(t, customer, url)
	assert.Equal(t, http.StatusNotFound, status, "a finished upload's chunks are deleted")

	// Termination.
	url = e.create(t, customer, 1000, tusMeta("filename", "t.txt", "filetype", "text/plain"))
	res, _ = e.patch(t, customer, url, 0, textFile(500, 1))
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	res, _ = e.tusReq(t, customer, "DELETE", url, nil, nil)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	_, status = e.offset(t, customer, url)
	assert.Equal(t, http.StatusNotFound, status, "a terminated upload is gone")

	assert.Equal(t, 1.0, metric(t, e, "attachments_uploads_total", map[string]string{"kind": "tus", "outcome": "ok"}))
	e.assertNoOrphans(t)
}

// TestTusRefusals: refusals at creation come before any byte; a file the
// guard refuses once assembled is refused on the last PATCH, and its
// chunks are deleted.
func TestTusRefusals(t *testing.T) {
	e := tusEnv(t)
	tests := []struct {
		name string
		meta string
		size int
		want errs.Code
	}{
		{"extension", tusMeta("filename", "a.xyz", "filetype", "text/plain"), 10, errs.ExtensionNotAllowed},
		{"too large", tusMeta("filename", "a.txt", "filetype", "text/plain"), 100 << 20, errs.FileTooLarge},
		{"no name", tusMeta("filetype", "text/plain"), 10, errs.InvalidPayload},
		{"bad target", tusMeta("filename", "a.txt", "target", "elsewhere"), 10, errs.InvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.tusReq(t, customer, "POST", "channels/"+channel+"/uploads",
				map[string]string{"Upload-Length": strconv.Itoa(tt.size), "Upload-Metadata": tt.meta}, nil)
			assert.Equal(t, httpapi.Status(tt.want), res.StatusCode)
			assert.Equal(t, tt.want, errorCode(t, body).Code, "%s", body)
		})
	}
	t.Run("content refused when assembled", func(t *testing.T) {
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5000)...)
		url := e.create(t, customer, len(png), tusMeta("filename", "fake.txt", "filetype", "text/plain"))
		res, _ := e.patch(t, customer, url, 0, png[:3000])
		require.Equal(t, http.StatusNoContent, res.StatusCode)
		res, body := e.patch(t, customer, url, 3000, png[3000:])
		assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
		assert.Equal(t, errs.TypeMismatch, errorCode(t, body).Code, "%s", body)
		_, status := e.offset(t, customer, url)
		assert.Equal(t, http.StatusNotFound, status)
	})
	t.Run("not a member", func(t *testing.T) {
		res, body := e.tusReq(t, attachments.Member{Identity: "nobody"}, "POST", "channels/"+channel+"/uploads",
			map[string]string{"Upload-Length": "10", "Upload-Metadata": tusMeta("filename", "a.txt")}, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		assert.Equal(t, errs.PermissionDenied, errorCode(t, body).Code, "%s", body)
	})
	assert.Empty(t, e.chat.Messages(channel))
	e.assertNoOrphans(t)
}

// TestTusDraft uploads into the draft, then sends it.
func TestTusDraft(t *testing.T) {
	e := tusEnv(t)
	data := textFile(20000, 22)
	url := e.create(t, agent, len(data), tusMeta("filename", "d.txt", "filetype", "text/plain", "target", "draft"))
	res, body := e.patch(t, agent, url, 0, data)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var dr httpapi.DraftReply
	require.NoError(t, json.Unmarshal(body, &dr))
	require.Len(t, dr.Draft.Files, 1, "the file should be in the draft")
	res, body = e.do(t, agent, "POST", "channels/"+channel+"/draft/send", jsonBody(`{}`), "application/json")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	e.assertNoOrphans(t)
}

// TestTusResumeAfterDrop drops a PATCH's connection mid-body: the bytes
// that arrived are kept, and the client resumes with only the rest.
func TestTusResumeAfterDrop(t *testing.T) {
	e := tusEnv(t)
	data := textFile(400000, 23)
	url := e.create(t, customer, len(data), tusMeta("filename", "r.txt", "filetype", "text/plain"))
	res, _ := e.patch(t, customer, url, 0, data[:100000])
	require.Equal(t, http.StatusNoContent, res.StatusCode)

	// A PATCH for the rest that stops after 150,000 bytes: the connection
	// closes (FIN, so every byte sent reaches the server).
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	require.NoError(t, err)
	path := strings.TrimPrefix(url, e.url)
	_, err = fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: test\r\nTus-Resumable: 1.0.0\r\n%s: %s\r\nUpload-Offset: 100000\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		path, memberHeader, customer.Identity, len(data)-100000)
	require.NoError(t, err)
	_, err = conn.Write(data[100000:250000])
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	// The server has stored what it got once it counts the bytes; a HEAD
	// sent before it even reads the dropped PATCH would see the old offset.
	waitMetric(t, e, "attachments_upload_bytes_total", nil, 250000)
	off, _ := e.offset(t, customer, url)
	require.Equal(t, 250000, off, "the bytes that arrived before the drop should be kept")

	res, body := e.patch(t, customer, url, off, data[off:])
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	res, body = e.do(t, customer, "GET", msgs+"/"+sent.Message.SID+"/media/"+sent.Message.Media[0].SID+"/link", nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var link httpapi.LinkReply
	require.NoError(t, json.Unmarshal(body, &link))
	assert.True(t, bytes.Equal(data, fetch(t, e.url+link.URL)), "the resumed file should be whole and in order")
	e.assertNoOrphans(t)
}

// TestTusSweep: an upload not finished within its lifetime is deleted, by
// Sweep and by the background sweep, which Close stops.
func TestTusSweep(t *testing.T) {
	clock := &frozen{t: time.Now()}
	e := newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: 2 * time.Second, Now: clock.now,
		UploadLifetime: time.Hour, SweepInterval: 20 * time.Millisecond}})
	url := e.create(t, customer, 1000, tusMeta("filename", "s.txt", "filetype", "text/plain"))
	res, _ := e.patch(t, customer, url, 0, textFile(400, 1))
	require.Equal(t, http.StatusNoContent, res.StatusCode)

	n, err := e.h.Sweep(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "an upload within its lifetime is kept")
	off, _ := e.offset(t, customer, url)
	assert.Equal(t, 400, off)

	clock.add(2 * time.Hour)
	n, err = e.h.Sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "an expired upload is swept")
	_, status := e.offset(t, customer, url)
	assert.Equal(t, http.StatusNotFound, status)
	e.assertNoOrphans(t)

	// The background sweep finds the next one by itself.
	url = e.create(t, customer, 1000, tusMeta("filename", "s.txt", "filetype", "text/plain"))
	clock.add(2 * time.Hour)
	deadline := time.Now().Add(closeBound)
	for len(e.keys(t)["tus"]) > 0 {
		require.False(t, time.Now().After(deadline), "the background sweep never ran")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, e.h.Close(context.Background()))
	for _, g := range goroutines(true) {
		assert.NotContains(t, g, "sweeper", "Close should stop the background sweep")
	}
}

// TestTusLastChunkOfUnknownLength: a last PATCH sent without a
// Content-Length (chunked) cannot be known to be the last before it ends,
// so its chunk is stored and the whole file read back from storage for the
// action.
func TestTusLastChunkOfUnknownLength(t *testing.T) {
	e := tusEnv(t)
	data := textFile(30000, 24)
	url := e.create(t, customer, len(data), tusMeta("filename", "c.txt", "filetype", "text/plain"))
	res, _ := e.patch(t, customer, url, 0, data[:10000])
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	req, err := http.NewRequest("PATCH", url, io.MultiReader(bytes.NewReader(data[10000:])))
	require.NoError(t, err)
	req.ContentLength = -1
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set(memberHeader, customer.Identity)
	req.Header.Set("Upload-Offset", "10000")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	require.Len(t, sent.Message.Media, 1)
	sum := sha256.Sum256(data)
	assert.Equal(t, fmt.Sprintf("%x", sum), sent.Message.Media[0].SHA256, "the file read back from its chunks should be whole")
	e.assertNoOrphans(t)
}

// TestTusChunkedPatchTooLong: a PATCH without a Content-Length (chunked)
// that brings more bytes than the upload's length is refused whole: no file
// is attached or sent, and the upload's offset does not move.
func TestTusChunkedPatchTooLong(t *testing.T) {
	e := tusEnv(t)
	data := textFile(30000, 25)
	url := e.create(t, customer, 20000, tusMeta("filename", "c.txt", "filetype", "text/plain", "target", "draft"))
	req, err := http.NewRequest("PATCH", url, io.MultiReader(bytes.NewReader(data)))
	require.NoError(t, err)
	req.ContentLength = -1
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set(memberHeader, customer.Identity)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "%s", body)
	d, err := e.c.Draft(t.Context(), channel, customer)
	require.NoError(t, err)
	assert.Empty(t, d.Files, "a refused PATCH attached its first bytes")
	n, _ := e.offset(t, customer, url)
	assert.Zero(t, n, "a refused PATCH moved the upload's offset")
	assert.Empty(t, e.chat.Messages(channel), "a refused PATCH sent a message")
}
