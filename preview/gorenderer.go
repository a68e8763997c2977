package preview

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview/internal/ctxio"
	"github.com/disintegration/imaging"
	"github.com/gen2brain/heic"
	"golang.org/x/image/webp"
)

// GoRenderer is the pure-Go Renderer, the default: it needs no cgo and no
// library on the machine. It decodes with the standard library's image
// packages, golang.org/x/image/webp and github.com/gen2brain/heic (libheif
// compiled to WebAssembly, or the system's libheif when one is installed),
// and resizes in two stages (see shrink) so a 12-megapixel photo costs
// little more than its decode.
//
// A GoRenderer is safe for concurrent use; each Render decodes in the
// calling goroutine. What a render allocates is bounded by Estimate, from
// the header and the targets: run it behind a Pool, which admits renders
// by it, to bound how much decodes at once.
type GoRenderer struct {
	opts Options
}

// NewGoRenderer returns a pure-Go renderer with the given options (nil for
// the defaults).
func NewGoRenderer(opts *Options) *GoRenderer {
	return &GoRenderer{opts: opts.WithDefaults()}
}

// Render implements Renderer.
func (g *GoRenderer) Render(ctx context.Context, src io.Reader, targets []Target) (out []Rendition, err error) {
	defer func() {
		// A decoder's bug on hostile input must cost one preview, not the
		// process.
		if p := recover(); p != nil {
			out, err = nil, &errs.Error{Code: errs.Internal, Op: "preview.Render",
				Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	if err := CheckTargets(targets); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	h, r, err := ProbeReader(src)
	if err != nil {
		return nil, err
	}
	if err := g.opts.Admit(h); err != nil {
		return nil, err
	}
	img, err := decode(h, ctxio.Reader(ctx, r))
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(ctx.Err())
		}
		return nil, err
	}
	orientation := h.Orientation
	if h.Format == HEIF {
		orientation = 1 // libheif has applied irot and imir
	}
	return renderDecoded(ctx, img, orientation, targets, g.opts.Quality)
}

// decode decodes the first frame of the image whose header is h.
func decode(h Header, r io.Reader) (image.Image, error) {
	var img image.Image
	var err error
	switch h.Format {
	case JPEG:
		if h.Components == 3 && !h.RGB {
			r, err = withJFIF(r)
			if err != nil {
				return nil, decodeError(h, err)
			}
		}
		img, err = jpeg.Decode(r)
		if c, ok := img.(*image.CMYK); ok {
			img = cmykToRGBA(c)
		}
	case PNG:
		img, err = png.Decode(r)
	case GIF:
		// gif.Decode stops after the first frame: a 10,000-frame animation
		// costs one.
		var p *image.Paletted
		if p, err = decodeGIF(r); err == nil {
			img = gifCanvas(h, p)
		}
	case WebP:
		if h.Frames > 1 {
			return nil, errUnsupported("preview.Render")
		}
		img, err = webp.Decode(r)
	case HEIF:
		// The decoder reads the whole file into memory: bounded by the
		// pixels, so the Pool's estimate holds.
		c := &cappedReader{r: r, n: heifMaxInput(h)}
		img, err = heic.Decode(c)
		if c.over {
			return nil, &errs.Error{Code: errs.FileTooLarge, Op: "preview.Render",
				Message: "the image is too large for a preview",
				Details: errs.Details{Limit: heifMaxInput(h), Reason: "HEIF file size"},
				Err:     fmt.Errorf("a %d×%d HEIF image of more than %d bytes", h.Width, h.Height, heifMaxInput(h))}
		}
	default:
		return nil, errUnsupported("preview.Render")
	}
	if err != nil {
		return nil, decodeError(h, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, decodeError(h, errors.New("empty image"))
	}
	return img, nil
}

// cmykToRGBA converts c to RGB in place, for imaging, which reads a CMYK
// image a pixel at a time through At, boxing each colour: 16 bytes of
// garbage a pixel, and slow.
func cmykToRGBA(c *image.CMYK) *image.RGBA {
	for y := c.Rect.Min.Y; y < c.Rect.Max.Y; y++ {
		row := c.Pix[c.PixOffset(c.Rect.Min.X, y):][:4*c.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2] = color.CMYKToRGB(row[i], row[i+1], row[i+2], row[i+3])
			row[i+3] = 255
		}
	}
	return &image.RGBA{Pix: c.Pix, Stride: c.Stride, Rect: c.Rect}
}

// jfifStart is a JPEG's SOI followed by a minimal JFIF segment.
const jfifStart = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"

// withJFIF returns the JPEG r with a JFIF segment after its SOI. image/jpeg
// converts a three-component JPEG to RGB, 4 bytes a pixel more, when it
// finds no JFIF segment and an Adobe segment says RGB, wherever that
// segment lies; the probe reads up to the first scan only. The JFIF
// segment holds image/jpeg to the YCbCr the probe found, and so to the
// Pool's estimate, whatever a later segment says.
func withJFIF(r io.Reader) (io.Reader, error) {
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil {
		return nil, err
	}
	return io.MultiReader(strings.NewReader(jfifStart), r), nil
}

// cappedReader reads at most n bytes of r, and fails past them.
type cappedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		// One byte more tells a file of exactly n bytes from a longer one.
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			c.over = true
			return 0, errors.New("file too large")
		}
		return 0, err
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// decodeGIF decodes a GIF's first frame.
func decodeGIF(r io.Reader) (*image.Paletted, error) {
	img, err := gif.Decode(r)
	if err != nil {
		return nil, err
	}
	p, ok := img.(*image.Paletted)
	if !ok {
		return nil, fmt.Errorf("gif: decoded a %T", img)
	}
	return p, nil
}

