package preview_test

import (
	"bytes"
	"errors"
	"image"
	"io"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata returns one of the renderer suite's fixtures.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := readTestdata(name)
	require.NoError(t, err, "testdata %s", name)
	return b
}

func TestProbe(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want preview.Header
	}{
		{"JPEG turned 90°", previewtest.OrientedJPEG(6), preview.Header{Format: preview.JPEG, Width: 480, Height: 640, Orientation: 6, Frames: 1, BitDepth: 8, Components: 3, Subsampling: image.YCbCrSubsampleRatio420}},
		{"JPEG mirrored", previewtest.OrientedJPEG(2), preview.Header{Format: preview.JPEG, Width: 640, Height: 480, Orientation: 2, Frames: 1, BitDepth: 8, Components: 3, Subsampling: image.YCbCrSubsampleRatio420}},
		{"CMYK JPEG", testdata(t, "cmyk.jpg"), preview.Header{Format: preview.JPEG, Width: 640, Height: 480, Orientation: 1, Frames: 1, BitDepth: 8, Components: 4}},
		{"PNG", previewtest.PNGBytes(previewtest.Pattern(30, 20)), preview.Header{Format: preview.PNG, Width: 30, Height: 20, Orientation: 1, Frames: 1, BitDepth: 8, Components: 3}},
		{"PNG with alpha", previewtest.PNGBytes(image.NewNRGBA(image.Rect(0, 0, 30, 20))), preview.Header{Format: preview.PNG, Width: 30, Height: 20, Orientation: 1, Alpha: true, Frames: 1, BitDepth: 8, Components: 4}},
		{"16-bit PNG", previewtest.PNGBytes(image.NewGray16(image.Rect(0, 0, 30, 20))), preview.Header{Format: preview.PNG, Width: 30, Height: 20, Orientation: 1, Frames: 1, BitDepth: 16, Components: 1}},
		{"PNG bomb", previewtest.PNGHeader(100000, 100000), preview.Header{Format: preview.PNG, Width: 100000, Height: 100000, Orientation: 1, Alpha: true, Frames: 1, BitDepth: 8, Components: 4}},
		{"GIF of 10,000 frames", previewtest.AnimatedGIF(16, 12, 10000), preview.Header{Format: preview.GIF, Width: 16, Height: 12, Orientation: 1, Frames: 10000, BitDepth: 8, Components: 3, Paletted: true}},
		{"WebP lossy", testdata(t, "pattern.webp"), preview.Header{Format: preview.WebP, Width: 640, Height: 480, Orientation: 1, Frames: 1, BitDepth: 8, Components: 3, DataBytes: 836}},
		{"WebP lossless with alpha", testdata(t, "alpha.webp"), preview.Header{Format: preview.WebP, Width: 640, Height: 480, Orientation: 1, Alpha: true, Frames: 1, BitDepth: 8, Components: 3, Lossless: true, DataBytes: 89}},
		{"animated WebP", testdata(t, "anim.webp"), preview.Header{Format: preview.WebP, Width: 640, Height: 480, Orientation: 1, Frames: 2, BitDepth: 8, Components: 3}},
		{"HEIC", testdata(t, "pattern.heic"), preview.Header{Format: preview.HEIF, Width: 640, Height: 480, Orientation: 1, Frames: 1, BitDepth: 8, Components: 3}},
		{"JPEG header of 65535×65535", previewtest.JPEGHeader(65535, 65535), preview.Header{Format: preview.JPEG, Width: 65535, Height: 65535, Orientation: 1, Frames: 1, BitDepth: 8, Components: 3, Subsampling: image.YCbCrSubsampleRatio420}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := preview.Probe(bytes.NewReader(tt.file))
			require.NoError(t, err, "a valid header was refused")
			assert.Equal(t, tt.want, got, "the header was misread")
		})
	}
}

