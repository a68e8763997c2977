package attachments_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// roundTrip writes c with json.Marshal and reads it back with ParseConfig.
func roundTrip(t testing.TB, c attachments.Config) attachments.Config {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	back, err := attachments.ParseConfig(b)
	require.NoError(t, err, "ParseConfig refused what json.Marshal wrote: %s", b)
	return back
}

func TestConfigRoundTrips(t *testing.T) {
	full := attachments.Config{
		Agent:    attachments.SideConfig{FileAttachment: validate.Policy{Enabled: true, MaxFileSize: 25 << 20}},
		Customer: attachments.SideConfig{FileAttachment: validate.Policy{Enabled: true, AcceptedExtensions: []string{"png", "pdf"}, MaxImageSize: 5 << 20}},
		Supervisor: &attachments.SideConfig{FileAttachment: validate.Policy{Enabled: true,
			AcceptedExtensions: []string{"exe"}, AllowDangerous: true, AllowNoExtension: true}},
		LinkLifetime:    1500 * time.Millisecond,
		FilesPerMessage: 5,
		Mode:            attachments.ModeConversations,
		LogRetention:    30 * 24 * time.Hour,
		DraftLifetime:   90*time.Minute + time.Nanosecond,
		ChannelTypes: map[attachments.ChannelType]attachments.ChannelPolicy{
			"line": {MaxFileSize: 10 << 20, AcceptedExtensions: []string{"jpg"}},
			"sms":  {Disabled: true},
		},
	}
	running := attachmentstest.NewClient(t, full, nil).Client.Config()
	for name, c := range map[string]attachments.Config{
		"zero":                    {},
		"DefaultConfig":           attachments.DefaultConfig(),
		"every field":             full,
		"a Client's, defaults in": running,
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c, roundTrip(t, c), "json.Marshal then ParseConfig must give the same Config")
		})
	}
}

func TestConfigDurationsAreSecondsBothWays(t *testing.T) {
	b, err := json.Marshal(attachments.Config{LinkLifetime: 5 * time.Minute, DraftLifetime: 1500 * time.Millisecond})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, 300.0, doc["linkLifetime"], "durations are written in seconds, the unit ParseConfig reads")
	assert.Equal(t, 1.5, doc["draftLifetime"])
	assert.NotContains(t, doc, "logRetention", "a zero (default) duration is left out: ParseConfig refuses a written zero")
}

func TestConfigRefusesADurationTooLongToHold(t *testing.T) {
	for _, doc := range []string{
		`{"linkLifetime": 1e12}`,
		`{"draftLifetime": 300000000000}`, // nanoseconds written as seconds: the old bug's output
		`{"logRetention": "3000000h"}`,
	} {
		_, err := attachments.ParseConfig([]byte(doc))
		require.Error(t, err, doc)
		assert.True(t, errors.Is(err, errs.InvalidConfig), "%s: %v", doc, err)
		assert.NotContains(t, err.Error(), "-2562047h", "an overflow must not read as a negative duration")
		assert.NotContains(t, err.Error(), "(document)", "the problem names its field: %v", err)
	}
	_, err := attachments.ParseConfig([]byte(`{"linkLifetime": 1e12}`))
	assert.Contains(t, err.Error(), "too long")
}

// FuzzConfigRoundTrip: whatever ParseConfig accepts, json.Marshal writes in
// a form ParseConfig reads back equal.
func FuzzConfigRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"fileAttachment": {"enabled": true, "maxFileSize": 26214400, "acceptedExtensions": ["png", "txt", "pdf"]},
		  "agent": {"fileAttachment": {"enabled": true}}, "linkLifetime": "5m", "filesPerMessage": 1,
		  "mode": "webchat", "logRetention": "168h", "draftLifetime": "1h"}`,
		`{"customer": {"fileAttachment": {"enabled": true, "maxImageSize": 1048576}}, "linkLifetime": 1.25,
		  "draftLifetime": 0.000000001, "channelTypes": {"whatsapp": {"maxFileSize": 8388608}, "sms": {"disabled": true}}}`,
		`{"supervisor": {"fileAttachment": {"enabled": false}}, "logRetention": 9223372036, "mode": "conversations"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := attachments.ParseConfig(data)
		if err != nil {
			return
		}
		assert.Equal(t, c, roundTrip(t, c))
	})
}
