package preview_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/internal/previewbench"
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
// estimate must cover: the JPEGs and WebPs libjpeg and libwebp wrote
// (testdata/admission, see gen.sh), PNGs and GIFs made here, and the
// renderer suite's WebP and HEIC.
func admissionCorpus(t testing.TB) []sample {
	var c []sample
	for _, ext := range []string{"jpg", "webp"} {
		files, err := filepath.Glob(filepath.Join("testdata", "admission", "*."+ext))
		require.NoError(t, err)
		require.NotEmpty(t, files, "the corpus of %s is missing", ext)
		for _, name := range files {
			b, err := os.ReadFile(name)
			require.NoError(t, err)
			c = append(c, sample{filepath.Base(name), b})
		}
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

// underRace are the samples the admission tests render under the race
// detector, one a format: it slows decoding tenfold, and the whole corpus
// would take minutes. (It also allocates more: no tiny allocator.)
var underRace = []string{"progressive-444.jpg", "baseline-cmyk.jpg", "PNG interlaced RGBA 16-bit",
	"GIF frame smaller than its screen", "lossy-alpha.webp", "pattern.heic"}

// TestEstimateCoversPeak renders a file of each format and mode and checks
// that the GoRenderer's estimate, which a Pool admits by, is at least what
// the render allocates (previewbench.PeakHeap: the bytes allocated with the
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
		if raceEnabled && !slices.Contains(underRace, s.name) {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			h, err := preview.Probe(bytes.NewReader(s.file))
			require.NoError(t, err)
			for _, targets := range targetSets {
				est := r.Estimate(h, targets)
				var rerr error
				peak := int64(previewbench.PeakHeap(func() { _, rerr = r.Render(t.Context(), bytes.NewReader(s.file), targets) }))
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

// admissionBudget is the budget of the Pool FuzzAdmission renders through:
// the one under which a 34 KiB progressive JPEG once took 110 MiB.
const admissionBudget = 24 << 20

// hostileSeeds are files crafted against the estimate: headers that
// promise more than the data holds, layouts the decoders pay extra for,
// segments placed where the probe does not look.
func hostileSeeds(t testing.TB) []sample {
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "admission", name))
		require.NoError(t, err)
		return b
	}
	// resized patches a JPEG's frame header to w×h: the decoder allocates
	// for w×h at the first scan, then fails on data made for another size.
	resized := func(jpg []byte, w, h uint16) []byte {
		b := bytes.Clone(jpg)
		for i := 2; i+9 < len(b); {
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			if m := b[i+1]; m == 0xc0 || m == 0xc2 {
				binary.BigEndian.PutUint16(b[i+5:], h)
				binary.BigEndian.PutUint16(b[i+7:], w)
				return b
			}
			i += 2 + n
		}
		panic("no frame header")
	}
	// lateAdobe drops a JPEG's JFIF segment and puts an Adobe segment
	// saying RGB after its scan, where image/jpeg still obeys it.
	lateAdobe := func(jpg []byte) []byte {
		require.Equal(t, []byte{0xff, 0xd8, 0xff, 0xe0}, jpg[:4], "the corpus JPEG has no JFIF segment first")
		rest := jpg[4+int(binary.BigEndian.Uint16(jpg[4:])):]
		adobe := []byte{0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
		b := append([]byte{0xff, 0xd8}, rest[:len(rest)-2]...)
		return append(append(b, adobe...), 0xff, 0xd9)
	}
	// bigVP8 says its VP8 chunk holds n bytes, which the decoder allocates
	// before it finds the file ends.
	bigVP8 := func(n uint32) []byte {
		b := bytes.Clone(testdata(t, "pattern.webp"))
		require.Equal(t, "VP8 ", string(b[12:16]))
		binary.LittleEndian.PutUint32(b[16:], n)
		return b
	}
	return []sample{
		{"progressive 4:4:4 JPEG said to be 4000×3000", resized(file("progressive-444.jpg"), 4000, 3000)},
		{"progressive 4:4:4 JPEG said to be 1500×1100", resized(file("progressive-444.jpg"), 1500, 1100)},
		{"progressive CMYK JPEG said to be 1000×800", resized(file("progressive-cmyk.jpg"), 1000, 800)},
		{"baseline JPEG said to be 1800×1300", resized(file("baseline-444.jpg"), 1800, 1300)},
		{"JPEG with an Adobe RGB segment after its scan", lateAdobe(file("baseline-444.jpg"))},
		{"progressive JPEG with an Adobe RGB segment after its scans", lateAdobe(file("progressive-444.jpg"))},
		{"PNG bomb of 2000×1500", previewtest.PNGHeader(2000, 1500)},
		{"PNG bomb of 3000×3000", previewtest.PNGHeader(3000, 3000)},
		{"WebP whose VP8 chunk says 15 MiB", bigVP8(15 << 20)},
		{"WebP whose VP8 chunk says 4 GiB", bigVP8(1<<32 - 1)},
	}
}

// FuzzAdmission renders each file through a Pool of a 24 MiB budget and
// checks the render never allocates more than the budget and a tenth:
// the Pool refuses what its estimate says will not fit, and the estimate
// holds for what it admits. The seeds (the admission corpus and hostile
// files) run in every go test.
func FuzzAdmission(f *testing.F) {
	seeds := hostileSeeds(f)
	if !raceEnabled { // TestEstimateCoversPeak renders the corpus under it
		seeds = append(seeds, admissionCorpus(f)...)
	}
	for _, s := range seeds {
		f.Add(s.file)
	}
	pool := preview.NewPool(preview.NewGoRenderer(nil), &preview.PoolOptions{Workers: 1, MemoryBudget: admissionBudget})
	f.Fuzz(func(t *testing.T, file []byte) {
		var err error
		peak := previewbench.PeakHeap(func() { _, err = pool.Render(t.Context(), bytes.NewReader(file), bothRenditions()) })
		if peak > admissionBudget*11/10 {
			t.Errorf("a render allocated %.1f MiB under a budget of %.0f MiB (error %v)", mib(int64(peak)), mib(admissionBudget), err)
		}
		if err != nil && errs.As(err) == nil {
			t.Errorf("an untyped error: %v", err)
		}
	})
}

func TestHostileFilesStayWithinTheirEstimate(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; FuzzAdmission renders these files under it")
	}
	r := preview.NewGoRenderer(nil)
	for _, s := range hostileSeeds(t) {
		t.Run(s.name, func(t *testing.T) {
			h, err := preview.Probe(bytes.NewReader(s.file))
			require.NoError(t, err)
			est := r.Estimate(h, bothRenditions())
			if est > 200<<20 {
				t.Logf("estimate %.0f MiB: a Pool refuses it, not rendered here", mib(est))
				return
			}
			var rerr error
			peak := int64(previewbench.PeakHeap(func() { _, rerr = r.Render(t.Context(), bytes.NewReader(s.file), bothRenditions()) }))
			assert.GreaterOrEqual(t, est, peak, "the render allocated more than its estimate (error %v)", rerr)
			t.Logf("estimate %.2f MiB, allocated %.2f MiB (%v); old estimate %.2f MiB", mib(est), mib(peak), errs.CodeOf(rerr), mib(oldEstimate(h)))
		})
	}
}

func TestPoolRefusesAProgressiveJPEGItCannotAfford(t *testing.T) {
	pool := preview.NewPool(preview.NewGoRenderer(nil), &preview.PoolOptions{MemoryBudget: admissionBudget})
	b, err := os.ReadFile(filepath.Join("testdata", "admission", "progressive-cmyk.jpg"))
	require.NoError(t, err)
	var rerr error
	peak := previewbench.PeakHeap(func() { _, rerr = pool.Render(t.Context(), bytes.NewReader(b), bothRenditions()) })
	assert.Equal(t, errs.FileTooLarge, errs.CodeOf(rerr), "a 1200×900 progressive CMYK JPEG (35 MiB to render) was not refused under 24 MiB: %v", rerr)
	assert.Equal(t, "memory budget", errs.As(rerr).Details.Reason)
	assert.Less(t, peak, uint64(admissionBudget)/8, "the refusal decoded the image")
}

func TestAdobeSegmentAfterTheScanDoesNotAddAConversion(t *testing.T) {
	// The probe reads up to the first scan and finds YCbCr; image/jpeg
	// would obey an Adobe segment after it and convert to RGB, 4 bytes a
	// pixel the estimate does not hold. The renderer must not let it.
	var plain, late sample
	for _, s := range hostileSeeds(t) {
		if s.name == "JPEG with an Adobe RGB segment after its scan" {
			late = s
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "admission", "baseline-444.jpg"))
	require.NoError(t, err)
	plain = sample{"baseline-444.jpg", b}
	r := preview.NewGoRenderer(nil)
	alloc := func(s sample) int64 {
		var rerr error
		n := previewbench.PeakHeap(func() { _, rerr = r.Render(t.Context(), bytes.NewReader(s.file), bothRenditions()) })
		require.NoError(t, rerr, s.name)
		return int64(n)
	}
	alloc(plain) // warm up
	p, l := alloc(plain), alloc(late)
	assert.Less(t, l, p+1<<20, "the late Adobe segment cost %.1f MiB more than the same JPEG without it: the decoder converted to RGB", mib(l-p))
}
