package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// channelTypes is a host's directory of channel types: a channel it does
// not list is web chat.
type channelTypes map[string]attachments.ChannelType

func (m channelTypes) ChannelType(_ context.Context, channel string) (attachments.ChannelType, error) {
	return m[channel], nil
}

// failingChannelTypes is a directory that cannot answer.
type failingChannelTypes struct{ err error }

func (f failingChannelTypes) ChannelType(context.Context, string) (attachments.ChannelType, error) {
	return "", f.err
}

// gifBytes is a genuine GIF: a type web chat takes by default and neither
// SMS nor WhatsApp carries.
func gifBytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.White}), nil))
	return buf.Bytes()
}

// bigPDF streams a PDF header followed by filler, n bytes in all.
func bigPDF(n int64) io.Reader {
	return io.MultiReader(strings.NewReader("%PDF-1.7\n"), io.LimitReader(zeros{}, n-9))
}

// TestChannelTypeNarrowsThePolicy sends the same files in a web chat
// channel and in channels the host says are WhatsApp or SMS: what the
// customer's network would drop is refused up front, with a message that
// names the network, and what it carries goes through.
func TestChannelTypeNarrowsThePolicy(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		why   string
		file  func() *attachments.File
		where attachments.ChannelType
		// wantCode is "" when the file is sent.
		wantCode errs.Code
		wantMsg  string
		// webRefuses is set when web chat refuses the file too: the
		// side's own policy, not the channel, is why.
		webRefuses bool
	}{
		{"a 6 MB photo, streamed, is over WhatsApp's limit for pictures", func() *attachments.File {
			return &attachments.File{Name: "photo.png", Body: bigPNG(6 * mb)}
		}, attachments.ChannelWhatsApp, errs.FileTooLarge, "WhatsApp accepts pictures up to 5 MB", false},
		{"a 6 MB photo, declared, is refused before its bytes arrive", func() *attachments.File {
			return &attachments.File{Name: "photo.png", Size: 6 * mb, Body: bigPNG(6 * mb)}
		}, attachments.ChannelWhatsApp, errs.FileTooLarge, "WhatsApp accepts pictures up to 5 MB", false},
		{"a 6 MB PDF is within WhatsApp's limit for documents", func() *attachments.File {
			return &attachments.File{Name: "bill.pdf", Body: bigPDF(6 * mb)}
		}, attachments.ChannelWhatsApp, "", "", false},
		{"an 11 MB PDF is over the side's own 10 MB limit, not WhatsApp's", func() *attachments.File {
			return &attachments.File{Name: "bill.pdf", Body: bigPDF(11 * mb)}
		}, attachments.ChannelWhatsApp, errs.FileTooLarge, "the file is larger than the 10 MB limit", true},
		{"WhatsApp does not carry GIFs", func() *attachments.File {
			return &attachments.File{Name: "wave.gif", Body: bytes.NewReader(gifBytes(t))}
		}, attachments.ChannelWhatsApp, errs.ExtensionNotAllowed,
			"WhatsApp does not carry .gif files; it carries .jpg, .png, .amr, .mp3, .mp4 and .pdf", false},
		{"a 3 MB photo is over SMS's limit", func() *attachments.File {
			return &attachments.File{Name: "photo.png", Body: bigPNG(3 * mb)}
		}, attachments.ChannelSMS, errs.FileTooLarge, "SMS accepts files up to 2 MB", false},
		{"a 1 MB photo goes by SMS", func() *attachments.File {
			return &attachments.File{Name: "photo.png", Body: bigPNG(mb)}
		}, attachments.ChannelSMS, "", "", false},
		{"SMS does not carry GIFs", func() *attachments.File {
			return &attachments.File{Name: "wave.gif", Body: bytes.NewReader(gifBytes(t))}
		}, attachments.ChannelSMS, errs.ExtensionNotAllowed,
			"SMS does not carry .gif files; it carries .jpg, .png, .amr, .mp3, .mp4, .pdf and .heic", false},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			e := newEnv(t, envOptions{channelTypes: channelTypes{channel: tt.where}})
			_, err := e.send(context.Background(), customer, tt.file())
			if tt.wantCode == "" {
				require.NoError(t, err, "a file %s carries is refused", tt.where)
			} else {
				got := errs.As(err)
				require.NotNil(t, got, "a file %s would drop was sent", tt.where)
				assert.Equal(t, tt.wantCode, got.Code, "the customer is told the wrong reason")
				assert.Equal(t, tt.wantMsg, got.Message, "the customer is not told which network refuses the file")
				e.mustBeEmpty(t)
			}

			// The same file in a web chat channel is held to the side's
			// policy only.
			web := newEnv(t, envOptions{})
			_, err = web.send(context.Background(), customer, tt.file())
			if tt.webRefuses {
				assert.ErrorIs(t, err, tt.wantCode, "web chat accepts a file over the side's own limit")
			} else {
				assert.NoError(t, err, "web chat refuses a file only %s should refuse", tt.where)
			}
		})
	}
}

