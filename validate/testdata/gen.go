//go:build ignore

// gen writes the sample files of validate's tests into this directory:
// genuine small files made with the standard library where it can (PNG,
// JPEG, GIF, zip, docx, xlsx, pptx), minimal valid headers otherwise (PDF,
// WebP, HEIC, MP4, MOV, M4A, MP3, AMR, PE, ELF, Mach-O, MSI, DOC), and text.
// The output is the same on every run.
//
// Run it from the validate directory: go run testdata/gen.go
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	files := map[string][]byte{
		"photo.png":     pngImage(16, 16, false),
		"photo-4k.png":  pngImage(63, 63, true),
		"photo.jpg":     jpegImage(),
		"anim.gif":      gifImage(),
		"photo.webp":    webp(),
		"photo.heic":    isoFile("heic", "mif1", "heic"),
		"clip.mp4":      isoFile("isom", "isom", "iso2", "avc1", "mp41"),
		"clip.mov":      isoFile("qt  ", "qt  "),
		"voice.m4a":     isoFile("M4A ", "M4A ", "mp42", "isom"),
		"song.mp3":      mp3(),
		"voice.amr":     amr(),
		"doc.pdf":       pdf(),
		"report.docx":   office("word/document.xml", docxBody, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"sheet.xlsx":    office("xl/workbook.xml", xlsxBody, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
		"slides.pptx":   office("ppt/presentation.xml", pptxBody, "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
		"archive.zip":   zipFile([][2]string{{"readme.txt", "hello\n"}, {"data/numbers.csv", "a,b\n1,2\n"}}),
		"tool.jar":      zipFile([][2]string{{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: Tool\r\n\r\n"}, {"Tool.class", "\xca\xfe\xba\xbe\x00\x00\x00\x34"}}),
		"program.exe":   pe(),
		"program.elf":   elf(),
		"program.macho": machO(),
		"installer.msi": ole(msiCLSID),
		"memo.doc":      ole([16]byte{}),
		"script.sh":     []byte("#!/bin/sh\necho hello\n"),
		"script.bat":    []byte("@echo off\r\necho hello\r\n"),
		"notes.txt":     []byte("Meeting notes\n\n- ship the release – on Friday\n- café at 10:00 ☕\n"),
		"table.csv":     []byte("name,qty,price\nwidget,2,3.50\n\"gadget, large\",1,12.00\n"),
		"data.json":     []byte("{\"order\": 1234, \"items\": [{\"sku\": \"A-1\", \"qty\": 2}], \"paid\": true}\n"),
		"page.html":     []byte("<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"),
		"logo.svg":      []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(1)</script><rect width=\"10\" height=\"10\"/></svg>\n"),
		"feed.xml":      []byte("<?xml version=\"1.0\"?>\n<feed><entry>1</entry></feed>\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// pngImage is a w×h PNG: a colour gradient, or grey noise that does not
// compress (63×63 makes a 4 KiB file).
func pngImage(w, h int, noisy bool) []byte {
	var img image.Image
	if noisy {
		g := image.NewGray(image.Rect(0, 0, w, h))
		r := rand.New(rand.NewPCG(1, 2))
		for i := range g.Pix {
			g.Pix[i] = uint8(r.IntN(256))
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
			}
		}
		img = c
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func gifImage() []byte {
	pal := color.Palette{color.Black, color.White}
	var frames []*image.Paletted
	for i := 0; i < 2; i++ {
		f := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
		f.SetColorIndex(i, i, 1)
		frames = append(frames, f)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: frames, Delay: []int{10, 10}}); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// webp is a 1×1 lossless WebP.
func webp() []byte {
	vp8l := []byte{0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+len(vp8l)))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(len(vp8l)-1))
	b.Write(vp8l)
	return b.Bytes()
}

// box returns an ISO base media box.
func box(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// isoFile is an ftyp box with the brands, a free box and an empty mdat.
func isoFile(major string, compatible ...string) []byte {
	ftyp := append([]byte(major), 0, 0, 2, 0)
	for _, c := range compatible {
		ftyp = append(ftyp, c...)
	}
	out := box("ftyp", ftyp)
	out = append(out, box("free", make([]byte, 8))...)
	return append(out, box("mdat", make([]byte, 64))...)
}

// mp3 is an ID3v2.3 tag followed by three silent MPEG-1 layer III frames
// (128 kbit/s, 44.1 kHz, 417 bytes each).
func mp3() []byte {
	b := []byte("ID3\x03\x00\x00\x00\x00\x00\x00")
	for i := 0; i < 3; i++ {
		frame := make([]byte, 417)
		copy(frame, []byte{0xFF, 0xFB, 0x90, 0x64})
		b = append(b, frame...)
	}
	return b
}

// amr is the AMR-NB header and five 12.2 kbit/s frames.
func amr() []byte {
	b := []byte("#!AMR\n")
	for i := 0; i < 5; i++ {
		frame := make([]byte, 32)
		frame[0] = 0x3C
		b = append(b, frame...)
	}
	return b
}

// pdf is a one-page PDF with a correct cross-reference table.
func pdf() []byte {
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

var modified = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// zipFile is a zip archive of the entries, in order, deflated.
func zipFile(entries [][2]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Deflate, Modified: modified})
		if err != nil {
			log.Fatal(err)
		}
		f.Write([]byte(e[1]))
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

const (
	docxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`
	xlsxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`
	pptxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`
)

// office is an Office Open XML package in the order Office writes it:
// [Content_Types].xml, _rels/.rels, then the main part.
func office(part, body, contentType string) []byte {
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/` + part + `" ContentType="` + contentType + `"/></Types>`
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="` + part + `"/></Relationships>`
	return zipFile([][2]string{{"[Content_Types].xml", types}, {"_rels/.rels", rels}, {part, body}})
}

// pe is the headers of a 64-bit Windows executable with no sections: a DOS
// header pointing at the PE signature, a COFF header and a PE32+ optional
// header.
func pe() []byte {
	b := make([]byte, 0x40+4+20+240)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3C:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	coff := b[0x44:]
	binary.LittleEndian.PutUint16(coff[0:], 0x8664) // AMD64
	binary.LittleEndian.PutUint16(coff[16:], 240)   // size of optional header
	binary.LittleEndian.PutUint16(coff[18:], 0x22)  // executable, large address aware
	opt := b[0x44+20:]
	binary.LittleEndian.PutUint16(opt[0:], 0x20B) // PE32+
	binary.LittleEndian.PutUint16(opt[68:], 3)    // console subsystem
	return b
}

// elf is a 64-bit little-endian x86-64 executable header with one PT_LOAD
// program header.
func elf() []byte {
	b := make([]byte, 64+56)
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], 0x3E) // x86-64
	le.PutUint32(b[20:], 1)    // version
	le.PutUint64(b[24:], 0x400078)
	le.PutUint64(b[32:], 64) // program headers follow
	le.PutUint16(b[52:], 64) // header size
	le.PutUint16(b[54:], 56) // program header size
	le.PutUint16(b[56:], 1)  // one program header
	ph := b[64:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // read, execute
	le.PutUint64(ph[16:], 0x400000)
	return b
}

// machO is a 64-bit x86-64 Mach-O executable header with no load commands.
func machO() []byte {
	b := make([]byte, 32)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 0xFEEDFACF)
	le.PutUint32(b[4:], 0x01000007) // x86-64
	le.PutUint32(b[8:], 3)
	le.PutUint32(b[12:], 2) // MH_EXECUTE
	return b
}

// msiCLSID is the class of a Windows Installer package's root storage,
// {000C1084-0000-0000-C000-000000000046}, as stored.
var msiCLSID = [16]byte{0x84, 0x10, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// ole is a version 3 compound file of three 512-byte sectors: the header,
// the directory (sector 0) with a root storage of the given class, and the
// FAT (sector 1).
func ole(clsid [16]byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 512*3)
	copy(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	le.PutUint16(b[24:], 0x3E)   // minor version
	le.PutUint16(b[26:], 3)      // major version
	le.PutUint16(b[28:], 0xFFFE) // little-endian
	le.PutUint16(b[30:], 9)      // 512-byte sectors
	le.PutUint16(b[32:], 6)      // 64-byte mini sectors
	le.PutUint32(b[44:], 1)      // one FAT sector
	le.PutUint32(b[48:], 0)      // directory starts at sector 0
	le.PutUint32(b[56:], 4096)   // mini stream cutoff
	le.PutUint32(b[60:], 0xFFFFFFFE)
	le.PutUint32(b[68:], 0xFFFFFFFE)
	le.PutUint32(b[76:], 1) // DIFAT[0]: the FAT is sector 1
	for i := 80; i < 512; i += 4 {
		le.PutUint32(b[i:], 0xFFFFFFFF)
	}
	dir := b[512:1024]
	for i, r := range "Root Entry" {
		le.PutUint16(dir[2*i:], uint16(r))
	}
	le.PutUint16(dir[64:], 22) // name length in bytes, with the NUL
	dir[66] = 5                // root storage
	le.PutUint32(dir[68:], 0xFFFFFFFF)
	le.PutUint32(dir[72:], 0xFFFFFFFF)
	le.PutUint32(dir[76:], 0xFFFFFFFF)
	copy(dir[80:96], clsid[:])
	le.PutUint32(dir[116:], 0xFFFFFFFE) // no mini stream
	for e := 128; e < 512; e += 128 {   // unused entries
		le.PutUint32(dir[e+68:], 0xFFFFFFFF)
		le.PutUint32(dir[e+72:], 0xFFFFFFFF)
		le.PutUint32(dir[e+76:], 0xFFFFFFFF)
	}
	fat := b[1024:]
	for i := 0; i < 512; i += 4 {
		le.PutUint32(fat[i:], 0xFFFFFFFF)
	}
	le.PutUint32(fat[0:], 0xFFFFFFFE) // sector 0: end of the directory chain
	le.PutUint32(fat[4:], 0xFFFFFFFD) // sector 1: a FAT sector
	return b
}
