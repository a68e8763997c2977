package preview

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// probeWebP reads the first chunk of a WebP (VP8, VP8L or VP8X) for the
// dimensions and, for an extended file, walks on to count animation frames.
func probeWebP(r *bufio.Reader) (Header, error) {
	h := Header{Format: WebP, Orientation: 1, Components: 3}
	if _, err := readFull(r, 12); err != nil {
		return h, err
	}
	ch, err := readFull(r, 8)
	if err != nil {
		return h, err
	}
	n := int64(binary.LittleEndian.Uint32(ch[4:8]))
	switch string(ch[:4]) {
	case "VP8 ":
		d, err := readFull(r, 10)
		if err != nil {
			return h, err
		}
		if d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return h, errors.New("webp: bad VP8 start code")
		}
		h.Width = int(binary.LittleEndian.Uint16(d[6:8]) & 0x3fff)
		h.Height = int(binary.LittleEndian.Uint16(d[8:10]) & 0x3fff)
		h.DataBytes = n
		return h, nil
	case "VP8L":
		d, err := readFull(r, 5)
		if err != nil {
			return h, err
		}
		if d[0] != 0x2f {
			return h, errors.New("webp: bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(d[1:5])
		h.Width = int(bits&0x3fff) + 1
		h.Height = int(bits>>14&0x3fff) + 1
		h.Alpha = bits>>28&1 != 0
		h.Lossless, h.DataBytes = true, n
		return h, nil
	case "VP8X":
		if n < 10 {
			return h, errors.New("webp: short VP8X chunk")
		}
		d, err := readFull(r, 10)
		if err != nil {
			return h, err
		}
		h.Alpha = d[0]&0x10 != 0
		animated := d[0]&0x02 != 0
		h.Width = int(uint32(d[4])|uint32(d[5])<<8|uint32(d[6])<<16) + 1
		h.Height = int(uint32(d[7])|uint32(d[8])<<8|uint32(d[9])<<16) + 1
		if err := skip(r, n-10+n&1); err != nil {
			if !animated && errors.Is(err, io.ErrUnexpectedEOF) {
				return h, nil // a header alone: its image is unknown
			}
			return h, err
		}
		if !animated {
			findWebPImage(r, &h)
			return h, nil
		}
		return h, countWebPFrames(r, &h)
	}
	return h, fmt.Errorf("webp: unknown first chunk %q", ch[:4])
}

// findWebPImage walks an extended WebP's chunks up to its image (VP8 or
// VP8L) and records which it is and, in DataBytes, its length and its
// alpha chunk's. It leaves DataBytes 0 when the image lies past the
// stream's end or ProbeLimit, or a chunk is malformed.
func findWebPImage(r *bufio.Reader, h *Header) {
	var alpha int64
	for {
		ch, err := readFull(r, 8)
		if err != nil {
			return
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch string(ch[:4]) {
		case "ALPH":
			alpha = n
		case "VP8 ":
			h.DataBytes = n + alpha
			return
		case "VP8L":
			h.Lossless, h.DataBytes = true, n
			return
		}
		if skip(r, n+n&1) != nil {
			return
		}
	}
}

// countWebPFrames counts ANMF chunks up to the end of the stream or
// ProbeLimit.
func countWebPFrames(r *bufio.Reader, h *Header) error {
	for {
		ch, err := readFull(r, 8)
		if err != nil {
			if h.Frames > 0 && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		if string(ch[:4]) == "ANMF" {
			h.Frames++
		}
		if err := skip(r, n+n&1); err != nil {
			if h.Frames > 0 && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
	}
}