// TestChannelTypeEveryEntryPoint checks that the guard of AttachFile, of
// SendMessage with media, and Client.Preflight all hold a WhatsApp channel
// to what WhatsApp carries, as SendMediaMessage does.
func TestChannelTypeEveryEntryPoint(t *testing.T) {
	ctx := context.Background()
	types := channelTypes{channel: attachments.ChannelWhatsApp}
	e := newEnv(t, envOptions{channelTypes: types})

	err := e.c.Preflight(ctx, channel, customer, "wave.gif", "image/gif", 100)
	assert.ErrorIs(t, err, errs.ExtensionNotAllowed, "Preflight lets a GIF start uploading to WhatsApp")
	assert.Contains(t, errs.As(err).Message, "WhatsApp", "Preflight's refusal does not name WhatsApp")
	err = e.c.Preflight(ctx, channel, customer, "photo.jpg", "image/jpeg", 6<<20)
	assert.ErrorIs(t, err, errs.FileTooLarge, "Preflight lets a 6 MB photo start uploading to WhatsApp")
	assert.NoError(t, e.c.Preflight(ctx, channel, customer, "bill.pdf", "application/pdf", 6<<20),
		"Preflight refuses a PDF WhatsApp carries")

	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: channel, Sender: customer, File: &attachments.File{Name: "photo.png", Body: bigPNG(6 << 20)}})
	assert.ErrorIs(t, err, errs.FileTooLarge, "AttachFile attaches a 6 MB photo in a WhatsApp channel")
	e.mustBeEmpty(t)

	// A channel type that carries no file refuses media messages of both
	// kinds before anything else.
	cfg := attachments.DefaultConfig()
	cfg.ChannelTypes = map[attachments.ChannelType]attachments.ChannelPolicy{attachments.ChannelWhatsApp: {Disabled: true}}
	off := newEnv(t, envOptions{cfg: &cfg, channelTypes: types})
	_, err = attachments.Invoke(ctx, off.c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: channel, Sender: customer, Body: "x",
		Attributes: map[string]any{"media": []attachments.Media{{SID: attachments.NewMediaSID()}}},
	})
	require.ErrorIs(t, err, errs.AttachmentsDisabled, "SendMessage with media goes through where files are off")
	assert.Equal(t, "files cannot be sent over WhatsApp", errs.As(err).Message, "the refusal does not name WhatsApp")
	_, err = off.send(ctx, customer, pngFile(t, "photo.png"))
	assert.ErrorIs(t, err, errs.AttachmentsDisabled, "SendMediaMessage goes through where files are off")
	_, err = attachments.Invoke(ctx, off.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: customer, Body: "hello"})
	assert.NoError(t, err, "text is refused where only files are off")
}

