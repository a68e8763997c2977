package preview

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/attachkit/attachments/errs"
)

// ProbeLimit is the most Probe reads from a stream. A header that ends
// further in (a JPEG whose APP segments fill more than this before its
// frame header) is refused as corrupt rather than read to the end.
const ProbeLimit = 1 << 20

// Format is an image format Probe recognises.
type Format string

// The formats. Their values are part of the API.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	HEIF Format = "heif" // HEIC and other HEIF images (ISO/IEC 23008-12)
)

// Header is what Probe reads from an image's header, before any pixel is
// decoded.
type Header struct {
	// Format is the image's format.
	Format Format
	// Width and Height are the stored dimensions, before Orientation is
	// applied.
	Width, Height int
	// Orientation is the EXIF orientation (1–8) a viewer applies to show the
	// image upright: 1 for none. For HEIF it is the orientation the file's
	// irot and imir properties describe, which HEIF decoders apply
	// themselves.
	Orientation int
	// Alpha reports that the image may have transparent pixels: an alpha
	// channel, a transparent palette index or a tRNS chunk.
	Alpha bool
	// Frames is the number of frames counted within ProbeLimit: 1 for a
	// still image. An animation longer than ProbeLimit has more.
	Frames int
	// BitDepth is the bits per sample: 8 for most images, 16 for a 16-bit
	// PNG, 12 for a 12-bit JPEG.
	BitDepth int
	// Components is the number of colour components as stored: 1 (grey),
	// 3 (YCbCr or RGB), 4 (CMYK or RGBA). It is 0 when the format does not
	// say it in its header.
	Components int

	// The rest describes how the pixels are stored, which decides what a
	// decoder allocates (see DecodeBytes).

	// Progressive reports a progressive JPEG (SOF2), whose decoder keeps
	// every coefficient until the last scan, or an interlaced (Adam7) PNG.
	Progressive bool
	// Subsampling is a JPEG's chroma subsampling: 4:4:4 (the zero value)
	// for one without, and for the other formats.
	Subsampling image.YCbCrSubsampleRatio
	// RGB reports a three-component JPEG stored as R, G and B rather than
	// Y, Cb and Cr (no JFIF segment, and an Adobe segment or component ids
	// that say so), which Go's decoder converts to 4 bytes a pixel.
	RGB bool
	// Paletted reports pixels stored as indexes into a palette: a GIF, a
	// PNG of colour type 3.
	Paletted bool
	// Lossless reports a lossless (VP8L) WebP.
	Lossless bool
	// DataBytes is the length a WebP's header gives its image chunk: its
	// decoder holds a lossy image's chunk whole. It is 0 when unknown.
	DataBytes int64
}

// Pixels returns Width × Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// Upright returns the dimensions of the image as shown, once its
// Orientation is applied: Width and Height swapped for orientations 5–8.
func (h Header) Upright() (width, height int) {
	if h.Orientation >= 5 && h.Orientation <= 8 {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

// ContentType returns the format's MIME type.
func (h Header) ContentType() string {
	switch h.Format {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case GIF:
		return "image/gif"
	case WebP:
		return "image/webp"
	case HEIF:
		return "image/heif"
	}
	return "application/octet-stream"
}

// Probe reads an image's header from r and reports its format, dimensions,
// orientation, transparency and frame count, without decoding pixels. It
// reads at most ProbeLimit bytes, usually a few hundred.
//
// It returns an *errs.Error: EmptyFile for an empty stream, Unsupported for
// a stream that is not one of the Formats, InvalidArgument for a header that
// is truncated, corrupt or ends past ProbeLimit.
func Probe(r io.Reader) (Header, error) {
	return probe(bufio.NewReaderSize(io.LimitReader(r, ProbeLimit), 4096))
}

// ProbeReader probes r like Probe and returns, beside the header, a reader
// that yields the whole stream from its first byte: the bytes Probe read,
// then the rest of r. A renderer decodes from it.
func ProbeReader(r io.Reader) (Header, io.Reader, error) {
	var prefix bytes.Buffer
	h, err := probe(bufio.NewReaderSize(io.TeeReader(io.LimitReader(r, ProbeLimit), &prefix), 512))
	return h, io.MultiReader(&prefix, r), err
}

// probe dispatches on the first bytes of r.
func probe(r *bufio.Reader) (Header, error) {
	magic, err := r.Peek(12)
	if len(magic) == 0 {
		if err == nil || err == io.EOF {
			return Header{}, &errs.Error{Code: errs.EmptyFile, Op: "preview.Probe"}
		}
		return Header{}, &errs.Error{Code: errs.Unavailable, Op: "preview.Probe", Err: err}
	}
	var h Header
	switch {
	case bytes.HasPrefix(magic, []byte{0xff, 0xd8, 0xff}):
		h, err = probeJPEG(r)
	case bytes.HasPrefix(magic, []byte("\x89PNG\r\n\x1a\n")):
		h, err = probePNG(r)
	case bytes.HasPrefix(magic, []byte("GIF87a")), bytes.HasPrefix(magic, []byte("GIF89a")):
		h, err = probeGIF(r)
	case len(magic) == 12 && string(magic[:4]) == "RIFF" && string(magic[8:12]) == "WEBP":
		h, err = probeWebP(r)
	case len(magic) >= 8 && string(magic[4:8]) == "ftyp":
		h, err = probeHEIF(r)
	default:
		return Header{}, &errs.Error{Code: errs.Unsupported, Op: "preview.Probe", Message: "this type of image has no preview"}
	}
	if err != nil {
		return Header{}, corrupt(err)
	}
	if h.Width <= 0 || h.Height <= 0 {
		return Header{}, corrupt(fmt.Errorf("%s: zero width or height", h.Format))
	}
	if h.Orientation < 1 || h.Orientation > 8 {
		h.Orientation = 1
	}
	if h.Frames < 1 {
		h.Frames = 1
	}
	if h.BitDepth == 0 {
		h.BitDepth = 8
	}
	return h, nil
}

// corrupt turns a header parser's error into the error Probe returns: an
// *errs.Error passes through, a short read is a truncated image, anything
// else a corrupt one.
func corrupt(err error) error {
	if e := errs.As(err); e != nil {
		return e
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("truncated header (or longer than %d bytes): %w", ProbeLimit, err)
	}
	return &errs.Error{Code: errs.InvalidArgument, Op: "preview.Probe", Message: msgCorrupt, Err: err}
}

// msgCorrupt is the message of every error about a damaged image.
const msgCorrupt = "the image is damaged or incomplete"

// readFull reads exactly n bytes from r, which must be small: a box or
// segment header, never a payload of the file's choosing beyond 64 KiB.
func readFull(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// skip discards n bytes of r.
func skip(r *bufio.Reader, n int64) error {
	if n < 0 {
		return errors.New("negative length")
	}
	for n > 0 {
		step := n
		if step > 1<<30 {
			step = 1 << 30
		}
		d, err := r.Discard(int(step))
		n -= int64(d)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}
