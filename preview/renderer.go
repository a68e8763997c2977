package preview

import (
	"context"
	"fmt"
	"io"

	"github.com/attachkit/attachments/errs"
)

// The boxes the library's two renditions fit in, in pixels.
const (
	// Thumbnail is the box a thumbnail fits in: 320×320.
	Thumbnail = 320
	// Preview is the box a preview fits in: 1600×1600.
	Preview = 1600
	// MaxTarget is the largest box a Target may ask for.
	MaxTarget = 8192
)

// DefaultMaxPixels is the pixel limit when Options.MaxPixels is zero: 50
// megapixels, more than any phone camera takes.
const DefaultMaxPixels = 50_000_000

// DefaultQuality is the JPEG quality when Options.Quality is zero.
const DefaultQuality = 85

// Renderer is the interface that wraps the basic Render method.
//
// Render reads an image (JPEG, PNG, GIF, WebP or HEIF) from src and writes
// one rendition of it to each target's W, fitted in a Max×Max box (never
// enlarged), upright (its EXIF orientation applied), as JPEG or, when the
// rendition has transparent pixels, PNG, with no metadata at all: no EXIF,
// GPS, XMP, ICC profile or comment. Of an animation it renders the first
// frame. It returns one Rendition per target, in order.
//
// Before decoding, Render reads the header (see Probe) and refuses an
// image over its pixel limit. Every failure is an *errs.Error, and a
// failing image never panics: EmptyFile, Unsupported (not an image it can
// read), InvalidArgument (truncated or corrupt), FileTooLarge (over the
// pixel limit), Canceled (ctx), Unavailable (a target's writer failed),
// Internal (a decoder's panic, recovered). On error, some writers may hold
// part of a rendition, which the caller discards.
//
// Implementations must be safe for concurrent use and must not retain src
// or the writers after returning.
type Renderer interface {
	Render(ctx context.Context, src io.Reader, targets []Target) ([]Rendition, error)
}

// Target asks for one rendition.
type Target struct {
	// Max is the box the rendition fits in: Thumbnail, Preview or any size
	// from 1 to MaxTarget.
	Max int
	// W receives the encoded rendition.
	W io.Writer
}

// Rendition describes a rendition Render wrote.
type Rendition struct {
	// Width and Height are the rendition's dimensions, as shown (upright).
	Width, Height int
	// ContentType is "image/jpeg", or "image/png" when the rendition has
	// transparent pixels.
	ContentType string
	// Size is the number of bytes written to the target's W.
	Size int64
	// BlurHash is a BlurHash (https://blurha.sh) of the picture, 4×3
	// components, 28 characters: a blurred placeholder a client paints
	// before the rendition arrives, of the right colours and layout. Its
	// characters 3 to 6 encode the average colour (base 83, 0xRRGGBB), for
	// a client that wants one colour only.
	BlurHash string
}

// Options configures a renderer. A nil *Options means the defaults.
type Options struct {
	// MaxPixels refuses, before decoding, an image with more pixels
	// (width × height). Zero means DefaultMaxPixels.
	MaxPixels int64
	// Quality is the JPEG quality of renditions, 1 to 100. Zero means
	// DefaultQuality.
	Quality int
}

// WithDefaults returns the options with every zero field set to its
// default. It is for renderers: each reads its settings through it.
func (o *Options) WithDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxPixels <= 0 {
		v.MaxPixels = DefaultMaxPixels
	}
	if v.Quality <= 0 || v.Quality > 100 {
		v.Quality = DefaultQuality
	}
	return v
}

// Admit returns an *errs.Error with code FileTooLarge when an image with
// header h has more pixels than the options allow, and nil otherwise.
// Every renderer calls it before decoding.
func (o *Options) Admit(h Header) error {
	limit := o.WithDefaults().MaxPixels
	if h.Pixels() <= limit {
		return nil
	}
	return &errs.Error{
		Code:    errs.FileTooLarge,
		Op:      "preview.Render",
		Message: "the image has too many pixels for a preview",
		Details: errs.Details{Limit: limit, Size: h.Pixels(), Reason: "pixels"},
		Err:     fmt.Errorf("%d×%d is %d pixels, over the limit of %d", h.Width, h.Height, h.Pixels(), limit),
	}
}

// CheckTargets returns an *errs.Error with code InvalidArgument when a
// target has no writer or a box out of range, or there is none. Every
// renderer calls it first: this package's, preview/vips', and a host's own
// Renderer, which owes the same contract.
func CheckTargets(targets []Target) error {
	if len(targets) == 0 {
		return &errs.Error{Code: errs.InvalidArgument, Op: "preview.Render", Message: "no rendition was asked for"}
	}
	for i, t := range targets {
		if t.W == nil || t.Max < 1 || t.Max > MaxTarget {
			return &errs.Error{Code: errs.InvalidArgument, Op: "preview.Render",
				Err: fmt.Errorf("target %d: want a writer and a box of 1 to %d, have %d", i, MaxTarget, t.Max)}
		}
	}
	return nil
}

// Fit returns the size of a w×h picture fitted in a max×max box, keeping
// its aspect ratio and never enlarging it; neither side is less than 1.
func Fit(w, h, max int) (int, int) {
	if w <= max && h <= max {
		return w, h
	}
	if w >= h {
		return max, clampRound(float64(h) * float64(max) / float64(w))
	}
	return clampRound(float64(w) * float64(max) / float64(h)), max
}

// clampRound rounds v to the nearest integer, and at least 1.
func clampRound(v float64) int {
	n := int(v + 0.5)
	if n < 1 {
		return 1
	}
	return n
}
