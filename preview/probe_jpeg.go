package preview

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// probeJPEG walks a JPEG's segments up to its frame header (SOFn), reading
// the EXIF orientation from APP1 on the way and skipping everything else.
func probeJPEG(r *bufio.Reader) (Header, error) {
	h := Header{Format: JPEG, Orientation: 1}
	if _, err := readFull(r, 2); err != nil { // SOI
		return h, err
	}
	for {
		marker, err := nextMarker(r)
		if err != nil {
			return h, err
		}
		switch {
		case marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			continue // standalone markers carry no length
		case marker == 0xd9 || marker == 0xda:
			return h, errors.New("jpeg: no frame header before the image data")
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
			if h.Height == 0 {
				// A height given later by a DNL segment: legal, and so rare
				// that no camera writes it; refusing it keeps the pixel
				// limit checkable up front.
				return h, errors.New("jpeg: height defined by a DNL segment")
			}
			return h, nil
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
