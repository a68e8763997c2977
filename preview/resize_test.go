package preview_test

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxAverageIsExact checks the first stage of the shrink against a
// brute-force average, on odd sizes where blocks at the right and bottom
// edges are partial and chroma planes round up.
func TestBoxAverageIsExact(t *testing.T) {
	tests := []struct {
		w, h, k int
		ratio   image.YCbCrSubsampleRatio
	}{
		{13, 7, 3, image.YCbCrSubsampleRatio420},
		{16, 16, 4, image.YCbCrSubsampleRatio420},
		{9, 11, 2, image.YCbCrSubsampleRatio422},
		{10, 5, 3, image.YCbCrSubsampleRatio444},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		src := image.NewYCbCr(image.Rect(0, 0, tt.w, tt.h), tt.ratio)
		for _, p := range [][]uint8{src.Y, src.Cb, src.Cr} {
			for i := range p {
				p[i] = uint8(rng.IntN(256))
			}
		}
		dst := preview.BoxYCbCr(src, tt.k)
		require.Equal(t, image.Rect(0, 0, (tt.w+tt.k-1)/tt.k, (tt.h+tt.k-1)/tt.k), dst.Rect, "the reduced image has the wrong size")
		check := func(name string, got []uint8, gotStride, gw, gh int, in []uint8, inStride, iw, ih int) {
			for y := range gh {
				for x := range gw {
					x0, y0 := min(x*tt.k, iw-1), min(y*tt.k, ih-1)
					sum, n := 0, 0
					for sy := y0; sy < min(y0+tt.k, ih); sy++ {
						for sx := x0; sx < min(x0+tt.k, iw); sx++ {
							sum += int(in[sy*inStride+sx])
							n++
						}
					}
					want := (sum + n/2) / n
					assert.Equal(t, want, int(got[y*gotStride+x]), "%dx%d by %d: %s(%d,%d) is not the average of its block", tt.w, tt.h, tt.k, name, x, y)
				}
			}
		}
		check("Y", dst.Y, dst.YStride, dst.Rect.Dx(), dst.Rect.Dy(), src.Y, src.YStride, tt.w, tt.h)
		// NewYCbCr makes each chroma plane exactly CStride wide.
		scw, sch := src.CStride, len(src.Cb)/src.CStride
		dcw, dch := dst.CStride, len(dst.Cb)/dst.CStride
		check("Cb", dst.Cb, dst.CStride, dcw, dch, src.Cb, src.CStride, scw, sch)
		check("Cr", dst.Cr, dst.CStride, dcw, dch, src.Cr, src.CStride, scw, sch)
	}
}

// TestParallelRowsPanicsInTheCaller checks a panic in a worker comes back
// to the goroutine that asked, where a renderer recovers it, instead of
// killing the process from a goroutine nobody can recover.
func TestParallelRowsPanicsInTheCaller(t *testing.T) {
	var rows [64]int
	assert.PanicsWithValue(t, "bad row", func() {
		preview.ParallelRows(len(rows), func(y0, y1 int) {
			for y := y0; y < y1; y++ {
				rows[y]++
			}
			if y1 == len(rows) {
				panic("bad row")
			}
		})
	}, "a worker's panic did not reach the caller")
	for y, n := range rows {
		assert.Equal(t, 1, n, "row %d was done %d times", y, n)
	}
}
