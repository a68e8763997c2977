package preview

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// probeGIF reads the logical screen descriptor, then walks the blocks to
// count frames and find a transparent colour, skipping the image data. It
// stops at ProbeLimit and reports the frames seen so far.
func probeGIF(r *bufio.Reader) (Header, error) {
	h := Header{Format: GIF, Orientation: 1, Components: 3, Paletted: true}
	d, err := readFull(r, 13)
	if err != nil {
		return h, err
	}
	h.Width = int(binary.LittleEndian.Uint16(d[6:8]))
	h.Height = int(binary.LittleEndian.Uint16(d[8:10]))
	if d[10]&0x80 != 0 {
		if err := skip(r, 3<<(d[10]&7+1)); err != nil {
			return h, err
		}
	}
	for {
		b, err := r.ReadByte()
		if err != nil {
			if h.Frames > 0 && errors.Is(err, io.EOF) {
				return h, nil // the animation runs past ProbeLimit, or lacks its trailer
			}
			return h, err
		}
		switch b {
		case 0x21: // extension
			label, err := r.ReadByte()
			if err != nil {
				return h, err
			}
			if label == 0xf9 { // graphic control: packed byte after the size
				sub, err := r.Peek(2)
				if err != nil {
					return h, err
				}
				if sub[0] >= 1 && sub[1]&1 != 0 {
					h.Alpha = true
				}
			}
			if err := skipSubBlocks(r); err != nil {
				return h, err
			}
		case 0x2c: // image descriptor
			d, err := readFull(r, 9)
			if err != nil {
				return h, err
			}
			if d[8]&0x80 != 0 {
				if err := skip(r, 3<<(d[8]&7+1)); err != nil {
					return h, err
				}
			}
			if _, err := r.ReadByte(); err != nil { // LZW minimum code size
				return h, err
			}
			h.Frames++
			if err := skipSubBlocks(r); err != nil {
				if h.Frames > 1 && errors.Is(err, io.ErrUnexpectedEOF) {
					return h, nil
				}
				return h, err
			}
		case 0x3b: // trailer
			if h.Frames == 0 {
				return h, errors.New("gif: no image")
			}
			return h, nil
		default:
			return h, fmt.Errorf("gif: unknown block %#x", b)
		}
	}
}

// skipSubBlocks skips a chain of data sub-blocks up to its terminator.
func skipSubBlocks(r *bufio.Reader) error {
	for {
		n, err := r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if n == 0 {
			return nil
		}
		if err := skip(r, int64(n)); err != nil {
			return err
		}
	}
}
