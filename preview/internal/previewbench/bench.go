// Package previewbench holds the yardstick and measures of the thumbnail
// benchmarks of preview and preview/vips (Mattermost's way of making a
// thumbnail, peak heap, PSNR): our own test plumbing, not a host's kit.
package previewbench

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/disintegration/imaging"
)

// Baseline makes a thumbnail the way Mattermost does, the yardstick of
// the thumbnail benchmarks: a full decode with image/jpeg, imaging.Fit with
// Lanczos to max×max, and a JPEG encode.
func Baseline(w io.Writer, jpg []byte, max int) error {
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		return err
	}
	return jpeg.Encode(w, imaging.Fit(img, max, max, imaging.Lanczos), &jpeg.Options{Quality: preview.DefaultQuality})
}

// BenchBaseline runs Baseline on jpg, reporting MB/s of the source.
func BenchBaseline(b *testing.B, jpg []byte) {
	b.SetBytes(int64(len(jpg)))
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := Baseline(&out, jpg, preview.Thumbnail); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchThumbnail renders a thumbnail of jpg with r, reporting MB/s of the
// source and, as peak-heap-MiB, the Go heap one render allocates (see
// PeakHeap).
func BenchThumbnail(b *testing.B, r preview.Renderer, jpg []byte) {
	render := func() {
		var out bytes.Buffer
		if _, err := r.Render(b.Context(), bytes.NewReader(jpg), []preview.Target{{Max: preview.Thumbnail, W: &out}}); err != nil {
			b.Fatal(err)
		}
	}
	render() // warm up: a renderer may set itself up on first use
	peak := PeakHeap(render)
	b.SetBytes(int64(len(jpg)))
	for b.Loop() {
		render()
	}
	// After the loop: b.Loop's first call drops metrics reported before.
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// PeakHeap returns an upper bound on the Go heap f needs at its peak: the
// bytes it allocates with the garbage collector off, so none of them is
// reused. (The heap in use can only be less.)
func PeakHeap(f func()) uint64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// PSNR returns the peak signal-to-noise ratio, in dB, of img against ref
// over their RGB channels; they must be the same size. 35 dB and more is
// a difference no one sees in a thumbnail.
func PSNR(ref, img image.Image) float64 {
	b := ref.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := ref.At(x, y).RGBA()
			r2, g2, b2, _ := img.At(x-b.Min.X+img.Bounds().Min.X, y-b.Min.Y+img.Bounds().Min.Y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*b.Dx()*b.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}
