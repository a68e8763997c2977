package attachments_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// flexPolicy is the fileAttachment block of Flex's "Customizing Chat
// Attachment Behavior (Webchat 2.0)" page, which the testdata files copy:
// https://www.twilio.com/docs/flex/developer/messaging/webchat/customize-attachment-behavior
var flexPolicy = validate.Policy{Enabled: true, MaxFileSize: 26214400, AcceptedExtensions: []string{"png", "txt", "pdf"}}

// TestFlexConfigFiles reads configuration files written as Flex
// documents them: the top-level fileAttachment of the webchat appConfig,
// alone and beside per-side blocks, which replace it whole.
func TestFlexConfigFiles(t *testing.T) {
	off := validate.Policy{MaxFileSize: validate.DefaultMaxFileSize}
	on := validate.Policy{Enabled: true, MaxFileSize: validate.DefaultMaxFileSize}
	for _, tc := range []struct {
		file                        string
		agent, customer, supervisor validate.Policy
	}{
		// Flex's appConfig as is: both sides (and supervisors, who follow
		// agents) get its policy.
		{"flex-webchat-appconfig.json", flexPolicy, flexPolicy, flexPolicy},
		// The agent's own {"enabled": true} wins whole: the default size
		// and list, not the top-level ones. The customer, with no block,
		// inherits the top-level one; supervisors have theirs.
		{"flex-per-side.json", on, flexPolicy, off},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			c, err := attachments.ParseConfig(data)
			require.NoError(t, err, "a configuration in Flex's documented shape is refused")
			for side, want := range map[attachments.Side]validate.Policy{
				attachments.SideAgent: tc.agent, attachments.SideCustomer: tc.customer, attachments.SideSupervisor: tc.supervisor,
			} {
				assert.Equal(t, want, policy(t, c, side), "the %s side would get the wrong file rules", side)
			}
		})
	}
}

// TestParseConfigSideBlockWinsWhole shows that a side's own block is never
// merged field by field with the top-level one.
func TestParseConfigSideBlockWinsWhole(t *testing.T) {
	c, err := attachments.ParseConfig([]byte(`{
		"fileAttachment": {"enabled": true, "maxFileSize": 1024, "allowNoExtension": true},
		"customer": {"fileAttachment": {"enabled": false}}
	}`))
	require.NoError(t, err)
	assert.False(t, policy(t, c, attachments.SideCustomer).Enabled,
		"a customer whose own block turns attachments off could still send files because the top-level block turns them on")
	assert.Equal(t, validate.Policy{Enabled: true, MaxFileSize: 1024, AllowNoExtension: true}, policy(t, c, attachments.SideAgent),
		"an agent without a block of its own does not get the top-level one")

	c, err = attachments.ParseConfig([]byte(`{"customer": {"fileAttachment": {"enabled": true}}}`))
	require.NoError(t, err)
	assert.False(t, policy(t, c, attachments.SideAgent).Enabled, "a side with neither block has attachments on")
}

// TestParseConfigTopLevelProblems checks that a top-level block is checked
// like a side's, and that each problem is named once, where it is written.
func TestParseConfigTopLevelProblems(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		fields    []string
	}{
		{"unknown key", `{"fileAttachment": {"enabled": true, "readOnly": true}}`, []string{"fileAttachment.readOnly"}},
		{"wrong type", `{"fileAttachment": {"enabled": "yes", "maxFileSize": "10MB"}}`,
			[]string{"fileAttachment.enabled", "fileAttachment.maxFileSize"}},
		{"negative size, inherited by both sides", `{"fileAttachment": {"enabled": true, "maxFileSize": -1}}`,
			[]string{"fileAttachment.maxFileSize"}},
		{"bad extension beside a bad side", `{"fileAttachment": {"acceptedExtensions": ["exe"]},
			"agent": {"fileAttachment": {"acceptedExtensions": []}}}`,
			[]string{"agent.fileAttachment.acceptedExtensions", "fileAttachment.acceptedExtensions[0]"}},
		{"not an object", `{"fileAttachment": true}`, []string{"fileAttachment"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := attachments.ParseConfig([]byte(tc.doc))
			require.True(t, errors.Is(err, errs.InvalidConfig), "a bad configuration was accepted: %v", err)
			assert.ElementsMatch(t, tc.fields, fieldsOf(err), "the operator is told about the wrong fields: %v", err)
		})
	}
}
