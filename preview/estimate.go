package preview

import (
	"image"

	"github.com/gen2brain/heic"
)

// Estimator is the interface that wraps a renderer's Estimate method, a
// capability a Pool looks for.
//
// Estimate returns an upper bound on the memory, in bytes, a Render of an
// image with header h (as Probe returns it) to targets allocates, from the
// header alone: a Pool admits the render when the bound fits its budget.
// It must not be less than what the render allocates, whatever the rest
// of the file holds.
type Estimator interface {
	Estimate(h Header, targets []Target) int64
}

// The figures below are read from the decoders' sources (image/jpeg,
// image/png, image/gif, golang.org/x/image/webp, github.com/gen2brain/heic,
// github.com/disintegration/imaging) and checked by TestEstimateCoversPeak,
// which renders a file of each format and mode and measures what it
// allocates.

const (
	// fixedBytes covers what every render allocates whatever the image:
	// the prefixes ProbeReader keeps (the Pool's and the renderer's, each
	// at most ProbeLimit, grown by doubling), a decoder's own state (image/
	// jpeg's tables, zlib's window, an LZW dictionary) and the encoders'
	// (zlib at BestSpeed for a PNG rendition).
	fixedBytes = 4*ProbeLimit + 2<<20
	// vp8lGroupBytes is one Huffman group of a lossless WebP, at its
	// largest: five trees, each a 512-byte look-up table and 8 bytes a
	// node, two nodes a symbol of alphabets of 256+24+2048, 256, 256, 256
	// and 40 symbols.
	vp8lGroupBytes = 5*(24+512) + 8*2*(256+24+2048+3*256+40)
	// vp8lMaxGroups is the most Huffman groups x/image/webp accepts.
	vp8lMaxGroups = 2600
	// vp8lGroupsPerByte bounds the groups a lossless WebP can declare per
	// byte of its data: a group of five one-symbol codes takes at least 5
	// bytes; a full tree takes a hundred.
	vp8lGroupBytesPerDataByte = 512
	// vp8MaxData is the most of its data x/image/webp's VP8 decoder
	// reads into memory: eight partitions of under 16 MiB.
	vp8MaxData = 8 << 24
	// heifMaxInputPerPixel bounds a HEIF file's size by its pixels: the
	// GoRenderer refuses a larger one (HEVC stills take a fraction of a
	// byte a pixel), so what its decoder reads whole is bounded.
	heifMaxInputPerPixel = 1
	// heifInputSlack is the size a HEIF file may have beyond its pixels'
	// bound: thumbnails, EXIF, XMP, depth maps.
	heifInputSlack = 1 << 20
)

// heifMaxInput is the largest HEIF file the GoRenderer reads for an image
// with header h.
func heifMaxInput(h Header) int64 { return heifMaxInputPerPixel*h.Pixels() + heifInputSlack }

// DecodeBytes estimates the memory, in bytes, a full decode of the image
// takes with Go's decoders at its peak, from what the header says of the
// format and its layout (Progressive, Subsampling, Components, BitDepth,
// Paletted, Lossless, DataBytes). It is an upper bound, garbage included:
// a progressive JPEG's coefficients (4 bytes a pixel a component), a CMYK
// or RGB JPEG's conversion, an interlaced PNG's passes, a GIF's canvas, a
// lossy WebP's data read whole, a HEIF file read whole. A Pool budgets
// with it, through GoRenderer's Estimate, before decoding.
func (h Header) DecodeBytes() int64 {
	peak, _ := h.decodeCost()
	return peak
}

