package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// TestSendDownloadDelete walks a file through the handlers a web chat
// uses: sent, linked, fetched through the link, redirected to, deleted.
func TestSendDownloadDelete(t *testing.T) {
	e := newEnv(t, nil)
	data := textFile(5000, 1)
	res, body := e.upload(t, customer, "channels/"+channel+"/messages",
		form{fields: [][2]string{{"size", "5000"}}, name: "notes.txt", data: data})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	require.Len(t, sent.Message.Media, 1, "the message should carry the file")
	md := sent.Message.Media[0]
	assert.Equal(t, "notes.txt", md.FileName)
	assert.Equal(t, int64(5000), md.Size)
	assert.Equal(t, customer.Identity, sent.Message.Author)
	assert.Contains(t, string(body), `"fileName"`, "the JSON should be camelCase")

	// The agent asks for a link, as JSON and as a redirect.
	msgPath := "channels/" + channel + "/messages/" + sent.Message.SID
	res, body = e.do(t, agent, "GET", msgPath+"/media/"+md.SID+"/link", nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var link httpapi.LinkReply
	require.NoError(t, json.Unmarshal(body, &link))
	assert.Contains(t, string(body), `"expiresAt"`)
	got := fetch(t, e.url+link.URL)
	assert.True(t, bytes.Equal(data, got), "the link should serve the bytes that were sent")

	res, _ = e.do(t, agent, "GET", msgPath+"/media/"+md.SID, nil, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/attachments/dl/"), "the redirect should point at a link: %q", loc)
	assert.True(t, bytes.Equal(data, fetch(t, e.url+loc)), "the redirect's link should serve the file")

	// A stranger to the message's author may not delete it; the agent may.
	res, body = e.do(t, stranger, "DELETE", msgPath, nil, "")
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
	res, body = e.do(t, agent, "DELETE", msgPath, nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var del httpapi.DeleteReply
	require.NoError(t, json.Unmarshal(body, &del))
	assert.True(t, del.Deleted)
	assert.Len(t, del.Media, 1)
	res, body = e.do(t, agent, "GET", msgPath+"/media/"+md.SID+"/link", nil, "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "a deleted file should be gone: %s", body)
	e.assertNoOrphans(t)
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return data
}

// TestDraft attaches two files, detaches one, sends the draft.
func TestDraft(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.Mode = attachments.ModeConversations
	cfg.FilesPerMessage = 2
	e := newEnv(t, &envOptions{cfg: &cfg})
	base := "channels/" + channel + "/draft/"
	var sids []string
	for i, name := range []string{"a.txt", "b.txt"} {
		res, body := e.upload(t, agent, base+"files", fileForm(name, textFile(300+i, uint64(i))))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
		var dr httpapi.DraftReply
		require.NoError(t, json.Unmarshal(body, &dr))
		require.NotNil(t, dr.Media)
		assert.Len(t, dr.Draft.Files, i+1, "the draft should list every attached file")
		sids = append(sids, dr.Media.SID)
	}
	res, body := e.do(t, agent, "DELETE", base+"files/"+sids[0], nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	// Another member cannot see the agent's draft file.
	res, _ = e.do(t, customer, "GET", "channels/"+channel+"/media/"+sids[1]+"/link", nil, "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "someone else's unsent file must not be downloadable")
	res, body = e.do(t, agent, "POST", base+"send", strings.NewReader(`{"text":"here you go"}`), "application/json")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	require.Len(t, sent.Message.Media, 1)
	assert.Equal(t, sids[1], sent.Message.Media[0].SID, "the draft's remaining file should be sent")
	assert.Equal(t, "here you go", sent.Message.Body)
	e.assertNoOrphans(t)
}

// TestRefusals checks the answers to requests the handlers refuse: the
// code, the status from Status, and nothing stored.
func TestRefusals(t *testing.T) {
	e := newEnv(t, nil)
	msgs := "channels/" + channel + "/messages"
	tests := []struct {
		name   string
		member attachments.Member
		method string
		path   string
		body   string
		ctype  string
		header map[string]string
		want   errs.Code
	}{
		{"no member", attachments.Member{}, "POST", msgs, "", "", nil, errs.PermissionDenied},
		{"not multipart", customer, "POST", msgs, "hello", "text/plain", nil, errs.InvalidPayload},
		{"refused extension, before the body", customer, "POST", msgs, formBody(t, fileForm("run.xyz", []byte("MZ"))), "", nil, errs.ExtensionNotAllowed},
		{"declared too large", customer, "POST", msgs, formBody(t, form{fields: [][2]string{{"size", "999999999"}}, name: "a.txt", data: []byte("x")}), "", nil, errs.FileTooLarge},
		{"bad declared size", customer, "POST", msgs, formBody(t, form{fields: [][2]string{{"size", "-1"}}, name: "a.txt", data: []byte("x")}), "", nil, errs.InvalidPayload},
		{"empty file", customer, "POST", msgs, formBody(t, fileForm("a.txt", nil)), "", nil, errs.EmptyFile},
		{"renamed binary", customer, "POST", msgs, formBody(t, fileForm("a.txt", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))), "", nil, errs.TypeMismatch},
		{"not a member of the channel", attachments.Member{Identity: "cust-2"}, "POST", "channels/OTHER/messages", formBody(t, fileForm("a.txt", []byte("hi"))), "", nil, errs.PermissionDenied},
		{"bad disposition", customer, "GET", "channels/" + channel + "/media/MEx/link?disposition=evil", "", "", nil, errs.InvalidPayload},
		{"unknown media", customer, "GET", "channels/" + channel + "/media/ME00000000000000000000000000000000/link", "", "", nil, errs.NotFound},
		{"draft send with bad JSON", customer, "POST", "channels/" + channel + "/draft/send", `{"text":1}`, "application/json", nil, errs.InvalidPayload},
		{"draft send with unknown field", customer, "POST", "channels/" + channel + "/draft/send", `{"txt":"x"}`, "application/json", nil, errs.InvalidPayload},
		{"preflight refuses a type", customer, "POST", "channels/" + channel + "/preflight", `{"name":"a.xyz","contentType":"application/octet-stream","size":10}`, "application/json", nil, errs.ExtensionNotAllowed},
		{"cross-site", customer, "POST", msgs, formBody(t, fileForm("a.txt", []byte("hi"))), "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, errs.PermissionDenied},
		{"no such endpoint", customer, "GET", "nothing/here", "", "", nil, errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctype := tt.ctype
			body := tt.body
			if ctype == "" && strings.HasPrefix(body, "--") {
				ctype = "multipart/form-data; boundary=" + boundaryOf(body)
			}
			req, err := http.NewRequest(tt.method, e.api+tt.path, strings.NewReader(body))
			require.NoError(t, err)
			if tt.member.Identity != "" {
				req.Header.Set(memberHeader, tt.member.Identity)
			}
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			rep := errorCode(t, data)
			assert.Equal(t, tt.want, rep.Code, "the client would be told the wrong reason: %s", data)
			assert.Equal(t, httpapi.Status(tt.want), res.StatusCode, "the status should come from Status")
			assert.NotEmpty(t, rep.Message, "a refusal needs a message to show")
			assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
		})
	}
	e.assertNoOrphans(t)
	e.assertServing(t)
}

func formBody(t *testing.T, f form) string {
	body, _ := f.encode()
	return string(body)
}

// boundaryOf reads the boundary off a multipart body's first line.
func boundaryOf(body string) string {
	line, _, _ := strings.Cut(body, "\r\n")
	return strings.TrimPrefix(line, "--")
}
