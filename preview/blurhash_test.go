package preview_test

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
)

// decode83 reads a base-83 number.
func decode83(s string) int {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
	v := 0
	for _, c := range s {
		v = v*83 + strings.IndexRune(chars, c)
	}
	return v
}

func TestBlurHash(t *testing.T) {
	tests := []struct {
		name string
		c    color.NRGBA
	}{
		{"red", color.NRGBA{255, 0, 0, 255}},
		{"teal", color.NRGBA{0, 128, 128, 255}},
		{"grey", color.NRGBA{100, 100, 100, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
			for i := 0; i < len(img.Pix); i += 4 {
				img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = tt.c.R, tt.c.G, tt.c.B, 255
			}
			h := preview.BlurHash(img)
			assert.Len(t, h, 28, "a 4×3 BlurHash has 28 characters")
			assert.Equal(t, "L", h[:1], "the size flag does not say 4×3 components")
			dc := decode83(h[2:6])
			got := color.NRGBA{uint8(dc >> 16), uint8(dc >> 8), uint8(dc), 255}
			near := func(a, b uint8) bool { return int(a)-int(b) <= 1 && int(b)-int(a) <= 1 }
			assert.True(t, near(got.R, tt.c.R) && near(got.G, tt.c.G) && near(got.B, tt.c.B),
				"a client would paint %v for a %v picture", got, tt.c)
		})
	}
	a := preview.BlurHash(previewtest.Pattern(64, 48))
	b := preview.BlurHash(previewtest.Pattern(48, 64))
	assert.NotEqual(t, a, b, "two different pictures have the same placeholder")
}
