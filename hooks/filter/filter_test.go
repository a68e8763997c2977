package filter_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/filter"
	"github.com/attachkit/attachments/internal/hookstest"
)

// pngHeader returns a PNG that claims w×h pixels and holds none: a
// signature, an IHDR chunk and an IEND chunk.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	chunk("IHDR", append(ihdr, 8, 0, 0, 0, 0)) // 8-bit grey, no interlace
	chunk("IEND", nil)
	return b.Bytes()
}

func jpegOf(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func gifOf(w, h int) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// webpOf returns the header of a WebP file whose first chunk is kind
// ("VP8 ", "VP8L" or "VP8X") with a w×h canvas, padded with zeros.
func webpOf(kind string, w, h int) []byte {
	data := make([]byte, 32)
	switch kind {
	case "VP8 ":
		copy(data[3:], []byte{0x9d, 0x01, 0x2a})
		binary.LittleEndian.PutUint16(data[6:], uint16(w))
		binary.LittleEndian.PutUint16(data[8:], uint16(h))
	case "VP8L":
		data[0] = 0x2f
		binary.LittleEndian.PutUint32(data[1:], uint32(w-1)|uint32(h-1)<<14)
	case "VP8X":
		put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
		put24(data[4:], w-1)
		put24(data[7:], h-1)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+len(data)))
	b.WriteString("WEBP" + kind)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

func TestImageLimits(t *testing.T) {
	tests := []struct {
		name  string
		rules filter.Rules
		file  string
		body  []byte
		want  errs.Code
	}{
		{"png under pixels", filter.Rules{MaxPixels: 100}, "a.png", hookstest.PNG(10, 10), ""},
		{"png over pixels", filter.Rules{MaxPixels: 99}, "a.png", hookstest.PNG(10, 10), errs.FileTooLarge},
		{"png bomb, header only", filter.Rules{MaxPixels: 50_000_000}, "bomb.png", pngHeader(100_000, 100_000), errs.FileTooLarge},
		{"png bomb within limits", filter.Rules{MaxPixels: 1 << 62}, "bomb.png", pngHeader(100_000, 100_000), ""},
		{"png damaged", filter.Rules{MaxPixels: 100}, "a.png", pngHeader(10, 10)[:20], errs.InvalidPayload},
		{"jpeg too wide", filter.Rules{MaxWidth: 200}, "a.jpg", jpegOf(201, 8), errs.FileTooLarge},
		{"jpeg wide enough", filter.Rules{MaxWidth: 201}, "a.jpg", jpegOf(201, 8), ""},
		{"gif too high", filter.Rules{MaxHeight: 50}, "a.gif", gifOf(8, 51), errs.FileTooLarge},
		{"gif high enough", filter.Rules{MaxHeight: 51}, "a.gif", gifOf(8, 51), ""},
		{"webp lossy over", filter.Rules{MaxPixels: 16_000_000}, "a.webp", webpOf("VP8 ", 5000, 4000), errs.FileTooLarge},
		{"webp lossy under", filter.Rules{MaxPixels: 20_000_000}, "a.webp", webpOf("VP8 ", 5000, 4000), ""},
		{"webp lossless over", filter.Rules{MaxWidth: 1000}, "a.webp", webpOf("VP8L", 1001, 2), errs.FileTooLarge},
		{"webp lossless under", filter.Rules{MaxWidth: 1001}, "a.webp", webpOf("VP8L", 1001, 2), ""},
		{"webp extended over", filter.Rules{MaxHeight: 16383}, "a.webp", webpOf("VP8X", 2, 16384), errs.FileTooLarge},
		{"webp extended under", filter.Rules{MaxHeight: 16384}, "a.webp", webpOf("VP8X", 2, 16384), ""},
		{"not an image", filter.Rules{MaxPixels: 1}, "notes.txt", []byte("hello\n"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			if _, err := filter.Install(f.Client, tt.rules); err != nil {
				t.Fatal(err)
			}
			_, err := f.Send(context.Background(), f.Customer, tt.file, tt.body)
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("Send = %v, want code %q", err, tt.want)
			}
			if tt.want != "" {
				if keys := f.Keys(t); len(keys) != 0 {
					t.Errorf("storage after a refusal holds %q, want nothing", keys)
				}
			}
		})
	}
}

// The sender learns what to send instead.
func TestImageRefusalMessage(t *testing.T) {
	f := hookstest.New(t)
	if _, err := filter.Install(f.Client, filter.Rules{MaxWidth: 100}); err != nil {
		t.Fatal(err)
	}
	_, err := f.Send(context.Background(), f.Customer, "wide.png", hookstest.PNG(120, 5))
	e := errs.As(err)
	want := "the image is too large (120×5 pixels); send one at most 100 pixels wide"
	if e == nil || e.Text() != want || e.Details.Reason != "120x5 pixels" || e.Details.SniffedType != "image/png" {
		t.Errorf("refusal = %+v, want message %q", e, want)
	}
}

