package chat_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLinksRevalidate: a picture's link is served private, no-cache, with an
// ETag, so a browser asks each time it shows it (a 304 while the file
// lives) and a deleted picture's link fails instead of showing from the
// cache.
func TestLinksRevalidate(t *testing.T) {
	d := newDemo(t, nil)
	var att attachReply
	status, rep := d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pngBytes(t), &att)
	require.Equal(t, http.StatusCreated, status, "attach: %+v", rep)
	var sent message
	status, rep = d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": ""}, sentTo(&sent))
	require.Equal(t, http.StatusCreated, status, "send: %+v", rep)
	var l struct{ URL string }
	status, rep = d.do(t, http.MethodGet, "/api/agent/media/"+att.Preview.MediaSID+"/renditions/thumbnail?message="+sent.SID, nil, "", &l)
	require.Equal(t, http.StatusOK, status, "thumbnail link: %+v", rep)

	status, hdr, _ := d.fetch(t, l.URL)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "private, no-cache", hdr.Get("Cache-Control"), "a browser would keep the picture without asking")
	etag := hdr.Get("ETag")
	require.NotEmpty(t, etag, "no ETag: every revalidation would send the whole picture")

	again := func() *http.Response {
		req, err := http.NewRequest(http.MethodGet, d.hs.URL+l.URL, nil)
		require.NoError(t, err)
		req.Header.Set("If-None-Match", etag)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := again()
	assert.Equal(t, http.StatusNotModified, res.StatusCode, "revalidating a live picture")
	assert.Equal(t, "private, no-cache", res.Header.Get("Cache-Control"))

	status, rep = d.do(t, http.MethodDelete, lib("agent", "messages/"+sent.SID), nil, "", nil)
	require.Equal(t, http.StatusOK, status, "delete: %+v", rep)
	res = again()
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "revalidating a deleted picture")
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
}