func TestProbeBadInput(t *testing.T) {
	bigAPP := []byte{0xff, 0xd8}
	for range 20 { // 20 × 64 KiB of APP segments before any frame header
		bigAPP = append(bigAPP, 0xff, 0xe3, 0xff, 0xff)
		bigAPP = append(bigAPP, make([]byte, 0xfffd)...)
	}
	tests := []struct {
		name string
		file []byte
		code errs.Code
	}{
		{"empty", nil, errs.EmptyFile},
		{"text", []byte("hello, this is not an image"), errs.Unsupported},
		{"AVIF", append([]byte("\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1"), make([]byte, 16)...), errs.Unsupported},
		{"zero width", previewtest.PNGHeader(0, 5), errs.InvalidArgument},
		{"JPEG cut in its header", previewtest.OrientedJPEG(1)[:30], errs.InvalidArgument},
		{"JPEG with no frame header", []byte{0xff, 0xd8, 0xff, 0xd9}, errs.InvalidArgument},
		{"JPEG header past the probe limit", bigAPP, errs.InvalidArgument},
		{"GIF with no image", []byte("GIF89a\x10\x00\x10\x00\x00\x00\x00\x3b"), errs.InvalidArgument},
		{"HEIC with no image", previewtest.HEIFWithoutImage(), errs.InvalidArgument},
		{"WebP cut short", []byte("RIFF\x00\x10\x00\x00WEBPVP8 "), errs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := preview.Probe(bytes.NewReader(tt.file))
			assert.Equal(t, tt.code, errs.CodeOf(err), "a bad header did not say why: %v", err)
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless yields zeros forever.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestProbeReadsOnlyTheHeader(t *testing.T) {
	for _, head := range [][]byte{
		previewtest.OrientedJPEG(6)[:1000],
		previewtest.PNGHeader(4000, 3000)[:33+8], // up to IDAT's type
		testdata(t, "pattern.heic")[:600],
	} {
		c := &countingReader{r: io.MultiReader(bytes.NewReader(head), endless{})}
		_, err := preview.Probe(c)
		require.NoError(t, err, "a header followed by a large body was refused")
		assert.LessOrEqual(t, c.n, int64(8<<10), "Probe read the body, not only the header")
	}
	// A header that never ends stops at the limit.
	c := &countingReader{r: io.MultiReader(bytes.NewReader([]byte("GIF89a\x10\x00\x10\x00\x00\x00\x00\x21\x01")), endless{})}
	_, err := preview.Probe(c)
	assert.Error(t, err, "an endless extension block was accepted")
	assert.LessOrEqual(t, c.n, int64(preview.ProbeLimit), "Probe read past ProbeLimit")
}

func TestProbeReaderReplaysTheStream(t *testing.T) {
	src := previewtest.OrientedJPEG(3)
	h, r, err := preview.ProbeReader(bytes.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, 3, h.Orientation)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, src, all, "the reader ProbeReader returns does not yield the whole stream")
}

func FuzzProbe(f *testing.F) {
	for _, seed := range [][]byte{
		previewtest.OrientedJPEG(6)[:2000],
		previewtest.PNGHeader(100, 100),
		previewtest.AnimatedGIF(4, 4, 3),
		previewtest.JPEGHeader(100, 100),
		previewtest.HEIFWithoutImage(),
		heifWith(box("irot", []byte{1}), box("imir", []byte{0})),
		testdata(f, "pattern.heic"),
		testdata(f, "pattern.webp"),
		testdata(f, "alpha.webp"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &countingReader{r: bytes.NewReader(data)}
		h, err := preview.Probe(c)
		if c.n > preview.ProbeLimit {
			t.Fatalf("Probe read %d bytes, over ProbeLimit", c.n)
		}
		if err != nil {
			if errs.As(err) == nil {
				t.Fatalf("Probe returned %T, not an *errs.Error: %v", err, err)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code == errs.Internal {
				t.Fatalf("Probe returned an error with no clear code: %v", err)
			}
			return
		}
		if h.Width <= 0 || h.Height <= 0 || h.Orientation < 1 || h.Orientation > 8 || h.Frames < 1 || h.Pixels() <= 0 {
			t.Fatalf("Probe accepted an impossible header: %+v", h)
		}
	})
}
