// Package previewtest is the test suite every preview.Renderer runs: the
// same files, the same bad input and the same checks for the pure-Go
// renderer and the libvips one, as storagetest is for storage drivers.
//
// A renderer's test file runs it:
//
//	func TestRenderer(t *testing.T) {
//		previewtest.RunConformanceTests(t, previewtest.Harness{
//			New: func(t testing.TB, opts *preview.Options) preview.Renderer {
//				return preview.NewGoRenderer(opts)
//			},
//		})
//	}
//
// RunConformanceTests runs one subtest per case. The good files — a JPEG with each EXIF
// orientation 1–8 and EXIF, GPS, XMP, IPTC and comment data; PNG with and
// without alpha; 16-bit PNG; GIF, animated GIF and a 10,000-frame GIF;
// WebP lossy and lossless with alpha; HEIC; a CMYK JPEG; a 1×100000 PNG —
// must give renditions that fit their box, are upright (each corner of an
// asymmetric pattern checked by colour), are JPEG, or PNG when
// transparent, and carry no metadata (the rendition's bytes read back,
// segment by segment, chunk by chunk). The bad ones — empty, not an
// image, truncated, corrupt, zero width, a 65535×65535 header, a PNG bomb,
// a HEIC with no image, an animated WebP — must give no rendition and the
// right *errs.Error code.
//
// The files are made in Go, but for WebP, HEIC and CMYK JPEG, which Go
// cannot write: those were made once from Pattern with cwebp, img2webp,
// heif-enc and vips, and live in testdata.
package previewtest

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"image"
	"image/color"
	"io"
	"sync"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:embed testdata
var testdata embed.FS

// Harness tells the suite how to make the renderer under test.
type Harness struct {
	// New returns a renderer with the given options (nil for defaults).
	New func(t testing.TB, opts *preview.Options) preview.Renderer
}

// good is a file that must render, and what it must look like upright.
type good struct {
	name  string
	file  func(t *testing.T) []byte
	w, h  int  // upright size of the original
	alpha bool // the rendition must be PNG with transparency
	// tolerance is how far a quadrant's colour may stray, per channel: a
	// lossy source, a CMYK conversion.
	tolerance int
}

// bad is a file that must not render, and the code it must fail with.
type bad struct {
	name string
	file func(t *testing.T) []byte
	opts *preview.Options
	code errs.Code
}

func fixed(b []byte) func(*testing.T) []byte { return func(*testing.T) []byte { return b } }

func file(name string) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		b, err := testdata.ReadFile("testdata/" + name)
		require.NoError(t, err, "the suite's testdata is missing %s", name)
		return b
	}
}

func goods() []good {
	var g []good
	for o := 1; o <= 8; o++ {
		g = append(g, good{name: "JPEGOrientation" + string(rune('0'+o)), file: fixed(OrientedJPEG(o)), w: patternW, h: patternH, tolerance: 40})
	}
	return append(g,
		good{name: "PNG", file: fixed(PNGBytes(Pattern(patternW, patternH))), w: patternW, h: patternH, tolerance: 40},
		good{name: "PNGAlpha", file: fixed(PNGBytes(transparentPattern())), w: patternW, h: patternH, alpha: true, tolerance: 40},
		good{name: "PNG16Bit", file: fixed(PNGBytes(pattern16())), w: patternW, h: patternH, tolerance: 40},
		good{name: "GIF", file: fixed(AnimatedGIF(patternW, patternH, 1)), w: patternW, h: patternH, tolerance: 40},
		good{name: "AnimatedGIF", file: fixed(AnimatedGIF(patternW, patternH, 3)), w: patternW, h: patternH, tolerance: 40},
		good{name: "GIF10000Frames", file: fixed(AnimatedGIF(64, 48, 10000)), w: 64, h: 48, tolerance: 40},
		good{name: "WebP", file: file("pattern.webp"), w: patternW, h: patternH, tolerance: 40},
		good{name: "WebPAlpha", file: file("alpha.webp"), w: patternW, h: patternH, alpha: true, tolerance: 40},
		good{name: "HEIC", file: file("pattern.heic"), w: patternW, h: patternH, tolerance: 40},
		// Without an ICC profile, CMYK-to-RGB is a guess each library
		// makes its own way: the colours only need to be near.
		good{name: "CMYKJPEG", file: file("cmyk.jpg"), w: patternW, h: patternH, tolerance: 100},
	)
}

