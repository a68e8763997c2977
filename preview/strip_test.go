package preview_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"testing"
	"testing/iotest"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// segment returns a JPEG marker segment.
func segment(marker byte, payload string) []byte {
	n := len(payload) + 2
	return append([]byte{0xff, marker, byte(n >> 8), byte(n)}, payload...)
}

// insertAfterSOI returns jpg with segs inserted after its SOI.
func insertAfterSOI(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func TestStripJPEGMetadata(t *testing.T) {
	icc := segment(0xe2, "ICC_PROFILE\x00\x01\x01fake profile bytes")
	mpf := segment(0xe2, "MPF\x00MM\x00\x2a GPS-SECRET index")
	jfif := segment(0xe0, "JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")
	adobe := segment(0xee, "Adobe\x00\x64\x00\x00\x00\x00\x01") // transform 1: YCbCr
	maker := segment(0xeb, "maker notes with a serial number")
	tests := []struct {
		name        string
		in          []byte
		orientation int    // what Probe must read from the result
		keep        []byte // segments that must survive, in order
	}{
		// Only the orientation is left of the EXIF.
		{"phone photo turned", previewtest.OrientedJPEG(6), 6, []byte{0xe1, 0xdb}},
		{"phone photo upright", previewtest.OrientedJPEG(1), 1, []byte{0xdb}},
		{"JFIF, ICC and Adobe kept; MPF, maker data and what follows EOI dropped",
			append(insertAfterSOI(previewtest.OrientedJPEG(1), jfif, icc, mpf, maker, adobe), "\xff\xd8GPS-SECRET second image"...),
			1, []byte{0xe0, 0xe2, 0xee, 0xdb}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, preview.StripJPEGMetadata(&out, iotest.OneByteReader(bytes.NewReader(tt.in))), "a valid JPEG could not be stripped")
			got := out.Bytes()
			for _, secret := range []string{"GPS-SECRET", "xpacket", "COMMENT-SECRET", "IPTC-SECRET", "Photoshop"} {
				assert.NotContains(t, string(got), secret, "the stripped JPEG still carries the sender's metadata")
			}
			segs := previewtest.JPEGSegments(t, got)
			var kept []byte
			for _, m := range segs {
				if m >= 0xe0 && m <= 0xef || m == 0xfe || m == 0xdb {
					kept = append(kept, m)
				}
			}
			assert.Equal(t, tt.keep, dedupe(kept), "the wrong segments survived (APPn, COM and DQT in order)")
			h, err := preview.Probe(bytes.NewReader(got))
			require.NoError(t, err, "the stripped JPEG's header does not parse")
			assert.Equal(t, tt.orientation, h.Orientation, "stripping changed how the photo is turned")
			assertSamePixels(t, tt.in, got)
			assert.True(t, bytes.HasSuffix(got, []byte{0xff, 0xd9}), "the stripped JPEG does not end at its EOI")
		})
	}
}

// dedupe drops consecutive repeats (a JPEG has one DQT per table).
func dedupe(b []byte) []byte {
	var out []byte
	for i, m := range b {
		if i == 0 || b[i-1] != m {
			out = append(out, m)
		}
	}
	return out
}

// assertSamePixels checks two JPEGs decode to the same YCbCr samples: the
// strip was lossless.
func assertSamePixels(t *testing.T, a, b []byte) {
	t.Helper()
	ia, err := jpeg.Decode(bytes.NewReader(a))
	require.NoError(t, err)
	ib, err := jpeg.Decode(bytes.NewReader(b))
	require.NoError(t, err, "the stripped JPEG does not decode")
	ya, ok1 := ia.(*image.YCbCr)
	yb, ok2 := ib.(*image.YCbCr)
	require.True(t, ok1 && ok2, "the JPEGs decode to %T and %T", ia, ib)
	assert.True(t, bytes.Equal(ya.Y, yb.Y) && bytes.Equal(ya.Cb, yb.Cb) && bytes.Equal(ya.Cr, yb.Cr),
		"stripping metadata changed the pixels: it must not re-encode")
}

func TestStripJPEGMetadataBadInput(t *testing.T) {
	photo := previewtest.OrientedJPEG(3)
	tests := []struct {
		name string
		in   []byte
		dst  func() *bytes.Buffer
		code errs.Code
	}{
		{"empty", nil, nil, errs.InvalidArgument},
		{"not a JPEG", previewtest.PNGBytes(previewtest.Pattern(8, 8)), nil, errs.InvalidArgument},
		{"truncated in a segment", photo[:100], nil, errs.InvalidArgument},
		{"truncated in the scan", photo[:len(photo)-500], nil, errs.InvalidArgument},
		{"garbage between segments", append(append([]byte{}, photo[:2]...), "garbage"...), nil, errs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := preview.StripJPEGMetadata(&bytes.Buffer{}, bytes.NewReader(tt.in))
			assert.Equal(t, tt.code, errs.CodeOf(err), "a bad JPEG did not say why: %v", err)
		})
	}
	t.Run("failing source", func(t *testing.T) {
		err := preview.StripJPEGMetadata(&bytes.Buffer{}, io.MultiReader(bytes.NewReader(photo[:100]), iotest.ErrReader(errors.New("connection reset"))))
		assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "a broken source stream was blamed on the file: %v", err)
	})
	t.Run("failing destination", func(t *testing.T) {
		err := preview.StripJPEGMetadata(failWriter{}, bytes.NewReader(photo))
		assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "a failed write was not reported: %v", err)
	})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
