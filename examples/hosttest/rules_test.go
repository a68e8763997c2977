package hosttest_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/examples/hosttest"
)

// TestPolicy checks the host's configuration file by file, as its members
// would meet it: the verdict is the final one, size included.
func TestPolicy(t *testing.T) {
	cfg, err := hosttest.Config()
	require.NoError(t, err, "the configuration does not load")
	customers := attachmentstest.Policy(t, cfg, attachments.SideCustomer, attachments.ChannelWeb)

	attachmentstest.Accepts(t, customers, "receipt.txt", []byte("order 1234, paid"))
	for _, tt := range []struct {
		name    string
		content []byte
		want    errs.Code
	}{
		{"notes.txt", bytes.Repeat([]byte("0123456789abcdef\n"), 320_000), errs.FileTooLarge},
		{"setup.exe", []byte("MZ\x90\x00\x03"), errs.TypeNotAllowed},
		{"photo.jpg", []byte("this is no picture"), errs.TypeMismatch},
		{"archive.zip", []byte("PK\x03\x04"), errs.ExtensionNotAllowed},
	} {
		attachmentstest.Refuses(t, customers, tt.name, tt.content, tt.want)
	}
}

// TestNoPasswords runs the content rule on real files: the kit stores each
// one first, so the rule reads through File.Open what was sent.
func TestNoPasswords(t *testing.T) {
	for _, tt := range []struct {
		content  string
		canceled bool
	}{
		{"wifi\nPassword: hunter2\n", true},
		{"db pwd=s3cret", true},
		{"I forgot my password, can you reset it?", false},
		{"password:", false},
		{"order 1234, delivered", false},
	} {
		err := attachmentstest.RunBefore(t, attachments.SendMediaMessage, hosttest.NoPasswords, "notes.txt", []byte(tt.content))
		if tt.canceled {
			assert.ErrorIs(t, err, errs.Canceled, "a password in %q reaches the chat", tt.content)
		} else {
			assert.NoError(t, err, "the rule refuses %q, which gives no password", tt.content)
		}
	}
}
