package validate_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// TestMaxImageSize checks the lower limit for pictures (WhatsApp carries
// images up to 5 MB and other files up to 16 MB): it applies to what the
// content is, whether the size is declared, streamed, or the name has no
// extension, and never to other files.
func TestMaxImageSize(t *testing.T) {
	const general, image = 64 << 10, 16 << 10
	p := validate.Policy{Enabled: true, MaxFileSize: general, MaxImageSize: image, AllowNoExtension: true}
	text := func(n int) []byte { return bytes.Repeat([]byte("a line of text\n"), n/15+1)[:n] }
	tests := []struct {
		why       string
		p         validate.Policy
		name      string
		content   []byte
		declared  bool
		wantLimit int64 // 0: accepted
	}{
		{"a picture at the picture limit", p, "photo.png", bigPNG(t, image), false, 0},
		{"a picture over it, streamed", p, "photo.png", bigPNG(t, image+1), false, image},
		{"a picture over it, declared", p, "photo.png", bigPNG(t, image+1), true, image},
		{"a picture without an extension", p, "photo", bigPNG(t, image+1), false, image},
		{"a picture without an extension, declared", p, "photo", bigPNG(t, image+1), true, image},
		{"a text file over the picture limit", p, "notes.txt", text(image * 2), true, 0},
		{"a text file over the general limit", p, "notes.txt", text(general + 1), false, general},
		{"a picture limit over the general one does nothing", validate.Policy{Enabled: true, MaxFileSize: image, MaxImageSize: general},
			"photo.png", bigPNG(t, image+1), false, image},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			size := int64(0) // unknown
			if tt.declared {
				size = int64(len(tt.content))
			}
			_, r, err := tt.p.Check(context.Background(), tt.name, "", size, bytes.NewReader(tt.content))
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			if tt.wantLimit == 0 {
				assert.NoError(t, err, "a file within its limit is refused")
				return
			}
			e := errs.As(err)
			require.NotNil(t, e, "a file over its limit is accepted")
			assert.Equal(t, errs.FileTooLarge, e.Code, "the sender is not told the file is too large")
			assert.Equal(t, tt.wantLimit, e.Details.Limit, "the sender is told the wrong limit")
		})
	}
	assert.Equal(t, int64(image), p.SizeLimitFor("image/png"), "SizeLimitFor does not give a picture its limit")
	assert.Equal(t, int64(general), p.SizeLimitFor("application/pdf"), "SizeLimitFor gives a PDF the picture limit")
}

// TestOgaIsOggAudio checks the extension Flex lists for WhatsApp voice
// notes: an Ogg recording named .oga is accepted as what it is, and a
// picture named .oga is not.
func TestOgaIsOggAudio(t *testing.T) {
	p := validate.Policy{Enabled: true, AcceptedExtensions: []string{"oga", "png"}}
	ogg := append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"), make([]byte, 200)...)
	v, _, err := p.Check(context.Background(), "voice.oga", "audio/ogg", 0, bytes.NewReader(ogg))
	require.NoError(t, err, "a WhatsApp voice note named .oga is refused")
	assert.Equal(t, "audio/ogg", v.ContentType, "a .oga voice note is not recognised as Ogg audio")
	_, _, err = p.Check(context.Background(), "voice.oga", "", 0, bytes.NewReader(bigPNG(t, 1024)))
	assert.ErrorIs(t, err, errs.TypeMismatch, "a picture named .oga is accepted as a voice note")
}
