package preview

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// heifBrands are the ftyp brands of HEIF images: HEIC and its siblings,
// and the generic mif1 and msf1.
var heifBrands = []string{"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"}

// avifBrands are the brands of AVIF, which shares HEIF's container (and
// mif1) but not its codec: no renderer here decodes it.
var avifBrands = []string{"avif", "avis"}

// probeHEIF checks the ftyp brands, finds the top-level meta box and reads
// from it the primary item's ispe (size), irot and imir (orientation), and
// whether an alpha auxiliary image belongs to it.
func probeHEIF(r *bufio.Reader) (Header, error) {
	h := Header{Format: HEIF, Orientation: 1, Frames: 1, Components: 3}
	sawFtyp := false
	for {
		typ, body, err := readBox(r)
		if err != nil {
			return h, err
		}
		switch typ {
		case "ftyp":
			if !isHEIFBrand(body) {
				return h, errUnsupported("preview.Probe")
			}
			sawFtyp = true
		case "meta":
			if !sawFtyp {
				return h, errors.New("heif: meta before ftyp")
			}
			return h, parseHEIFMeta(body, &h)
		}
	}
}

// isHEIFBrand reports whether an ftyp body names a HEIF brand, as major
// or compatible brand, and no AVIF brand.
func isHEIFBrand(ftyp []byte) bool {
	heif := false
	for i := 0; i+4 <= len(ftyp); i += 4 {
		if i == 4 {
			continue // minor version
		}
		brand := string(ftyp[i : i+4])
		if slices.Contains(avifBrands, brand) {
			return false
		}
		heif = heif || slices.Contains(heifBrands, brand)
	}
	return heif
}

// readBox reads one top-level box. It reads ftyp's and meta's bodies, which
// are small, into memory and skips any other (mdat) without reading it.
func readBox(r *bufio.Reader) (string, []byte, error) {
	hd, err := readFull(r, 8)
	if err != nil {
		return "", nil, err
	}
	size := int64(binary.BigEndian.Uint32(hd[:4]))
	typ := string(hd[4:8])
	hdr := int64(8)
	switch size {
	case 1:
		ext, err := readFull(r, 8)
		if err != nil {
			return "", nil, err
		}
		size, hdr = int64(binary.BigEndian.Uint64(ext)), 16
	case 0:
		return "", nil, fmt.Errorf("heif: box %q runs to the end of the file before meta", typ)
	}
	if size < hdr {
		return "", nil, fmt.Errorf("heif: box %q has size %d", typ, size)
	}
	n := size - hdr
	if typ != "ftyp" && typ != "meta" {
		return typ, nil, skip(r, n)
	}
	if n > ProbeLimit {
		return "", nil, fmt.Errorf("heif: %q box of %d bytes", typ, n)
	}
	body, err := readFull(r, int(n))
	return typ, body, err
}