// TestChannelTypesConfig checks channelTypes in a file: an entry replaces
// the built-in policy of its type whole, a host's own type gets a policy,
// and mistakes are named.
func TestChannelTypesConfig(t *testing.T) {
	c, err := attachments.ParseConfig([]byte(`{
		"customer": {"fileAttachment": {"enabled": true}},
		"channelTypes": {
			"whatsapp": {"maxFileSize": 1048576, "acceptedExtensions": ["jpg", "pdf", "exe"]},
			"email": {"maxFileSize": 157286400}
		}
	}`))
	require.NoError(t, err)
	wa, err := c.PolicyIn(attachments.SideCustomer, attachments.ChannelWhatsApp)
	require.NoError(t, err)
	assert.Equal(t, validate.Policy{Enabled: true, MaxFileSize: 1 << 20, AcceptedExtensions: []string{"jpg", "pdf"}}, wa,
		"the configured WhatsApp policy does not replace the built-in one, or lets through an executable the side refuses")
	email, err := c.PolicyIn(attachments.SideCustomer, "email")
	require.NoError(t, err)
	assert.Equal(t, policy(t, c, attachments.SideCustomer), email, "a larger limit of a host's own type widens the side's policy")
	sms, err := c.PolicyIn(attachments.SideCustomer, attachments.ChannelSMS)
	require.NoError(t, err)
	assert.Equal(t, int64(2097152), sms.MaxFileSize, "configuring WhatsApp lost the built-in SMS policy")
	cl, err := attachments.New(c, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
	require.NoError(t, err)
	types := cl.Config().ChannelTypes
	assert.Equal(t, c.ChannelTypes[attachments.ChannelWhatsApp], types[attachments.ChannelWhatsApp],
		"the Client's configuration does not hold the configured WhatsApp policy")
	assert.Equal(t, attachments.DefaultChannelPolicies()[attachments.ChannelSMS], types[attachments.ChannelSMS],
		"the Client's configuration does not show the built-in SMS policy in force")
	c.ChannelTypes[attachments.ChannelWhatsApp].AcceptedExtensions[0] = "gif"
	types[attachments.ChannelSMS] = attachments.ChannelPolicy{}
	assert.Equal(t, "jpg", cl.Config().ChannelTypes[attachments.ChannelWhatsApp].AcceptedExtensions[0],
		"changing the caller's configuration after New changed the Client's")
	assert.Equal(t, int64(2097152), cl.Config().ChannelTypes[attachments.ChannelSMS].MaxFileSize,
		"changing what Client.Config returned changed the Client's SMS policy")

	_, err = attachments.ParseConfig([]byte(`{
		"channelTypes": {
			"whatsapp": {"maxFileSize": -1, "acceptedExtensions": []},
			"sms": {"acceptedExtensions": ["tar.gz"], "enabled": true},
			"": {},
			"web": 3
		}
	}`))
	require.ErrorIs(t, err, errs.InvalidConfig, "a bad channelTypes block is accepted")
	assert.ElementsMatch(t, []string{
		"channelTypes.whatsapp.maxFileSize", "channelTypes.whatsapp.acceptedExtensions",
		"channelTypes.sms.acceptedExtensions[0]", "channelTypes.sms.enabled", "channelTypes.", "channelTypes.web",
	}, fieldsOf(err), "the operator is told about the wrong fields: %v", err)

	bad := attachments.DefaultConfig()
	bad.ChannelTypes = map[attachments.ChannelType]attachments.ChannelPolicy{attachments.ChannelSMS: {MaxImageSize: -5}}
	assert.Equal(t, []string{"channelTypes.sms.maxImageSize"}, fieldsOf(newErr(bad)), "New misses a negative size")
}

// TestChannelTypeNarrowing checks the intersection: the smaller limit, the
// extensions in both lists, and no files when the lists share none.
func TestChannelTypeNarrowing(t *testing.T) {
	side := validate.Policy{Enabled: true, MaxFileSize: 1 << 20, AcceptedExtensions: []string{"png", "pdf", "gif"}}
	for _, tt := range []struct {
		why     string
		channel attachments.ChannelPolicy
		want    validate.Policy
	}{
		{"a larger channel limit changes nothing", attachments.ChannelPolicy{MaxFileSize: 4 << 20},
			side},
		{"a smaller one applies", attachments.ChannelPolicy{MaxFileSize: 1 << 10, MaxImageSize: 1 << 9},
			validate.Policy{Enabled: true, MaxFileSize: 1 << 10, MaxImageSize: 1 << 9, AcceptedExtensions: side.AcceptedExtensions}},
		{"only the extensions in both lists", attachments.ChannelPolicy{AcceptedExtensions: []string{"JPEG", ".PDF", "png"}},
			validate.Policy{Enabled: true, MaxFileSize: 1 << 20, AcceptedExtensions: []string{"pdf", "png"}}},
		{"no extension in common turns files off, never back to the default list",
			attachments.ChannelPolicy{AcceptedExtensions: []string{"mp4"}},
			validate.Policy{MaxFileSize: 1 << 20, AcceptedExtensions: []string{}}},
	} {
		t.Run(tt.why, func(t *testing.T) {
			cfg := attachments.Config{Agent: attachments.SideConfig{FileAttachment: side},
				ChannelTypes: map[attachments.ChannelType]attachments.ChannelPolicy{"fax": tt.channel}}
			got, err := cfg.PolicyIn(attachments.SideAgent, "fax")
			require.NoError(t, err)
			if len(tt.want.AcceptedExtensions) == 0 {
				assert.False(t, got.Enabled, "a channel that carries none of the side's types still takes files")
				return
			}
			assert.Equal(t, tt.want, got, "the channel widens or misses the side's policy")
		})
	}
}

// TestChannelTypeUnknownOrFailing checks what the host's directory can get
// wrong: a type with no policy, and a failure, each refuse the file with a
// typed error, and nothing is stored.
func TestChannelTypeUnknownOrFailing(t *testing.T) {
	for _, tt := range []struct {
		why   string
		types channelTypeDirectory
		want  errs.Code
	}{
		{"a type with no policy", channelTypes{channel: "pigeon"}, errs.InvalidConfig},
		{"a directory that fails", failingChannelTypes{errors.New("directory down")}, errs.Unavailable},
		{"a directory that refuses", failingChannelTypes{&errs.Error{Code: errs.NotFound}}, errs.NotFound},
	} {
		t.Run(tt.why, func(t *testing.T) {
			e := newEnv(t, envOptions{channelTypes: tt.types})
			_, err := e.send(context.Background(), customer, pngFile(t, "photo.png"))
			got := errs.As(err)
			require.NotNil(t, got, "a file went to a channel whose type is unknown")
			assert.Equal(t, tt.want, got.Code, "the host cannot tell what went wrong")
			assert.NotEmpty(t, got.Text(), "the sender is shown no message")
			e.mustBeEmpty(t)
		})
	}
	_, err := attachments.DefaultConfig().PolicyIn(attachments.SideAgent, "pigeon")
	assert.ErrorIs(t, err, errs.InvalidConfig, "PolicyIn invents a policy for a type nobody described")
}