func bads() []bad {
	truncated := OrientedJPEG(1)
	truncated = truncated[:len(truncated)*6/10]
	corrupt := PNGBytes(Pattern(patternW, patternH))
	corrupt = bytes.Clone(corrupt)
	corrupt[len(corrupt)-40] ^= 0xff // inside IDAT: its CRC no longer matches
	return []bad{
		{name: "Empty", file: fixed(nil), code: errs.EmptyFile},
		{name: "NotAnImage", file: fixed([]byte("%PDF-1.7 this is not an image at all")), code: errs.Unsupported},
		{name: "TruncatedJPEG", file: fixed(truncated), code: errs.InvalidArgument},
		{name: "CorruptPNG", file: fixed(corrupt), code: errs.InvalidArgument},
		{name: "ZeroWidth", file: fixed(PNGHeader(0, 100)), code: errs.InvalidArgument},
		{name: "JPEGHeader65535x65535", file: fixed(JPEGHeader(65535, 65535)), code: errs.FileTooLarge},
		{name: "PNGBomb", file: fixed(PNGHeader(100000, 100000)), code: errs.FileTooLarge},
		// Under the default limit but over a host's own: the limit is the
		// host's to set.
		{name: "OverConfiguredLimit", file: fixed(PNGBytes(Pattern(patternW, patternH))), opts: &preview.Options{MaxPixels: patternW*patternH - 1}, code: errs.FileTooLarge},
		{name: "HEICWithoutImage", file: fixed(HEIFWithoutImage()), code: errs.InvalidArgument},
		// Go has no decoder for it, so neither renderer makes one: a file
		// icon rather than two renderers that disagree.
		{name: "AnimatedWebP", file: file("anim.webp"), code: errs.Unsupported},
	}
}

// RunConformanceTests runs the suite against the renderer h makes, one subtest per case.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "previewtest: Harness.New is nil")
	for _, g := range goods() {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			testGood(t, h.New(t, nil), g)
		})
	}
	for _, b := range bads() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testBad(t, h.New(t, b.opts), b)
		})
	}
	t.Run("TallAndThin", func(t *testing.T) { testTall(t, h.New(t, nil)) })
	t.Run("Canceled", func(t *testing.T) { testCanceled(t, h.New(t, nil)) })
	t.Run("NoTargets", func(t *testing.T) { testNoTargets(t, h.New(t, nil)) })
	t.Run("FailingWriter", func(t *testing.T) { testFailingWriter(t, h.New(t, nil)) })
	t.Run("PanickingWriter", func(t *testing.T) { testPanickingWriter(t, h.New(t, nil)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h.New(t, nil)) })
}

// render renders src to a thumbnail and a preview.
func render(ctx context.Context, r preview.Renderer, src []byte) ([]preview.Rendition, [][]byte, error) {
	var thumb, prev bytes.Buffer
	rends, err := r.Render(ctx, bytes.NewReader(src), []preview.Target{
		{Max: preview.Thumbnail, W: &thumb},
		{Max: preview.Preview, W: &prev},
	})
	return rends, [][]byte{thumb.Bytes(), prev.Bytes()}, err
}

func testGood(t *testing.T, r preview.Renderer, g good) {
	rends, out, err := render(t.Context(), r, g.file(t))
	require.NoError(t, err, "a valid image got no preview")
	require.Len(t, rends, 2, "Render returns one rendition per target")
	for i, max := range []int{preview.Thumbnail, preview.Preview} {
		rend, data := rends[i], out[i]
		checkRendition(t, rend, data, max, g.w, g.h)
		img := decodeRendition(t, rend, data, g.alpha)
		checkUpright(t, img, g.tolerance)
		if g.alpha {
			_, _, _, a := img.At(img.Bounds().Dx()/4, img.Bounds().Dy()/4).RGBA()
			assert.Less(t, a>>8, uint32(200), "%s: the transparent image came out opaque", rend.ContentType)
		}
	}
}

// checkRendition checks what a Rendition reports against the bytes
// written and the box.
func checkRendition(t *testing.T, rend preview.Rendition, data []byte, max, w, h int) {
	t.Helper()
	ww, wh := preview.Fit(w, h, max)
	assert.LessOrEqual(t, rend.Width, max, "the rendition is wider than its box")
	assert.LessOrEqual(t, rend.Height, max, "the rendition is taller than its box")
	assert.InDelta(t, ww, rend.Width, 1, "the rendition's width is not the original's fitted in %d", max)
	assert.InDelta(t, wh, rend.Height, 1, "the rendition's height is not the original's fitted in %d", max)
	assert.Equal(t, int64(len(data)), rend.Size, "Size is not the number of bytes written")
	assert.Len(t, rend.BlurHash, 28, "a client cannot paint a placeholder from this BlurHash")
	checkNoMetadata(t, rend.ContentType, data)
}

// decodeRendition decodes a rendition and checks its format matches its
// content type and the transparency of the original.
func decodeRendition(t *testing.T, rend preview.Rendition, data []byte, alpha bool) image.Image {
	t.Helper()
	want := "image/jpeg"
	if alpha {
		want = "image/png"
	}
	require.Equal(t, want, rend.ContentType, "a browser gets the wrong format (PNG only for transparency)")
	img, format, err := image.Decode(bytes.NewReader(data))
	require.NoError(t, err, "the rendition does not decode")
	assert.Equal(t, want, "image/"+format, "ContentType does not match the bytes")
	assert.Equal(t, rend.Width, img.Bounds().Dx(), "Width does not match the bytes")
	assert.Equal(t, rend.Height, img.Bounds().Dy(), "Height does not match the bytes")
	return img
}

