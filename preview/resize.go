package preview

import (
	"image"
	"runtime"
	"sync"

	"github.com/disintegration/imaging"
)

// prefilterRatio is how much larger than the target the first, cheap
// stage of shrink leaves an image: at least this many source pixels per
// target pixel on each axis go into the Lanczos filter of the second
// stage, which is then what decides the quality.
const prefilterRatio = 3

// shrink resizes img to exactly w×h in two stages: an exact box average by
// a whole factor k, to no less than prefilterRatio times the target, then
// Lanczos-3 to the target. The box stage works on the decoded planes
// directly (YCbCr as decoded from a JPEG, WebP or HEIC; grey) and touches
// each source byte once, so a 12-megapixel JPEG costs a few milliseconds
// there instead of a Lanczos filter over every pixel; the Lanczos stage
// then runs on a twelfth of the pixels. Averaging before a low-pass filter
// that is far wider than the box changes the result little: PSNR against a
// Lanczos-only reference is measured in TestThumbnailQuality.
func shrink(img image.Image, w, h int) *image.NRGBA {
	b := img.Bounds()
	if k := min(b.Dx()/(w*prefilterRatio), b.Dy()/(h*prefilterRatio)); k >= 2 {
		switch src := img.(type) {
		case *image.YCbCr:
			if src.Rect.Min == (image.Point{}) {
				img = boxYCbCr(src, k)
			}
		case *image.Gray:
			if src.Rect.Min == (image.Point{}) {
				img = boxGray(src, k)
			}
		}
	}
	if b := img.Bounds(); b.Dx() == w && b.Dy() == h {
		return imaging.Clone(img)
	}
	return imaging.Resize(img, w, h, imaging.Lanczos)
}

// boxYCbCr returns src reduced by k on each axis, each plane by the exact
// average of the k×k samples it covers (fewer at the right and bottom
// edges), keeping the chroma subsampling.
func boxYCbCr(src *image.YCbCr, k int) *image.YCbCr {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewYCbCr(image.Rect(0, 0, ceilDiv(sw, k), ceilDiv(sh, k)), src.SubsampleRatio)
	scw, sch := chromaSize(src.Rect, src.SubsampleRatio)
	dcw, dch := chromaSize(dst.Rect, dst.SubsampleRatio)
	parallelRows(dst.Rect.Dy(), func(y0, y1 int) {
		boxPlane(dst.Y, dst.YStride, dst.Rect.Dx(), src.Y, src.YStride, sw, sh, k, y0, y1)
	})
	parallelRows(dch, func(y0, y1 int) {
		boxPlane(dst.Cb, dst.CStride, dcw, src.Cb, src.CStride, scw, sch, k, y0, y1)
		boxPlane(dst.Cr, dst.CStride, dcw, src.Cr, src.CStride, scw, sch, k, y0, y1)
	})
	return dst
}

// boxGray returns src reduced by k on each axis.
func boxGray(src *image.Gray, k int) *image.Gray {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, ceilDiv(sw, k), ceilDiv(sh, k)))
	parallelRows(dst.Rect.Dy(), func(y0, y1 int) {
		boxPlane(dst.Pix, dst.Stride, dst.Rect.Dx(), src.Pix, src.Stride, sw, sh, k, y0, y1)
	})
	return dst
}

// chromaSize returns the size of the chroma planes of a YCbCr image with
// rectangle r (at the origin) and subsampling ratio s.
func chromaSize(r image.Rectangle, s image.YCbCrSubsampleRatio) (int, int) {
	w, h := r.Dx(), r.Dy()
	switch s {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// boxPlane writes rows y0 to y1 of dst (dw wide) as the box averages of
// the k×k blocks of src (sw×sh) they cover. A block that would start past
// src's edge (a chroma plane rounding up where its source rounded down)
// takes src's last row or column.
func boxPlane(dst []uint8, dstStride, dw int, src []uint8, srcStride, sw, sh, k, y0, y1 int) {
	sums := make([]uint32, dw)
	counts := make([]uint32, dw)
	for x := range dw {
		x0 := min(x*k, sw-1)
		counts[x] = uint32(min(x0+k, sw) - x0)
	}
	for y := y0; y < y1; y++ {
		clear(sums)
		r0 := min(y*k, sh-1)
		r1 := min(r0+k, sh)
		for sy := r0; sy < r1; sy++ {
			row := src[sy*srcStride : sy*srcStride+sw]
			for x := range dw {
				x0 := min(x*k, sw-1)
				var s uint32
				for _, v := range row[x0:min(x0+k, sw)] {
					s += uint32(v)
				}
				sums[x] += s
			}
		}
		out := dst[y*dstStride : y*dstStride+dw]
		rows := uint32(r1 - r0)
		for x := range out {
			n := counts[x] * rows
			out[x] = uint8((sums[x] + n/2) / n)
		}
	}
}

// parallelRows splits rows 0 to n among up to GOMAXPROCS goroutines and
// waits for all of them. A panic in one is re-raised in the caller, where
// the renderer's recover can catch it: in a goroutine of its own it would
// take the process down.
func parallelRows(n int, f func(y0, y1 int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/16, 1))
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	var once sync.Once
	var panicked any
	step := ceilDiv(n, workers)
	for y := 0; y < n; y += step {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { panicked = p })
				}
			}()
			f(y, min(y+step, n))
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// ceilDiv returns a/b rounded up, for positive a and b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }
