package preview_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/internal/previewbench"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/disintegration/imaging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThumbnailQuality checks the two-stage shrink loses nothing anyone
// sees, on the benchmark's 12-megapixel photo (a quarter of it under the
// race detector):
//
//   - the resize, before encoding, against a Lanczos-3 resize of the full
//     decode (imaging.Fit), must reach 35 dB PSNR;
//   - the thumbnail as written, against Mattermost's as written (the same
//     resize by Lanczos-3 alone, the same JPEG quality), must too.
//
// Against the unencoded reference, any JPEG thumbnail of this photo scores
// about 32 dB, the reference's own JPEG included: the loss there is JPEG's
// on noise, not the resize's.
func TestThumbnailQuality(t *testing.T) {
	var src []byte
	if raceEnabled {
		src = previewtest.PhotoJPEG(2000, 1500)
	} else {
		src = photo12MP()
	}
	full, err := jpeg.Decode(bytes.NewReader(src))
	require.NoError(t, err)
	ref := imaging.Fit(full, preview.Thumbnail, preview.Thumbnail, imaging.Lanczos)

	resized := preview.Shrink(full, ref.Rect.Dx(), ref.Rect.Dy())
	psnr := previewbench.PSNR(ref, resized)
	t.Logf("PSNR of the resize against Lanczos-3: %.2f dB", psnr)
	assert.GreaterOrEqual(t, psnr, 35.0, "the thumbnail visibly differs from a Lanczos resize")

	var out, base bytes.Buffer
	_, err = preview.NewGoRenderer(nil).Render(t.Context(), bytes.NewReader(src), []preview.Target{{Max: preview.Thumbnail, W: &out}})
	require.NoError(t, err)
	require.NoError(t, previewbench.Baseline(&base, src, preview.Thumbnail))
	got, _, err := image.Decode(&out)
	require.NoError(t, err)
	want, _, err := image.Decode(&base)
	require.NoError(t, err)
	require.Equal(t, want.Bounds(), got.Bounds(), "the thumbnail is not the baseline's size")
	psnr = previewbench.PSNR(want, got)
	t.Logf("PSNR of the thumbnail as written against Mattermost's: %.2f dB; against unencoded Lanczos-3: %.2f dB", psnr, previewbench.PSNR(ref, got))
	assert.GreaterOrEqual(t, psnr, 35.0, "the thumbnail visibly differs from Mattermost's")
}