// checkUpright checks each quadrant of img shows the pattern's colour for
// that corner, sampled in the middle of the quadrant.
func checkUpright(t *testing.T, img image.Image, tolerance int) {
	t.Helper()
	b := img.Bounds()
	for _, q := range []struct {
		name string
		x, y int
		want color.NRGBA
	}{
		{"top left", b.Dx() / 4, b.Dy() / 4, topLeft},
		{"top right", b.Dx() * 3 / 4, b.Dy() / 4, topRight},
		{"bottom left", b.Dx() / 4, b.Dy() * 3 / 4, bottomLeft},
		{"bottom right", b.Dx() * 3 / 4, b.Dy() * 3 / 4, bottomRight},
	} {
		got := color.NRGBAModel.Convert(img.At(b.Min.X+q.x, b.Min.Y+q.y)).(color.NRGBA)
		near := func(a, b uint8) bool { return int(a)-int(b) <= tolerance && int(b)-int(a) <= tolerance }
		assert.True(t, near(got.R, q.want.R) && near(got.G, q.want.G) && near(got.B, q.want.B),
			"the picture is not upright: its %s is %v, want %v", q.name, got, q.want)
	}
}

func testBad(t *testing.T, r preview.Renderer, b bad) {
	rends, out, err := render(t.Context(), r, b.file(t))
	require.Error(t, err, "a bad image got a preview")
	assert.Equal(t, b.code, errs.CodeOf(err), "the host cannot tell why there is no preview: %v", err)
	assert.NotNil(t, errs.As(err), "the error is not an *errs.Error: %v", err)
	assert.Nil(t, rends, "a failed render returned renditions")
	_ = out
}

func testTall(t *testing.T, r preview.Renderer) {
	img := image.NewGray(image.Rect(0, 0, 1, 100000))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var out bytes.Buffer
	rends, err := r.Render(t.Context(), bytes.NewReader(PNGBytes(img)), []preview.Target{{Max: preview.Thumbnail, W: &out}})
	require.NoError(t, err, "a 1×100000 image got no preview")
	assert.Equal(t, 1, rends[0].Width, "a 1-pixel-wide image's thumbnail is not 1 pixel wide")
	assert.Equal(t, preview.Thumbnail, rends[0].Height, "a 1×100000 image's thumbnail does not fill the box's height")
	checkNoMetadata(t, rends[0].ContentType, out.Bytes())
}

func testCanceled(t *testing.T, r preview.Renderer) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rends, _, err := render(ctx, r, OrientedJPEG(1))
	assert.Equal(t, errs.Canceled, errs.CodeOf(err), "a cancelled render did not say so: %v", err)
	assert.Nil(t, rends, "a cancelled render returned renditions")
}

func testNoTargets(t *testing.T, r preview.Renderer) {
	_, err := r.Render(t.Context(), bytes.NewReader(OrientedJPEG(1)), nil)
	assert.Equal(t, errs.InvalidArgument, errs.CodeOf(err), "a render with no targets did not say so: %v", err)
	_, err = r.Render(t.Context(), bytes.NewReader(OrientedJPEG(1)), []preview.Target{{Max: 0, W: io.Discard}})
	assert.Equal(t, errs.InvalidArgument, errs.CodeOf(err), "a render into a 0×0 box did not say so: %v", err)
}

// failingWriter fails every write, as a storage upload that broke.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func testFailingWriter(t *testing.T, r preview.Renderer) {
	rends, err := r.Render(t.Context(), bytes.NewReader(OrientedJPEG(6)), []preview.Target{{Max: preview.Thumbnail, W: failingWriter{}}})
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "a rendition that could not be written did not say so: %v", err)
	assert.Nil(t, rends, "a failed render returned renditions")
}

// panickingWriter panics on write, as a buggy storage driver might.
type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("storage driver bug") }

// testPanickingWriter checks a panic during a render comes back as an
// Internal error instead of taking the server down.
func testPanickingWriter(t *testing.T, r preview.Renderer) {
	var rends []preview.Rendition
	var err error
	assert.NotPanics(t, func() {
		rends, err = r.Render(t.Context(), bytes.NewReader(OrientedJPEG(1)), []preview.Target{{Max: preview.Thumbnail, W: panickingWriter{}}})
	}, "a panic during a render took the caller down")
	assert.Equal(t, errs.Internal, errs.CodeOf(err), "a panic during a render did not say so: %v", err)
	assert.Nil(t, rends, "a failed render returned renditions")
}

// testConcurrent renders from several goroutines at once (run it with
// -race): a renderer shared by a server's requests.
func testConcurrent(t *testing.T, r preview.Renderer) {
	src := OrientedJPEG(6)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rends, out, err := render(t.Context(), r, src)
			if assert.NoError(t, err, "a render failed when others ran at once") {
				checkRendition(t, rends[0], out[0], preview.Thumbnail, patternW, patternH)
			}
		})
	}
	wg.Wait()
}
