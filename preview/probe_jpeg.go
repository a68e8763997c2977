package preview

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// probeJPEG walks a JPEG's segments up to its first scan (SOS), reading
// the frame header (SOFn) for the size and layout, the EXIF orientation
// from APP1, and the JFIF (APP0) and Adobe (APP14) segments that decide
// whether Go's decoder converts the pixels to RGB, and skipping everything
// else. A stream that ends after the frame header (a header alone, or
// one past ProbeLimit) gives the header read so far.
func probeJPEG(r *bufio.Reader) (Header, error) {
	h := Header{Format: JPEG, Orientation: 1}
	if _, err := readFull(r, 2); err != nil { // SOI
		return h, err
	}
	var (
		sof, jfif, adobe bool
		transform        byte
		ids              []byte
	)
	rgb := func() bool {
		// As image/jpeg's isRGB decides, with what it has seen by then.
		if jfif || h.Components != 3 {
			return false
		}
		return (adobe && transform == 0) || string(ids[:3]) == "RGB"
	}
	for {
		marker, err := nextMarker(r)
		if err != nil {
			if sof && errors.Is(err, io.EOF) {
				// Nothing follows that could still change the layout within
				// the probe's reach; a later segment could, so RGB is
				// assumed unless JFIF rules it out.
				h.RGB = !jfif && h.Components == 3
				return h, nil
			}
			return h, err
		}
		switch {
		case marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			continue // standalone markers carry no length
		case !sof && (marker == 0xd9 || marker == 0xda):
			return h, errors.New("jpeg: no frame header before the image data")
		case marker == 0xd9 || marker == 0xda:
			h.RGB = rgb()
			return h, nil
		}
		lb, err := readFull(r, 2)
		if err != nil {
			return h, err
		}
		n := int(binary.BigEndian.Uint16(lb)) - 2
		if n < 0 {
			return h, fmt.Errorf("jpeg: segment %#x has length %d", marker, n+2)
		}
		switch {
		case isSOF(marker):
			if sof {
				return h, errors.New("jpeg: two frame headers")
			}
			sof = true
			seg, err := readFull(r, n)
			if err != nil {
				return h, err
			}
			if len(seg) < 6 {
				return h, errors.New("jpeg: short frame header")
			}
			h.BitDepth = int(seg[0])
			h.Height = int(binary.BigEndian.Uint16(seg[1:3]))
			h.Width = int(binary.BigEndian.Uint16(seg[3:5]))
			h.Components = int(seg[5])
			h.Progressive = marker&3 == 2 // SOF2, SOF6, SOF10, SOF14
			if h.Height == 0 {
				// A height given later by a DNL segment: legal, and so rare
				// that no camera writes it; refusing it keeps the pixel
				// limit checkable up front.
				return h, errors.New("jpeg: height defined by a DNL segment")
			}
			if len(seg) < 6+3*h.Components || h.Components < 1 {
				return h, errors.New("jpeg: short frame header")
			}
			ids = make([]byte, 4)
			for i := 0; i < h.Components && i < 4; i++ {
				ids[i] = seg[6+3*i]
			}
			h.Subsampling = jpegSubsampling(seg[6:], h.Components)
		case marker == 0xe0 && n >= 5:
			seg, err := readFull(r, n)
			if err != nil {
				return h, err
			}
			jfif = jfif || string(seg[:5]) == "JFIF\x00"
		case marker == 0xee && n >= 12:
			seg, err := readFull(r, n)
			if err != nil {
				return h, err
			}
			if string(seg[:5]) == "Adobe" {
				adobe, transform = true, seg[11]
			}
		case marker == 0xe1 && n >= 6:
			seg, err := readFull(r, n)
			if err != nil {
				return h, err
			}
			if bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				if o := exifOrientation(seg[6:]); o != 0 {
					h.Orientation = o
				}
			}
		default:
			if err := skip(r, int64(n)); err != nil {
				return h, err
			}
		}
	}
}

// jpegSubsampling returns the chroma subsampling of a frame's components
// (3 bytes each: id, sampling factors, table) as image/jpeg decodes it:
// from the first two components' factors, 4:4:4 for grey or a layout it
// refuses before allocating.
func jpegSubsampling(comps []byte, n int) image.YCbCrSubsampleRatio {
	if n < 3 {
		return image.YCbCrSubsampleRatio444
	}
	h0, v0 := int(comps[1]>>4), int(comps[1]&15)
	h1, v1 := int(comps[4]>>4), int(comps[4]&15)
	if h1 == 0 || v1 == 0 || h0%h1 != 0 || v0%v1 != 0 {
		return image.YCbCrSubsampleRatio444
	}
	switch (h0/h1)<<4 | v0/v1 {
	case 0x12:
		return image.YCbCrSubsampleRatio440
	case 0x21:
		return image.YCbCrSubsampleRatio422
	case 0x22:
		return image.YCbCrSubsampleRatio420
	case 0x41:
		return image.YCbCrSubsampleRatio411
	case 0x42:
		return image.YCbCrSubsampleRatio410
	}
	return image.YCbCrSubsampleRatio444
}

// nextMarker reads up to and including the next marker byte, skipping fill
// bytes (0xff) before it.
func nextMarker(r *bufio.Reader) (byte, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xff {
		return 0, fmt.Errorf("jpeg: %#x where a marker should be", b)
	}
	for b == 0xff {
		if b, err = r.ReadByte(); err != nil {
			return 0, err
		}
	}
	return b, nil
}

// isSOF reports whether marker starts a frame: SOF0–SOF15 but for DHT
// (0xc4), JPG (0xc8) and DAC (0xcc), which share the range.
func isSOF(marker byte) bool {
	return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
}

// exifOrientation returns the Orientation tag (0x0112) of IFD0 in a TIFF
// structure (an EXIF payload without its "Exif\0\0" prefix), or 0 when it
// has none or cannot be read.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(tiff[2:4]) != 42 {
		return 0
	}
	ifd := int64(bo.Uint32(tiff[4:8]))
	if ifd+2 > int64(len(tiff)) {
		return 0
	}
	count := int64(bo.Uint16(tiff[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the first two bytes of the
		// value field.
		if bo.Uint16(tiff[e+2:]) != 3 {
			return 0
		}
		o := int(bo.Uint16(tiff[e+8:]))
		if o < 1 || o > 8 {
			return 0
		}
		return o
	}
	return 0
}
