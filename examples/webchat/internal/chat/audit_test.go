package chat_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// TestAuditRecordsEveryRefusal: refusals made before any action runs (a
// preflight, a tus creation, the demo's own rule on text) are in the
// journal in the words the member saw, with the file's name; a refusal the
// library journals itself is there once; what passes a preflight, and a
// request with no session, add nothing.
func TestAuditRecordsEveryRefusal(t *testing.T) {
	d := newDemo(t, nil)
	pre := func(name string, size int64) int {
		status, _ := d.postJSON(t, lib("customer", "preflight"), map[string]any{"name": name, "contentType": "", "size": size}, nil)
		return status
	}
	require.Equal(t, http.StatusNoContent, pre("fine.pdf", 100), "a good file's preflight")
	require.Equal(t, http.StatusUnsupportedMediaType, pre("setup.exe", 100), "an executable's preflight")
	require.Equal(t, http.StatusRequestEntityTooLarge, pre("scan.pdf", 11<<20), "an oversized file's preflight")

	status, _ := d.postJSON(t, "/api/customer/messages", map[string]string{"text": " "}, nil)
	require.Equal(t, http.StatusBadRequest, status, "an empty text message")

	req := map[string]string{
		"Tus-Resumable":   "1.0.0",
		"Upload-Length":   "100",
		"Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("tool.bat")) + ",target " + base64.StdEncoding.EncodeToString([]byte("draft")),
	}
	hreq, _ := http.NewRequest(http.MethodPost, d.hs.URL+httpapiPath("uploads"), nil)
	for k, v := range req {
		hreq.Header.Set(k, v)
	}
	hreq.Header.Set("X-Webchat-View", "customer")
	res, err := d.client.Do(hreq)
	require.NoError(t, err)
	res.Body.Close()
	require.GreaterOrEqual(t, res.StatusCode, 400, "a tus upload of a .bat file was created")

	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 512)...)
	status, _ = d.upload(t, lib("customer", "draft/files"), "invoice.pdf", "application/pdf", exe, nil)
	require.Equal(t, http.StatusUnsupportedMediaType, status, "a renamed program")

	// Nobody signed in: refused, and not recorded.
	status, _ = d.plain(t, http.MethodPost, httpapiPath("preflight"), "customer")
	require.Equal(t, http.StatusForbidden, status)

	type row struct{ action, file, code string }
	var got []row
	j := d.journal(t)
	for _, e := range j.Entries {
		if e.OK {
			continue
		}
		file := ""
		if len(e.FileNames) > 0 {
			file = e.FileNames[0]
		}
		got = append(got, row{e.Action, file, e.Code})
		assert.NotEmpty(t, e.Message, "%s of %s: the refusal is not in words", e.Action, file)
		assert.Equal(t, "Casey Morgan", e.ActorName, "%s of %s", e.Action, file)
	}
	assert.Equal(t, []row{ // newest first
		{"AttachFile", "invoice.pdf", "type_mismatch"},
		{"AttachFile", "tool.bat", "type_not_allowed"},
		{"SendMessage", "", "invalid_payload"},
		{chat.Preflight, "scan.pdf", "file_too_large"},
		{chat.Preflight, "setup.exe", "type_not_allowed"},
	}, got, "the journal's refusals")
	assert.Equal(t, 0, j.count(chat.Preflight)-2, "a preflight that passed was journaled")
}

func httpapiPath(route string) string {
	return "/attachments/api/channels/" + chat.Channel + "/" + route
}
