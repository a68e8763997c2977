package attachments_test

import (
	"encoding/json"
	"testing"

	"github.com/attachkit/attachments"
)

func TestMediaSID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		sid := attachments.NewMediaSID()
		if !attachments.IsMediaSID(sid) {
			t.Fatalf("NewMediaSID() = %q, not a media SID", sid)
		}
		if seen[sid] {
			t.Fatalf("NewMediaSID() repeated %q", sid)
		}
		seen[sid] = true
	}
	for _, bad := range []string{"", "ME", "me0123456789abcdef0123456789abcdef", "ME0123456789ABCDEF0123456789ABCDEF",
		"ME0123456789abcdef0123456789abcde", "ME0123456789abcdef0123456789abcdef0", "IM0123456789abcdef0123456789abcdef",
		"ME0123456789abcdef0123456789abcdeg", "../../etc/passwd"} {
		if attachments.IsMediaSID(bad) {
			t.Errorf("IsMediaSID(%q) = true", bad)
		}
	}
}

func TestMessageMediaSurvivesJSON(t *testing.T) {
	want := attachments.Media{SID: attachments.NewMediaSID(), FileName: "a.png", ContentType: "image/png", Size: 4, SHA256: "ab"}
	m := attachments.Message{Attributes: map[string]any{attachments.AttributeMedia: []attachments.Media{want}}}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back attachments.Message
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []attachments.Message{m, back} {
		got, err := msg.Media()
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("Media() = %+v, %v; want [%+v]", got, err, want)
		}
	}
	bad := attachments.Message{Attributes: map[string]any{attachments.AttributeMedia: []any{map[string]any{"sid": "../x"}}}}
	if _, err := bad.Media(); err == nil {
		t.Error("Media() accepted an invalid sid")
	}
	if got, err := (attachments.Message{}).Media(); err != nil || got != nil {
		t.Errorf("no media: %v, %v", got, err)
	}
}
