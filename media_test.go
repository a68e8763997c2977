package attachments_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
)

func TestMediaSID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		sid := attachments.NewMediaSID()
		require.True(t, attachments.IsMediaSID(sid), "NewMediaSID() = %q, not a media SID", sid)
		require.False(t, seen[sid], "NewMediaSID() repeated %q", sid)
		seen[sid] = true
	}
	for _, bad := range []string{"", "ME", "me0123456789abcdef0123456789abcdef", "ME0123456789ABCDEF0123456789ABCDEF",
		"ME0123456789abcdef0123456789abcde", "ME0123456789abcdef0123456789abcdef0", "IM0123456789abcdef0123456789abcdef",
		"ME0123456789abcdef0123456789abcdeg", "../../etc/passwd"} {
		assert.False(t, attachments.IsMediaSID(bad), "IsMediaSID(%q) took a malformed SID", bad)
	}
}

func TestMessageMediaSurvivesJSON(t *testing.T) {
	want := attachments.Media{SID: attachments.NewMediaSID(), FileName: "a.png", ContentType: "image/png", Size: 4, SHA256: "ab"}
	m := attachments.Message{Attributes: map[string]any{"media": []attachments.Media{want}}}
	data, err := json.Marshal(m)
	require.NoError(t, err)
	var back attachments.Message
	require.NoError(t, json.Unmarshal(data, &back))
	for _, msg := range []attachments.Message{m, back} {
		got, err := msg.Media()
		require.NoError(t, err)
		assert.Equal(t, []attachments.Media{want}, got, "a transport that stores attributes as JSON loses the media")
	}
	bad := attachments.Message{Attributes: map[string]any{"media": []any{map[string]any{"sid": "../x"}}}}
	_, err = bad.Media()
	assert.Error(t, err, "Media() accepted an invalid sid")
	got, err := (attachments.Message{}).Media()
	assert.NoError(t, err)
	assert.Nil(t, got, "a message without media reports some")
}