// gifCanvas returns the first frame as shown: on the logical screen, which
// it may not fill (the rest is transparent).
func gifCanvas(h Header, p *image.Paletted) image.Image {
	screen := image.Rect(0, 0, h.Width, h.Height)
	if p.Bounds() == screen {
		return p
	}
	canvas := image.NewNRGBA(screen)
	draw.Draw(canvas, p.Bounds().Intersect(screen), p, p.Bounds().Min, draw.Src)
	return canvas
}

// decodeError maps a decoder's error to the renderer's codes.
func decodeError(h Header, err error) error {
	var je jpeg.UnsupportedError
	var pe png.UnsupportedError
	if errors.As(err, &je) || errors.As(err, &pe) {
		return &errs.Error{Code: errs.Unsupported, Op: "preview.Render", Message: "this type of image has no preview",
			Err: fmt.Errorf("%s: %w", h.Format, err)}
	}
	return &errs.Error{Code: errs.InvalidArgument, Op: "preview.Render", Message: msgCorrupt,
		Err: fmt.Errorf("%s: %w", h.Format, err)}
}

// canceled is the error for a render its context stopped.
func canceled(err error) error {
	return &errs.Error{Code: errs.Canceled, Op: "preview.Render", Err: err}
}

// renderDecoded resizes, orients and encodes one rendition per target,
// largest first, each resized from the smallest earlier result that is
// still at least twice its size (so a thumbnail comes from the preview,
// not from 12 megapixels again).
func renderDecoded(ctx context.Context, img image.Image, orientation int, targets []Target, quality int) ([]Rendition, error) {
	out := make([]Rendition, len(targets))
	order := bySizeDescending(targets)
	source := img
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return nil, canceled(err)
		}
		t := targets[i]
		b := img.Bounds()
		w, h := Fit(b.Dx(), b.Dy(), t.Max)
		if sb := source.Bounds(); sb.Dx() < 2*w || sb.Dy() < 2*h {
			source = img
		}
		small := shrink(source, w, h)
		oriented := orient(small, orientation)
		rend, err := encode(t.W, oriented, quality)
		if err != nil {
			return nil, err
		}
		out[i] = rend
		source = small
	}
	return out, nil
}

// bySizeDescending returns the indices of targets, largest box first.
func bySizeDescending(targets []Target) []int {
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return targets[b].Max - targets[a].Max })
	return order
}

// orient turns a rendition upright: it applies EXIF orientation o.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}
