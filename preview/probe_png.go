package preview

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
)

// probePNG reads IHDR, then walks the chunks before the first IDAT for
// what changes the picture: tRNS (transparency), acTL (an APNG's frame
// count) and eXIf (orientation).
func probePNG(r *bufio.Reader) (Header, error) {
	h := Header{Format: PNG, Orientation: 1, Frames: 1}
	if _, err := readFull(r, 8); err != nil {
		return h, err
	}
	first := true
	for {
		ch, err := readFull(r, 8)
		if err != nil {
			return h, err
		}
		n := int64(binary.BigEndian.Uint32(ch[:4]))
		typ := string(ch[4:8])
		if n > 1<<31-1 {
			return h, fmt.Errorf("png: chunk %q has length %d", typ, n)
		}
		for _, c := range ch[4:8] {
			if (c|0x20) < 'a' || (c|0x20) > 'z' {
				return h, fmt.Errorf("png: chunk type %q", typ)
			}
		}
		if first != (typ == "IHDR") {
			return h, errors.New("png: IHDR is not the first chunk")
		}
		first = false
		switch typ {
		case "IHDR":
			if n != 13 {
				return h, errors.New("png: IHDR of the wrong length")
			}
			d, err := readFull(r, 13+4)
			if err != nil {
				return h, err
			}
			w, ht := binary.BigEndian.Uint32(d[0:4]), binary.BigEndian.Uint32(d[4:8])
			if w > 1<<31-1 || ht > 1<<31-1 {
				return h, errors.New("png: dimensions overflow")
			}
			h.Width, h.Height = int(w), int(ht)
			h.BitDepth = int(d[8])
			switch colorType := d[9]; colorType {
			case 0:
				h.Components = 1
			case 2:
				h.Components = 3
			case 3:
				h.Components, h.Paletted = 3, true
			case 4:
				h.Components, h.Alpha = 2, true
			case 6:
				h.Components, h.Alpha = 4, true
			default:
				return h, fmt.Errorf("png: colour type %d", colorType)
			}
			h.Progressive = d[12] == 1 // Adam7
		case "tRNS":
			h.Alpha = true
			err = skip(r, n+4)
		case "acTL":
			d, err := readFull(r, int(n)+4)
			if err != nil {
				return h, err
			}
			if n >= 4 {
				if f := binary.BigEndian.Uint32(d[:4]); f > 0 && f < 1<<31 {
					h.Frames = int(f)
				}
			}
		case "eXIf":
			if n > 1<<16 {
				err = skip(r, n+4)
				break
			}
			d, err := readFull(r, int(n)+4)
			if err != nil {
				return h, err
			}
			if o := exifOrientation(d[:n]); o != 0 {
				h.Orientation = o
			}
		case "IDAT", "IEND":
			return h, nil
		default:
			err = skip(r, n+4)
		}
		if err != nil {
			return h, err
		}
	}
}