// decodeCost returns what a decode allocates at its peak, and what the
// decoded image keeps once the decoder returns.
func (h Header) decodeCost() (peak, kept int64) {
	w, ht := int64(h.Width), int64(h.Height)
	p := w * ht
	switch h.Format {
	case JPEG:
		return jpegCost(h)
	case PNG:
		perPixel := int64(4)
		switch {
		case h.BitDepth > 8 && h.Components == 1 && !h.Alpha:
			perPixel = 2 // Gray16
		case h.BitDepth > 8:
			perPixel = 8 // RGBA64, NRGBA64
		case h.Paletted, h.Components == 1 && !h.Alpha:
			perPixel = 1 // Paletted, Gray
		}
		img := p * perPixel
		rows := 2 * (1 + 8*w) // the current and previous row, filters applied
		if h.Progressive {
			// Each Adam7 pass is decoded into an image of its own, then
			// copied into the whole: the passes add up to the image.
			return 2*img + rows, img
		}
		return img + rows, img
	case GIF:
		// The first frame (within the logical screen, else refused), and
		// the NRGBA canvas it is drawn on when it does not fill it.
		return 5 * p, 5 * p
	case WebP:
		return webpCost(h)
	case HEIF:
		// The file read whole (io.ReadAll: chunks, then one right-sized
		// copy), then the picture copied out of libheif: YCbCr, grey or,
		// with alpha, RGBA. Without a system libheif, libheif runs as
		// WebAssembly whose memory is a Go slice: the file again, the
		// decoder's planes, its RGBA and the copy out.
		in := 7 * heifMaxInput(h) / 2
		out := 4 * p
		if heic.Dynamic() == nil {
			// libheif's own planes and conversion, outside the Go heap
			// but memory all the same.
			return in + out + 6*p, out
		}
		// An instance's memory starts at a few MiB whatever the image.
		wasm := heifMaxInput(h) + 10*p + 8<<20
		return in + out + wasm, out + wasm
	}
	// A format Probe does not return: 8 bytes a pixel, the most any
	// decoder here keeps.
	return 8 * p, 8 * p
}

// jpegCost is decodeCost for a JPEG, as image/jpeg allocates: planes
// padded to whole MCUs (at most 32×16 pixels), at their subsampling; for
// a progressive JPEG, beside them, 64 int32 coefficients per 8×8 block of
// every plane until the last scan; for CMYK, YCbCrK or RGB, a 4-byte-a-
// pixel image converted from the planes.
func jpegCost(h Header) (peak, kept int64) {
	const state = 64 << 10 // the decoder: Huffman tables, a 4 KiB buffer
	w, ht := int64(h.Width), int64(h.Height)
	if h.Components == 1 {
		planes := (w + 7) * (ht + 7)
		coeffs := int64(0)
		if h.Progressive {
			coeffs = 4 * planes
		}
		return planes + coeffs + state, planes
	}
	pw, ph := w+31, ht+15
	y := pw * ph
	c := y/chromaArea(h.Subsampling) + pw + ph
	planes := y + 2*c
	if h.Components >= 4 {
		planes += y // K, at Y's size
	}
	coeffs := int64(0)
	if h.Progressive {
		coeffs = 4 * planes
	}
	if h.Components >= 4 || h.RGB {
		converted := 4 * w * ht
		return planes + coeffs + converted + state, converted
	}
	return planes + coeffs + state, planes
}

// chromaArea is how many luma samples a chroma sample covers.
func chromaArea(s image.YCbCrSubsampleRatio) int64 {
	switch s {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440:
		return 2
	case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio411:
		return 4
	case image.YCbCrSubsampleRatio410:
		return 8
	}
	return 1
}

// webpCost is decodeCost for a WebP, as golang.org/x/image/webp allocates.
func webpCost(h Header) (peak, kept int64) {
	w, ht := int64(h.Width), int64(h.Height)
	p := w * ht
	lossless := func(data int64) (int64, int64) {
		// The pixels (4 bytes, fewer when packed), the colour-indexing
		// transform's unpacked copy, the transforms' and the Huffman
		// meta image's sub-resolution images (a quarter of the pixels at
		// most), the colour cache, and the Huffman groups, bounded by
		// their count and by the data that declares them.
		tiles := ((w + 3) / 4) * ((ht + 3) / 4)
		groups := min(vp8lMaxGroups, tiles+1) * vp8lGroupBytes
		groups = min(groups, vp8lGroupBytesPerDataByte*data+vp8lGroupBytes)
		return 4*p + 4*p + 4*p/4 + groups + 64<<10, 4 * p
	}
	if h.Lossless {
		return lossless(max(h.DataBytes, 0))
	}
	data := h.DataBytes
	if data <= 0 {
		data = vp8MaxData // unknown: as much as the decoder accepts
	}
	// VP8: YCbCr 4:2:0 padded to whole 16×16 macroblocks, a few bytes a
	// macroblock, and the partitions, read whole.
	mw, mh := (w+15)/16, (ht+15)/16
	planes := 256*mw*mh + 2*64*mw*mh
	peak = planes + 16*mw*mh + data
	kept = planes
	if h.Alpha || h.DataBytes <= 0 {
		// An ALPH chunk: its plane, decoded as a lossless image first.
		lp, _ := lossless(data)
		peak += p + lp
		kept += p
	}
	return peak, kept
}