func TestOnlyFor(t *testing.T) {
	rules := filter.Rules{OnlyFor: map[string][]attachments.Side{
		"application/pdf": {attachments.SideAgent},
		"Image/*":         {attachments.SideAgent, attachments.SideCustomer},
		"image/gif":       {attachments.SideAgent},
	}}
	tests := []struct {
		name string
		who  func(*hookstest.Fixture) attachments.Member
		file string
		body []byte
		want errs.Code
	}{
		{"agent sends a pdf", func(f *hookstest.Fixture) attachments.Member { return f.Agent }, "terms.pdf", []byte(pdf), ""},
		{"customer sends a pdf", func(f *hookstest.Fixture) attachments.Member { return f.Customer }, "terms.pdf", []byte(pdf), errs.TypeNotAllowed},
		{"customer sends a png", func(f *hookstest.Fixture) attachments.Member { return f.Customer }, "a.png", hookstest.PNG(1, 1), ""},
		{"customer sends a gif: both keys match", func(f *hookstest.Fixture) attachments.Member { return f.Customer }, "a.gif", gifOf(1, 1), errs.TypeNotAllowed},
		{"agent sends a gif", func(f *hookstest.Fixture) attachments.Member { return f.Agent }, "a.gif", gifOf(1, 1), ""},
		{"customer sends text, no rule", func(f *hookstest.Fixture) attachments.Member { return f.Customer }, "a.txt", []byte("hi\n"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			if _, err := filter.Install(f.Client, rules); err != nil {
				t.Fatal(err)
			}
			_, err := f.Attach(context.Background(), tt.who(f), tt.file, tt.body)
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("Attach = %v, want code %q", err, tt.want)
			}
			if tt.want != "" && errs.As(err).Text() != "you cannot send this type of file here" {
				t.Errorf("refusal message = %q", errs.As(err).Text())
			}
		})
	}
}

func TestInstallChecksRules(t *testing.T) {
	f := hookstest.New(t)
	agent := []attachments.Side{attachments.SideAgent}
	tests := []struct {
		name  string
		rules filter.Rules
	}{
		{"no rules", filter.Rules{}},
		{"negative pixels", filter.Rules{MaxPixels: -1}},
		{"negative width", filter.Rules{MaxWidth: -1, MaxPixels: 10}},
		{"no slash", filter.Rules{OnlyFor: map[string][]attachments.Side{"pdf": agent}}},
		{"any type", filter.Rules{OnlyFor: map[string][]attachments.Side{"*/*": agent}}},
		{"partial wildcard", filter.Rules{OnlyFor: map[string][]attachments.Side{"image/p*": agent}}},
		{"parameters", filter.Rules{OnlyFor: map[string][]attachments.Side{"text/plain; charset=utf-8": agent}}},
		{"no side", filter.Rules{OnlyFor: map[string][]attachments.Side{"application/pdf": nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remove, err := filter.Install(f.Client, tt.rules)
			if errs.CodeOf(err) != errs.InvalidConfig || remove != nil {
				t.Errorf("Install(%+v) = %v, want %q", tt.rules, err, errs.InvalidConfig)
			}
		})
	}
}

// Removing the filter lets files through again; a caller's map changed later
// changes nothing.
func TestRemoveAndOwnership(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	only := map[string][]attachments.Side{"image/*": {attachments.SideAgent}}
	remove, err := filter.Install(f.Client, filter.Rules{OnlyFor: only})
	if err != nil {
		t.Fatal(err)
	}
	only["image/*"] = append(only["image/*"], attachments.SideCustomer)
	if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, 1)); errs.CodeOf(err) != errs.TypeNotAllowed {
		t.Errorf("Send after the caller changed its map = %v, want %q", err, errs.TypeNotAllowed)
	}
	remove()
	if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, 1)); err != nil {
		t.Errorf("Send after remove = %v, want it through", err)
	}
}

// A file swapped in after the guard, never stored, is refused rather than
// let through unchecked.
func TestRefusesUnstoredFile(t *testing.T) {
	f := hookstest.New(t)
	if _, err := attachments.OnBefore(f.Client.Registry(), attachments.AttachFile,
		func(_ context.Context, p attachments.AttachFilePayload) (attachments.AttachFilePayload, error) {
			p.File = &attachments.File{Name: "bomb.png", Body: bytes.NewReader(pngHeader(100_000, 100_000))}
			return p, nil
		}); err != nil {
		t.Fatal(err)
	}
	if _, err := filter.Install(f.Client, filter.Rules{MaxPixels: 100}); err != nil {
		t.Fatal(err)
	}
	_, err := f.Attach(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1))
	if errs.CodeOf(err) != errs.InvalidPayload {
		t.Errorf("Attach with a swapped file = %v, want %q", err, errs.InvalidPayload)
	}
}
