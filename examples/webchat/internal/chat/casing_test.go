package chat_test

import (
	"net/http"
	"testing"
	"unicode"
)

// upperKeys returns the keys in v, a decoded JSON value, that start with an
// upper-case letter.
func upperKeys(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k != "" && unicode.IsUpper([]rune(k)[0]) {
				out = append(out, path+"."+k)
			}
			out = append(out, upperKeys(x, path+"."+k)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, upperKeys(x, path+"[]")...)
		}
	}
	return out
}

// TestRepliesAreCamelCase calls every endpoint that answers with JSON and
// checks that no key in any reply starts in upper case, as {"Deleted": …}
// once did.
func TestRepliesAreCamelCase(t *testing.T) {
	d := newDemo(t, nil)
	check := func(what string, status int, rep errorReply, v any) {
		t.Helper()
		if status >= 400 {
			t.Fatalf("%s: %d %+v", what, status, rep)
		}
		for _, k := range upperKeys(v, what) {
			t.Errorf("the reply to %s has the key %s, not in camelCase", what, k)
		}
	}
	var v any
	status, rep := d.do(t, http.MethodGet, "/api/customer/state", nil, "", &v)
	check("state", status, rep, v)
	status, rep = d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pngBytes(t), &v)
	check("attach", status, rep, v)
	file, _ := v.(map[string]any)["media"].(map[string]any)
	sid, _ := file["sid"].(string)
	status, rep = d.do(t, http.MethodDelete, lib("customer", "draft/files/"+sid), nil, "", &v)
	check("detach", status, rep, v)
	d.upload(t, lib("customer", "draft/files"), "photo.png", "image/png", pngBytes(t), nil)
	var sent message
	status, rep = d.postJSON(t, lib("customer", "draft/send"), map[string]string{"text": ""}, &v)
	check("send draft", status, rep, v)
	d.postJSON(t, "/api/customer/messages", map[string]string{"text": "hello"}, &sent)
	st := d.state(t, "agent")
	pic := st.Messages[0]
	status, rep = d.do(t, http.MethodGet, lib("agent", "messages/"+pic.SID+"/media/"+pic.Media[0].SID+"/link"), nil, "", &v)
	check("link", status, rep, v)
	status, rep = d.do(t, http.MethodGet, "/api/agent/media/"+pic.Media[0].SID+"/renditions/thumbnail?message="+pic.SID, nil, "", &v)
	check("thumbnail", status, rep, v)
	status, rep = d.postJSON(t, "/api/agent/block", map[string]string{"identity": "casey", "mode": "files"}, &v)
	check("block", status, rep, v)
	status, rep = d.postJSON(t, "/api/agent/unblock", map[string]string{"identity": "casey"}, &v)
	check("unblock", status, rep, v)
	status, rep = d.do(t, http.MethodDelete, lib("agent", "messages/"+sent.SID), nil, "", &v)
	check("delete", status, rep, v)
	status, rep = d.do(t, http.MethodGet, "/api/supervisor/journal", nil, "", &v)
	check("journal", status, rep, v)
	status, rep = d.postJSON(t, "/api/customer/messages", map[string]string{"text": ""}, nil)
	if status != http.StatusBadRequest || rep.Code == "" || rep.Message == "" {
		t.Errorf("an empty message answered %d %+v, want 400 with {code, message}", status, rep)
	}
}
