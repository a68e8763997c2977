package httpapi_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// TestBodyShorterThanDeclared sends whole multipart forms in bodies shorter
// than their Content-Length: the form is complete, the request is not. The
// upload is upload_incomplete and nothing is stored, whether the client
// closes its side or just stops sending.
func TestBodyShorterThanDeclared(t *testing.T) {
	e := faultEnv(t)
	for _, route := range []string{msgs, "channels/" + channel + "/draft/files"} {
		for _, closeWrite := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s closeWrite=%v", route, closeWrite), func(t *testing.T) {
				body, ctype := fileForm("short.txt", textFile(5000, 4)).encode()
				c := dial(t, e)
				c.head(t, route, ctype, int64(len(body)+100))
				c.write(t, body)
				if closeWrite {
					require.NoError(t, c.conn.(*net.TCPConn).CloseWrite())
				}
				res, data := c.response(t)
				assert.Equal(t, errs.UploadIncomplete, errorCode(t, data).Code, "%s", data)
				assert.Equal(t, httpapi.Status(errs.UploadIncomplete), res.StatusCode)
				c.assertClosed(t)
			})
		}
	}
	assert.Empty(t, e.chat.Messages(channel), "a cut-off request must not send a message")
	e.assertNoOrphans(t)
	e.assertServing(t)
}

// TestTusBodyShorterThanDeclared: the last PATCH of a tus upload whose body
// ends before its Content-Length does not finish the upload: it is
// upload_incomplete in the one JSON error body, the file is not sent, and
// the client resumes from the bytes that did arrive.
func TestTusBodyShorterThanDeclared(t *testing.T) {
	e := newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: stall}})
	data := textFile(50000, 5)
	url := e.create(t, customer, len(data), tusMeta("filename", "t.txt", "filetype", "text/plain"))
	c := dial(t, e)
	_, err := fmt.Fprintf(c.conn, "PATCH %s HTTP/1.1\r\nHost: test\r\nTus-Resumable: 1.0.0\r\n%s: %s\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(url, e.url), memberHeader, customer.Identity, len(data))
	require.NoError(t, err)
	c.write(t, data[:30000])
	require.NoError(t, c.conn.(*net.TCPConn).CloseWrite())
	res, body := c.response(t)
	assert.Equal(t, errs.UploadIncomplete, errorCode(t, body).Code, "%s", body)
	assert.Equal(t, httpapi.Status(errs.UploadIncomplete), res.StatusCode)
	assert.Empty(t, e.chat.Messages(channel), "a cut-off PATCH must not send the file")

	off, _ := e.offset(t, customer, url)
	require.Less(t, off, len(data), "the upload must not be finished")

	// A PATCH that is not the last, cut short the same way: the bytes that
	// arrived are kept to resume from, and the answer is the same.
	c = dial(t, e)
	_, err = fmt.Fprintf(c.conn, "PATCH %s HTTP/1.1\r\nHost: test\r\nTus-Resumable: 1.0.0\r\n%s: %s\r\nUpload-Offset: %d\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(url, e.url), memberHeader, customer.Identity, off, 5000)
	require.NoError(t, err)
	c.write(t, data[off:off+2000])
	require.NoError(t, c.conn.(*net.TCPConn).CloseWrite())
	res, body = c.response(t)
	assert.Equal(t, errs.UploadIncomplete, errorCode(t, body).Code, "%s", body)
	off, _ = e.offset(t, customer, url)
	require.Less(t, off, len(data), "the upload must not be finished")
	res, body = e.patch(t, customer, url, off, data[off:])
	require.Equal(t, http.StatusOK, res.StatusCode, "the client should resume: %s", body)
	assert.Len(t, e.chat.Messages(channel), 1)
	e.assertNoOrphans(t)
}
