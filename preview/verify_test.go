package preview_test

import (
	"bytes"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	jpg := previewtest.OrientedJPEG(1)
	png := previewtest.PNGBytes(previewtest.Pattern(64, 48))
	flipped := bytes.Clone(png)
	flipped[len(flipped)-20] ^= 0x01
	webp := testdata(t, "pattern.webp")
	tests := []struct {
		name string
		file []byte
		code errs.Code // "" for a whole image
	}{
		{"whole JPEG", jpg, ""},
		{"whole PNG", png, ""},
		{"whole WebP", webp, ""},
		{"JPEG cut in its scan", jpg[:len(jpg)-100], errs.InvalidArgument},
		{"PNG with a flipped bit", flipped, errs.InvalidArgument},
		{"PNG without IEND", png[:len(png)-12], errs.InvalidArgument},
		{"WebP cut short", webp[:len(webp)-10], errs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := preview.Probe(bytes.NewReader(tt.file))
			require.NoError(t, err, "the header should parse")
			err = preview.Verify(h, bytes.NewReader(tt.file))
			assert.Equal(t, tt.code, errs.CodeOf(err), "a damaged image passed, or a whole one failed: %v", err)
		})
	}
}
