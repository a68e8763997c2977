package filter

import (
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
)

// dimensionsFunc reads an image's width and height from its header.
type dimensionsFunc func(r io.Reader) (w, h int, err error)

// dimensionsReader returns the header reader for an image content type, or
// false for a type it cannot measure. None of them decodes pixels: each
// reads up to the header that gives the size, and stops.
func dimensionsReader(contentType string) (dimensionsFunc, bool) {
	switch contentType {
	case "image/png":
		return fromConfig(png.DecodeConfig), true
	case "image/jpeg":
		return fromConfig(jpeg.DecodeConfig), true
	case "image/gif":
		return fromConfig(gif.DecodeConfig), true
	case "image/webp":
		return webpDimensions, true
	}
	return nil, false
}

// fromConfig adapts a standard library DecodeConfig, which reads the header
// only.
func fromConfig(decodeConfig func(io.Reader) (image.Config, error)) dimensionsFunc {
	return func(r io.Reader) (int, int, error) {
		c, err := decodeConfig(r)
		return c.Width, c.Height, err
	}
}

// webpDimensions reads the canvas size from the first chunk of a WebP file:
// lossy (VP8), lossless (VP8L) or extended (VP8X). The standard library has
// no WebP decoder; the three layouts are in RFC 9649.
func webpDimensions(r io.Reader) (int, int, error) {
	var h [30]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, err
	}
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WEBP" {
		return 0, 0, errors.New("webp: not a RIFF WEBP file")
	}
	le := binary.LittleEndian
	switch string(h[12:16]) {
	case "VP8 ":
		// A 3-byte frame tag, the start code, then 14-bit width and height.
		if h[23] != 0x9d || h[24] != 0x01 || h[25] != 0x2a {
			return 0, 0, errors.New("webp: bad VP8 start code")
		}
		return int(le.Uint16(h[26:28]) & 0x3fff), int(le.Uint16(h[28:30]) & 0x3fff), nil
	case "VP8L":
		// A signature byte, then width-1 and height-1 in 14 bits each.
		if h[20] != 0x2f {
			return 0, 0, errors.New("webp: bad VP8L signature")
		}
		bits := le.Uint32(h[21:25])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8X":
		// Flags, 3 reserved bytes, then canvas width-1 and height-1 in 24
		// bits each.
		return int(uint24(h[24:27])) + 1, int(uint24(h[27:30])) + 1, nil
	}
	return 0, 0, errors.New("webp: unknown first chunk")
}

func uint24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }
