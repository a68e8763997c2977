package preview_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sample is one file of the admission corpus.
type sample struct {
	name string
	file []byte
}

// admissionCorpus returns a file of each format and mode whose memory the
// estimate must cover: the JPEGs libjpeg wrote (testdata/admission, see
// gen.c), PNGs and GIFs made here, and the renderer suite's WebP and HEIC.
func admissionCorpus(t testing.TB) []sample {
	var c []sample
	jpegs, err := filepath.Glob(filepath.Join("testdata", "admission", "*.jpg"))
	require.NoError(t, err)
	require.NotEmpty(t, jpegs, "the JPEG corpus is missing")
	for _, name := range jpegs {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		c = append(c, sample{"JPEG " + filepath.Base(name), b})
	}
	const w, h = 1200, 900
	pattern := previewtest.Pattern(w, h)
	gray := image.NewGray(pattern.Rect)
	gray16 := image.NewGray16(pattern.Rect)
	rgba64 := image.NewRGBA64(pattern.Rect)
	nrgba64 := image.NewNRGBA64(pattern.Rect)
	half := image.NewNRGBA(pattern.Rect)
	pal := image.NewPaletted(pattern.Rect, color.Palette{color.Black, color.White, color.NRGBA{220, 30, 30, 255}, color.NRGBA{30, 30, 220, 128}})
	for y := range h {
		for x := range w {
			px := pattern.NRGBAAt(x, y)
			gray.SetGray(x, y, color.Gray{px.R})
			gray16.SetGray16(x, y, color.Gray16{uint16(px.G) << 8})
			rgba64.Set(x, y, px)
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(px.R) << 8, uint16(px.G) << 8, uint16(px.B) << 8, 0x8000})
			half.SetNRGBA(x, y, color.NRGBA{px.R, px.G, px.B, uint8(x)})
			pal.SetColorIndex(x, y, uint8((x/50+y/50)%4))
		}
	}
	c = append(c,
		sample{"PNG grey", previewtest.PNGBytes(gray)},
		sample{"PNG grey 16-bit", previewtest.PNGBytes(gray16)},
		sample{"PNG RGB", previewtest.PNGBytes(pattern)},
		sample{"PNG RGBA", previewtest.PNGBytes(half)},
		sample{"PNG RGB 16-bit", previewtest.PNGBytes(rgba64)},
		sample{"PNG RGBA 16-bit", previewtest.PNGBytes(nrgba64)},
		sample{"PNG paletted", previewtest.PNGBytes(pal)},
		sample{"PNG interlaced RGBA", previewtest.InterlacedPNG(half, 8)},
		sample{"PNG interlaced RGBA 16-bit", previewtest.InterlacedPNG(nrgba64, 16)},
		sample{"GIF", gifOf(pal, pal.Rect)},
		sample{"GIF frame smaller than its screen", gifOf(pal.SubImage(image.Rect(0, 0, 100, 80)).(*image.Paletted), pal.Rect)},
		sample{"GIF animated", previewtest.AnimatedGIF(w, h, 20)},
	)
	for _, name := range []string{"pattern.webp", "alpha.webp", "pattern.heic"} {
		b, err := readTestdata(name)
		require.NoError(t, err)
		c = append(c, sample{name, b})
	}
	return c
}

// gifOf returns a GIF of one frame, frame, on a logical screen of screen.
func gifOf(frame *image.Paletted, screen image.Rectangle) []byte {
	var buf bytes.Buffer
	g := &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{ColorModel: frame.Palette, Width: screen.Dx(), Height: screen.Dy()}}
	if err := gif.EncodeAll(&buf, g); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// bothRenditions are the targets preview.Attach asks for.
func bothRenditions() []preview.Target {
	return []preview.Target{{Max: preview.Thumbnail, W: io.Discard}, {Max: preview.Preview, W: io.Discard}}
}

// oldEstimate is the Pool's estimate before it read the layout: 4 bytes a
// pixel (8 for 16 bits, 5 for GIF, 8 for HEIF) and ProbeLimit.
func oldEstimate(h preview.Header) int64 {
	per := int64(4)
	switch {
	case h.BitDepth > 8:
		per = 8
	case h.Format == preview.GIF:
		per = 5
	case h.Format == preview.HEIF:
		per = 8
	}
	return h.Pixels()*per + preview.ProbeLimit
}

// TestEstimateCoversPeak renders a file of each format and mode and checks
// that the GoRenderer's estimate, which a Pool admits by, is at least what
// the render allocates (previewtest.PeakHeap: the bytes allocated with the
// collector off, so an upper bound on the heap's peak).
func TestEstimateCoversPeak(t *testing.T) {
	r := preview.NewGoRenderer(nil)
	// Warm up: the HEIC decoder sets itself up once per process.
	_, err := r.Render(t.Context(), bytes.NewReader(testdata(t, "pattern.heic")), bothRenditions())
	require.NoError(t, err)
	targetSets := [][]preview.Target{bothRenditions(), {{Max: preview.Thumbnail, W: io.Discard}}, {{Max: preview.MaxTarget, W: io.Discard}}}
	if raceEnabled {
		targetSets = targetSets[:1]
	}
	for _, s := range admissionCorpus(t) {
		t.Run(s.name, func(t *testing.T) {
			h, err := preview.Probe(bytes.NewReader(s.file))
			require.NoError(t, err)
			for _, targets := range targetSets {
				est := r.Estimate(h, targets)
				var rerr error
				peak := int64(previewtest.PeakHeap(func() { _, rerr = r.Render(t.Context(), bytes.NewReader(s.file), targets) }))
				if h.Format == preview.WebP && h.Frames > 1 {
					require.Equal(t, errs.Unsupported, errs.CodeOf(rerr))
				} else {
					require.NoError(t, rerr)
				}
				assert.GreaterOrEqual(t, est, peak, "%d targets: the render allocated more than its estimate", len(targets))
				t.Logf("%s %d×%d, %d targets: estimate %.2f MiB, allocated %.2f MiB, estimate/allocated %.2f; old estimate %.2f MiB (%.2f)",
					s.name, h.Width, h.Height, len(targets), mib(est), mib(peak), float64(est)/float64(peak), mib(oldEstimate(h)), float64(oldEstimate(h))/float64(peak))
			}
		})
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
