package previewtest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"github.com/disintegration/imaging"
)

// The pattern every fixture shows when upright: four quadrants of
// distinct colours, so a rendition turned or mirrored the wrong way shows
// the wrong colour in a corner, whatever its dimensions.
var (
	topLeft     = color.NRGBA{220, 30, 30, 255}  // red
	topRight    = color.NRGBA{30, 200, 30, 255}  // green
	bottomLeft  = color.NRGBA{30, 30, 220, 255}  // blue
	bottomRight = color.NRGBA{230, 230, 40, 255} // yellow
)

// patternW and patternH are the upright pattern's size: wider than tall,
// and larger than a thumbnail, so every renderer has to shrink it.
const patternW, patternH = 640, 480

// Pattern returns the upright test pattern, w×h: red, green, blue and
// yellow quadrants (top left, top right, bottom left, bottom right).
func Pattern(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := topLeft
			switch {
			case x >= w/2 && y < h/2:
				c = topRight
			case x < w/2 && y >= h/2:
				c = bottomLeft
			case x >= w/2 && y >= h/2:
				c = bottomRight
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// stored returns the pixels a camera stores for an upright picture up,
// tagged with EXIF orientation o: the inverse of the turn a viewer applies.
func stored(up *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(up)
	case 3:
		return imaging.Rotate180(up)
	case 4:
		return imaging.FlipV(up)
	case 5:
		return imaging.Transpose(up)
	case 6:
		return imaging.Rotate90(up) // the viewer turns it 90° clockwise
	case 7:
		return imaging.Transverse(up)
	case 8:
		return imaging.Rotate270(up)
	}
	return up
}

// Secrets are byte strings planted in the metadata of the fixtures; none
// may appear in a rendition.
var secrets = []string{"Exif", "GPS-SECRET", "xpacket", "COMMENT-SECRET", "IPTC-SECRET", "Photoshop 3.0"}

// OrientedJPEG returns the test pattern as a JPEG stored with EXIF
// orientation o (1–8), carrying what a phone photo carries: EXIF with a
// GPS position, XMP, IPTC and a comment.
func OrientedJPEG(o int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, stored(Pattern(patternW, patternH), o), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return WithMetadata(buf.Bytes(), o)
}

// WithMetadata returns a JPEG with APP1 EXIF (orientation o and a GPS IFD),
// APP1 XMP, APP13 IPTC and a COM segment inserted after its SOI.
func WithMetadata(jpg []byte, o int) []byte {
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write(segment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(o)...)))
	out.Write(segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<?xpacket begin=''?><x:xmpmeta><rdf:Description GPSLatitude='GPS-SECRET'/></x:xmpmeta><?xpacket end='w'?>")))
	out.Write(segment(0xed, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0fIPTC-SECRET....")))
	out.Write(segment(0xfe, []byte("COMMENT-SECRET from the sender's camera")))
	out.Write(jpg[2:])
	return out.Bytes()
}

// segment returns a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// exifTIFF returns a little-endian TIFF structure: IFD0 with Orientation
// and a GPS IFD pointer, and a GPS IFD whose latitude reference holds a
// planted string.
func exifTIFF(o int) []byte {
	le := binary.LittleEndian
	b := []byte("II*\x00\x08\x00\x00\x00")
	entry := func(tag, typ uint16, count, value uint32) []byte {
		e := make([]byte, 12)
		le.PutUint16(e[0:], tag)
		le.PutUint16(e[2:], typ)
		le.PutUint32(e[4:], count)
		le.PutUint32(e[8:], value)
		return e
	}
	// IFD0 at 8: 2 entries (2+24+4 bytes), GPS IFD at 38.
	b = le.AppendUint16(b, 2)
	b = append(b, entry(0x0112, 3, 1, uint32(o))...)
	b = append(b, entry(0x8825, 4, 1, 38)...)
	b = le.AppendUint32(b, 0)
	// GPS IFD at 38: one ASCII entry whose value lies after it, at 56.
	b = le.AppendUint16(b, 1)
	b = append(b, entry(0x0001, 2, 11, 56)...)
	b = le.AppendUint32(b, 0)
	return append(b, "GPS-SECRET\x00"...)
}

// PNGBytes encodes img as PNG.
func PNGBytes(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// transparentPattern is the pattern with its left half half-transparent.
func transparentPattern() *image.NRGBA {
	img := Pattern(patternW, patternH)
	for y := range patternH {
		for x := range patternW / 2 {
			img.Pix[y*img.Stride+4*x+3] = 128
		}
	}
	return img
}

// pattern16 is the pattern as a 16-bit, opaque RGBA64 image.
func pattern16() image.Image {
	src := Pattern(patternW, patternH)
	img := image.NewRGBA64(src.Rect)
	for y := range patternH {
		for x := range patternW {
			img.Set(x, y, src.At(x, y))
		}
	}
	return img
}

// AnimatedGIF returns a GIF of frames frames of the pattern (w×h) whose
// first frame is the pattern and whose later frames are black: a renderer
// that shows anything but the first frame shows black.
func AnimatedGIF(w, h, frames int) []byte {
	pal := color.Palette{topLeft, topRight, bottomLeft, bottomRight, color.Black}
	first := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	src := Pattern(w, h)
	for y := range h {
		for x := range w {
			first.Set(x, y, src.At(x, y))
		}
	}
	g := &gif.GIF{Image: []*image.Paletted{first}, Delay: []int{10}}
	black := image.NewPaletted(image.Rect(0, 0, min(8, w), min(8, h)), pal)
	for i := range black.Pix {
		black.Pix[i] = 4
	}
	for range frames - 1 {
		g.Image = append(g.Image, black)
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNGHeader returns a PNG with an IHDR of w×h (8-bit RGBA) and a tiny
// zlib stream of zeros: a decompression bomb when w×h is huge.
func PNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	writeChunk(&b, "IHDR", ihdr)
	// A stored-nothing zlib stream: enough for Probe, nowhere near the
	// pixels the header promises.
	writeChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

// InterlacedPNG returns img as an Adam7-interlaced PNG of colour type 6
// (RGBA), of depth 8 or 16: image/png reads such files but does not write
// them.
func InterlacedPNG(img image.Image, depth int) []byte {
	b := img.Bounds()
	var raw bytes.Buffer
	passes := []struct{ x0, y0, dx, dy int }{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	for _, p := range passes {
		if p.x0 >= b.Dx() {
			continue
		}
		for y := p.y0; y < b.Dy(); y += p.dy {
			raw.WriteByte(0) // filter: none
			for x := p.x0; x < b.Dx(); x += p.dx {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				for _, v := range []uint16{c.R, c.G, c.B, c.A} {
					if depth == 16 {
						raw.WriteByte(byte(v >> 8))
					}
					raw.WriteByte(byte(v >> 8))
				}
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(b.Dx()))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(b.Dy()))
	ihdr = append(ihdr, byte(depth), 6, 0, 0, 1)
	writeChunk(&out, "IHDR", ihdr)
	writeChunk(&out, "IDAT", z.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	b.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
}

// JPEGHeader returns a JPEG whose frame header says w×h, followed by no
// image data worth the name.
func JPEGHeader(w, h uint16) []byte {
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	b := append([]byte{0xff, 0xd8}, segment(0xc0, sof)...)
	return append(b, 0xff, 0xd9)
}

// HEIFWithoutImage returns an ftyp of brand heic and a meta box with no
// primary item: a HEIC with no image.
func HEIFWithoutImage() []byte {
	box := func(typ string, body []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
		return append(append(b, typ...), body...)
	}
	ftyp := box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic"))
	hdlr := box("hdlr", append(make([]byte, 8), "pict\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...))
	meta := box("meta", append(make([]byte, 4), hdlr...))
	return append(ftyp, meta...)
}

// Photo returns a w×h picture with what makes photos hard to shrink well:
// sensor noise, sharp edges at every angle and fine detail near the pixel
// pitch, over smooth shading. No filter gets it right by accident.
func Photo(w, h int, seed uint64) *image.YCbCr {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	// Shapes: discs with hard edges.
	type disc struct{ x, y, r2, v float64 }
	discs := make([]disc, 40)
	for i := range discs {
		r := float64(min(w, h)) * (0.02 + 0.15*rng.Float64())
		discs[i] = disc{rng.Float64() * float64(w), rng.Float64() * float64(h), r * r, 40 + 180*rng.Float64()}
	}
	lum := make([]float64, w*h)
	for y := range h {
		for x := range w {
			lum[y*w+x] = 110 + 60*math.Sin(float64(x)/float64(w)*5+float64(y)/float64(h)*3) // shading
		}
	}
	for _, d := range discs {
		r := math.Sqrt(d.r2)
		for y := max(0, int(d.y-r)); y < min(h, int(d.y+r)+1); y++ {
			for x := max(0, int(d.x-r)); x < min(w, int(d.x+r)+1); x++ {
				if dx, dy := float64(x)-d.x, float64(y)-d.y; dx*dx+dy*dy < d.r2 {
					lum[y*w+x] = d.v
				}
			}
		}
	}
	for y := range h {
		for x := range w {
			v := lum[y*w+x]
			if (x/3+y/7)%11 == 0 { // fine stripes
				v += 35
			}
			v += rng.NormFloat64() * 12 // noise
			img.Y[y*img.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := range ch {
		for x := range cw {
			img.Cb[y*img.CStride+x] = uint8(128 + 50*math.Sin(float64(x)/37) + rng.NormFloat64()*6)
			img.Cr[y*img.CStride+x] = uint8(128 + 50*math.Cos(float64(y)/23) + rng.NormFloat64()*6)
		}
	}
	return img
}

// PhotoJPEG returns Photo encoded as a JPEG at quality 90, as a phone
// camera would.
func PhotoJPEG(w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Photo(w, h, 1), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