// Estimate implements Estimator: the decode (DecodeBytes), then the
// resize, orientation and encoding of each target, largest first, the
// way Render does them, with the decoded image held throughout. It bounds
// what the render allocates, garbage included.
func (g *GoRenderer) Estimate(h Header, targets []Target) int64 {
	// The decode's garbage counts: the collector frees it when it runs,
	// not when the decoder drops it, and by default lets the heap grow to
	// twice what is live before it does.
	return h.DecodeBytes() + renderCost(h, targets) + fixedBytes
}

// renderCost bounds what renderDecoded allocates for targets beside the
// decoded image.
func renderCost(h Header, targets []Target) int64 {
	w0, h0 := int64(h.Width), int64(h.Height)
	orientation := h.Orientation
	if h.Format == HEIF {
		orientation = 1 // libheif turns the picture itself
	}
	// Only YCbCr and grey images take the box stage.
	boxable := h.Format == JPEG && h.Components <= 3 && !h.RGB ||
		h.Format == WebP && !h.Lossless || h.Format == HEIF ||
		h.Format == PNG && h.Components == 1
	// imaging reads other images than its own kinds (here a lossy WebP's
	// NYCbCrA) pixel by pixel through At, boxing each colour: garbage, but
	// allocated, 4 to 16 bytes a pixel read.
	boxesColours := h.Format == WebP && !h.Lossless && (h.Alpha || h.DataBytes <= 0)
	var worst int64
	sw, sh := w0, h0  // the size of the current source
	var held int64    // the previous rendition, when it is the source
	fromImage := true // the source is the decoded image
	for _, i := range bySizeDescending(targets) {
		tw, th := Fit(int(w0), int(h0), targets[i].Max)
		w, ht := int64(tw), int64(th)
		if sw < 2*w || sh < 2*ht {
			sw, sh, held, fromImage = w0, h0, 0, true
		}
		resize := lanczosCost(sw, sh, w, ht)
		if k := min(sw/(w*prefilterRatio), sh/(ht*prefilterRatio)); k >= 2 && fromImage && boxable {
			// The box stage's planes, at most 4:4:4, then Lanczos from
			// them: more than Lanczos alone at times, so the larger.
			bw, bh := (sw+k-1)/k, (sh+k-1)/k
			resize = max(resize, 3*bw*bh+2*(bw+bh)+lanczosCost(bw, bh, w, ht))
		}
		if fromImage && boxesColours {
			resize += 16 * w0 * h0
		}
		rendition := 4 * w * ht
		oriented := int64(0)
		if orientation != 1 {
			oriented = rendition
		}
		worst = max(worst, held+resize, held+rendition+oriented+32*4*ht)
		sw, sh, held, fromImage = w, ht, rendition, false
	}
	return worst
}

// lanczosCost bounds what imaging.Resize allocates to take a w×h image to
// tw×th: the horizontal pass's image, then the vertical pass's (or one of
// them, or a clone); the Lanczos weights (16 bytes a tap, 6 taps per step
// of the ratio) and a scanline per goroutine; and BlurHash's copy of the
// result, 32 pixels wide.
func lanczosCost(w, h, tw, th int64) int64 {
	c := 4 * tw * th
	if w != tw && h != th {
		c += 4 * tw * h
	}
	return c + 100*(w+h) + 8*4*max(w, h) + 32*4*th
}