// boxes splits a sequence of boxes held in memory.
func boxes(b []byte, each func(typ string, body []byte) error) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return errors.New("heif: truncated box")
		}
		size := uint64(binary.BigEndian.Uint32(b[:4]))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 1:
			if len(b) < 16 {
				return errors.New("heif: truncated box")
			}
			size, hdr = binary.BigEndian.Uint64(b[8:16]), 16
		case 0:
			size = uint64(len(b))
		}
		if size < hdr || size > uint64(len(b)) {
			return fmt.Errorf("heif: box %q has size %d of %d", typ, size, len(b))
		}
		if err := each(typ, b[hdr:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

// heifMeta is what parseHEIFMeta gathers from a meta box.
type heifMeta struct {
	primary uint32
	props   [][]byte            // ipco's children, as box type + body, 1-based in ipma
	assoc   map[uint32][]int    // item → property indices
	auxl    map[uint32][]uint32 // auxiliary item → the items it belongs to
}

// parseHEIFMeta reads the primary item's properties from a meta box body.
func parseHEIFMeta(meta []byte, h *Header) error {
	if len(meta) < 4 {
		return errors.New("heif: short meta box")
	}
	m := heifMeta{assoc: map[uint32][]int{}, auxl: map[uint32][]uint32{}}
	hasPrimary := false
	err := boxes(meta[4:], func(typ string, b []byte) error {
		switch typ {
		case "pitm":
			if len(b) < 6 {
				return errors.New("heif: short pitm")
			}
			if b[0] == 0 {
				m.primary = uint32(binary.BigEndian.Uint16(b[4:6]))
			} else if len(b) >= 8 {
				m.primary = binary.BigEndian.Uint32(b[4:8])
			}
			hasPrimary = true
		case "iprp":
			return boxes(b, func(typ string, b []byte) error {
				switch typ {
				case "ipco":
					return boxes(b, func(typ string, b []byte) error {
						m.props = append(m.props, append([]byte(typ), b...))
						return nil
					})
				case "ipma":
					return parseIPMA(b, m.assoc)
				}
				return nil
			})
		case "iref":
			return parseIREF(b, m.auxl)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !hasPrimary {
		return errors.New("heif: no primary image")
	}
	var rot, mirror = 0, -1
	for _, i := range m.assoc[m.primary] {
		if i < 1 || i > len(m.props) {
			return fmt.Errorf("heif: property %d of %d", i, len(m.props))
		}
		p := m.props[i-1]
		typ, b := string(p[:4]), p[4:]
		switch typ {
		case "ispe":
			if len(b) < 12 {
				return errors.New("heif: short ispe")
			}
			w, ht := binary.BigEndian.Uint32(b[4:8]), binary.BigEndian.Uint32(b[8:12])
			if w > 1<<30 || ht > 1<<30 {
				return errors.New("heif: dimensions overflow")
			}
			h.Width, h.Height = int(w), int(ht)
		case "irot":
			if len(b) >= 1 {
				rot = int(b[0] & 3)
			}
		case "imir":
			if len(b) >= 1 {
				mirror = int(b[0] & 1)
			}
		case "pixi":
			if len(b) >= 6 && b[4] > 0 {
				h.Components = int(b[4])
				h.BitDepth = int(b[5])
			}
		}
	}
	for aux, owners := range m.auxl {
		for _, o := range owners {
			if o == m.primary && m.isAlpha(aux) {
				h.Alpha = true
			}
		}
	}
	h.Orientation = heifOrientation(rot, mirror)
	return nil
}

// isAlpha reports whether an item's auxC property says it is an alpha
// plane.
func (m heifMeta) isAlpha(item uint32) bool {
	for _, i := range m.assoc[item] {
		if i >= 1 && i <= len(m.props) && string(m.props[i-1][:4]) == "auxC" {
			if strings.Contains(string(m.props[i-1][4:]), "alpha") || strings.Contains(string(m.props[i-1][4:]), "auxid:1") {
				return true
			}
		}
	}
	return false
}

// parseIPMA reads item property associations into assoc.
func parseIPMA(b []byte, assoc map[uint32][]int) error {
	if len(b) < 8 {
		return errors.New("heif: short ipma")
	}
	version, flags := b[0], b[3]
	count := binary.BigEndian.Uint32(b[4:8])
	b = b[8:]
	for range count {
		var item uint32
		if version < 1 {
			if len(b) < 2 {
				return errors.New("heif: short ipma")
			}
			item, b = uint32(binary.BigEndian.Uint16(b)), b[2:]
		} else {
			if len(b) < 4 {
				return errors.New("heif: short ipma")
			}
			item, b = binary.BigEndian.Uint32(b), b[4:]
		}
		if len(b) < 1 {
			return errors.New("heif: short ipma")
		}
		n := int(b[0])
		b = b[1:]
		for range n {
			if flags&1 != 0 {
				if len(b) < 2 {
					return errors.New("heif: short ipma")
				}
				assoc[item] = append(assoc[item], int(binary.BigEndian.Uint16(b)&0x7fff))
				b = b[2:]
			} else {
				if len(b) < 1 {
					return errors.New("heif: short ipma")
				}
				assoc[item] = append(assoc[item], int(b[0]&0x7f))
				b = b[1:]
			}
		}
	}
	return nil
}

// parseIREF reads the auxl references of an iref box: which auxiliary
// item belongs to which image.
func parseIREF(b []byte, auxl map[uint32][]uint32) error {
	if len(b) < 4 {
		return errors.New("heif: short iref")
	}
	wide := b[0] != 0
	return boxes(b[4:], func(typ string, b []byte) error {
		id := func() (uint32, bool) {
			if wide {
				if len(b) < 4 {
					return 0, false
				}
				v := binary.BigEndian.Uint32(b)
				b = b[4:]
				return v, true
			}
			if len(b) < 2 {
				return 0, false
			}
			v := uint32(binary.BigEndian.Uint16(b))
			b = b[2:]
			return v, true
		}
		from, ok := id()
		if !ok || len(b) < 2 {
			return errors.New("heif: short reference")
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		for range n {
			to, ok := id()
			if !ok {
				return errors.New("heif: short reference")
			}
			if typ == "auxl" {
				auxl[from] = append(auxl[from], to)
			}
		}
		return nil
	})
}

// heifOrientation maps HEIF's transformations — imir (mirror about a
// vertical axis when 0, horizontal when 1; -1 for none) applied after irot
// (anticlockwise quarter turns) — to the EXIF orientation that shows the
// same picture. HEIF orders them the other way round from EXIF: the
// rotation is applied first.
func heifOrientation(rot, mirror int) int {
	// EXIF orientation by anticlockwise quarter turns, then with a
	// horizontal flip (mirror about the vertical axis) after the turn.
	plain := [4]int{1, 8, 3, 6}
	flipped := [4]int{2, 7, 4, 5}
	switch mirror {
	case -1:
		return plain[rot]
	case 0:
		return flipped[rot]
	default:
		// A flip about the horizontal axis is a flip about the vertical
		// one and half a turn.
		return flipped[(rot+2)%4]
	}
}
