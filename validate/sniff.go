package validate

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/h2non/filetype"
	"github.com/h2non/filetype/matchers"
)

// HeaderSize is the most bytes of a file Check reads ahead to sniff its type:
// enough to find the parts of an Office document (filetype needs more than
// 262 bytes for them), the root entry of an MSI and the start of a text.
// Pictures, audio, video, PDF and executables need only their first 256.
const HeaderSize = 8 << 10

// sniff returns the content type of a file from its header h, which holds the
// whole file when eof is true. ext, the file name's canonical extension or
// "", never overrides the content: it only refines a family the bytes
// cannot tell apart (text formats, Office documents whose parts lie past the
// header, legacy Office files).
//
// Signatures are tried in a fixed order, most specific first, so the same
// bytes always give the same type; what they do not recognise is text,
// then whatever filetype recognises, then application/octet-stream.
func sniff(h []byte, eof bool, ext string) string {
	t, text := textView(h, eof)
	if ct := sniffSignature(h, text, ext); ct != "" {
		return ct
	}
	if text {
		return sniffText(t, eof, ext)
	}
	if t, _ := filetype.Match(h); t != filetype.Unknown {
		return t.MIME.Value
	}
	return typeOctetStream
}

// sniffSignature returns the type whose signature starts h, or "". Most
// signatures are binary; those that a text could start with ("MZ", "BM",
// "GIF8", "ID3", …) count only when the header is not text (text is false).
// PDF, AMR and RTF signatures are text and always count.
func sniffSignature(h []byte, text bool, ext string) string {
	switch {
	case hasPrefix(h, "%PDF-"):
		return typePDF
	case hasPrefix(h, "#!AMR\n"), hasPrefix(h, "#!AMR-WB\n"):
		return typeAMR
	case hasPrefix(h, "{\\rtf"):
		return typeRTF
	case text:
		return ""
	case matchers.Png(h):
		return typePNG
	case matchers.Jpeg(h):
		return typeJPEG
	case hasPrefix(h, "GIF87a"), hasPrefix(h, "GIF89a"):
		return typeGIF
	case hasPrefix(h, "RIFF") && matchers.Webp(h):
		return typeWebP
	case matchers.Wav(h):
		return typeWAV
	case matchers.Avi(h):
		return typeAVI
	case len(h) >= 16 && string(h[4:8]) == "ftyp":
		return sniffFtyp(h)
	case matchers.Mov(h):
		return typeMOV
	case isMP3(h):
		return typeMP3
	case matchers.Aac(h):
		return typeAAC
	case matchers.Ogg(h):
		return typeOgg
	case matchers.Flac(h):
		return typeFLAC
	case matchers.Webm(h):
		return typeWebM
	case matchers.Mkv(h):
		return typeMKV
	case matchers.Tiff(h):
		return typeTIFF
	case matchers.Bmp(h):
		return typeBMP
	case matchers.Zip(h):
		return sniffZip(h, ext)
	case hasPrefix(h, oleSignature):
		return sniffOLE(h, ext)
	case hasPrefix(h, "MZ"):
		return typePE
	case hasPrefix(h, "\x7fELF"):
		return typeELF
	case hasPrefix(h, "\xfe\xed\xfa\xce"), hasPrefix(h, "\xfe\xed\xfa\xcf"),
		hasPrefix(h, "\xce\xfa\xed\xfe"), hasPrefix(h, "\xcf\xfa\xed\xfe"),
		hasPrefix(h, "\xca\xfe\xba\xbf"), hasPrefix(h, "\xbe\xba\xfe\xca"):
		return typeMachO
	case hasPrefix(h, "\xca\xfe\xba\xbe") && len(h) >= 8:
		// A fat Mach-O binary counts its architectures here; a Java class
		// file has its version, 45 or more.
		if binary.BigEndian.Uint32(h[4:8]) < 45 {
			return typeMachO
		}
		return typeClass
	case hasPrefix(h, "\x4c\x00\x00\x00\x01\x14\x02\x00"):
		return typeLnk
	case hasPrefix(h, "dex\n"):
		return typeDex
	case matchers.Wasm(h):
		return typeWasm
	}
	return ""
}

func hasPrefix(h []byte, prefix string) bool {
	return len(h) >= len(prefix) && string(h[:len(prefix)]) == prefix
}

// isMP3 reports whether h starts with an ID3v2 tag or an MPEG audio layer
// III frame header (MPEG 1, 2 or 2.5).
func isMP3(h []byte) bool {
	if len(h) >= 5 && hasPrefix(h, "ID3") && h[3] >= 2 && h[3] <= 4 && h[4] != 0xFF {
		return true
	}
	if len(h) < 3 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (h[1]>>3)&3, (h[1]>>1)&3
	bitrate, rate := h[2]>>4, (h[2]>>2)&3
	return version != 1 && layer == 1 && bitrate != 0xF && rate != 3
}

// sniffFtyp tells apart the ISO base media files (HEIC, AVIF, MP4, M4A,
// QuickTime, 3GP) by the brands in their ftyp box, or returns "".
func sniffFtyp(h []byte) string {
	end := int(binary.BigEndian.Uint32(h[0:4]))
	if end > len(h) || end < 16 {
		end = len(h)
	}
	heif, avif, mp4 := false, false, false
	brand := func(b string) string {
		switch b {
		case "heic", "heix", "hevc", "hevx", "heim", "heis":
			return typeHEIC
		case "mif1", "msf1":
			heif = true
		case "avif", "avis":
			avif = true
		case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "mmp4", "MSNV":
			mp4 = true
		}
		return ""
	}
	switch major := string(h[8:12]); {
	case major == "qt  ":
		return typeMOV
	case major == "M4A ", major == "M4B ", major == "M4P ":
		return typeM4A
	case major == "M4V ", major == "M4VH", major == "M4VP":
		return typeMP4
	case strings.HasPrefix(major, "3gp"), strings.HasPrefix(major, "3g2"):
		return type3GP
	default:
		if ct := brand(major); ct != "" {
			return ct
		}
	}
	for i := 16; i+4 <= end; i += 4 {
		if ct := brand(string(h[i : i+4])); ct != "" {
			return ct
		}
	}
	switch {
	case avif:
		return typeAVIF
	case heif:
		return typeHEIF
	case mp4 || matchers.Mp4(h):
		return typeMP4
	}
	return ""
}

// oleSignature starts every OLE compound file: legacy Office documents,
// Outlook messages and Windows Installer packages.
const oleSignature = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// sniffOLE tells a Windows Installer package (MSI, MSP, MST) from other
// compound files by the class of its root storage, when the header holds the
// first directory sector. Any other compound file is reported as the legacy
// Office type its extension names, or application/x-ole-storage.
func sniffOLE(h []byte, ext string) string {
	if len(h) >= 512 {
		shift := binary.LittleEndian.Uint16(h[30:32])
		dir := int64(binary.LittleEndian.Uint32(h[48:52]))
		if shift == 9 || shift == 12 {
			root := (dir + 1) << shift
			if root+96 <= int64(len(h)) {
				clsid := h[root+80 : root+96]
				// {000C1084-0000-0000-C000-000000000046} and its MSP
				// (…1086) and MST (…1082) siblings, little-endian.
				if (clsid[0] == 0x82 || clsid[0] == 0x84 || clsid[0] == 0x86) &&
					string(clsid[1:]) == "\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46" {
					return typeMSI
				}
			}
		}
	}
	switch ext {
	case "doc":
		return typeDoc
	case "xls":
		return typeXls
	case "ppt":
		return typePpt
	case "msg":
		return typeMsg
	}
	return typeOLE
}

// sniffZip walks the local file headers of a zip archive within the header
// and tells apart Office Open XML documents (by [Content_Types].xml or
// _rels/.rels, in whatever order Office or LibreOffice wrote them, and their
// word/, xl/ or ppt/ parts), OpenDocument files and EPUB (by their stored
// mimetype entry), Android and Java packages, and plain archives.
func sniffZip(h []byte, ext string) string {
	const local = "PK\x03\x04"
	var ooxml, manifest bool
	part := ""
	off := 0
	for entry := 0; entry < 64 && off+30 <= len(h); entry++ {
		if string(h[off:off+4]) != local {
			i := bytes.Index(h[off+1:], []byte(local))
			if i < 0 {
				break
			}
			off += 1 + i
			continue
		}
		flags := binary.LittleEndian.Uint16(h[off+6:])
		method := binary.LittleEndian.Uint16(h[off+8:])
		size := int64(binary.LittleEndian.Uint32(h[off+18:]))
		nameEnd := off + 30 + int(binary.LittleEndian.Uint16(h[off+26:]))
		if nameEnd > len(h) {
			break
		}
		name := string(h[off+30 : nameEnd])
		data := nameEnd + int(binary.LittleEndian.Uint16(h[off+28:]))
		switch {
		case entry == 0 && name == "mimetype" && method == 0 && data < len(h):
			if ct := zipMimetype(h[data:], flags&8 != 0, size); ct != "" {
				return ct
			}
		case name == "[Content_Types].xml", name == "_rels/.rels":
			ooxml = true
		case name == "AndroidManifest.xml", name == "classes.dex":
			return typeAPK
		case name == "META-INF/MANIFEST.MF":
			manifest = true
		case part != "":
		case strings.HasPrefix(name, "word/"):
			part = typeDocx
		case strings.HasPrefix(name, "xl/"):
			part = typeXlsx
		case strings.HasPrefix(name, "ppt/"):
			part = typePptx
		}
		if ooxml && part != "" {
			return part
		}
		off = data
		if flags&8 == 0 && size < int64(len(h)) {
			off += int(size)
		}
	}
	switch {
	case ooxml && (ext == "docx" || ext == "xlsx" || ext == "pptx"):
		return formats[ext].accepts[0]
	case manifest && !ooxml:
		return typeJar
	}
	return typeZip
}

// zipMimetype returns the type an OpenDocument or EPUB file names in its
// first, stored "mimetype" entry, whose content starts rest, or "". With a
// data descriptor (described), the entry's size is not in its header and the
// content ends where the descriptor or the next entry starts.
func zipMimetype(rest []byte, described bool, size int64) string {
	for _, ct := range []string{typeOdt, typeOds, typeOdp, typeEpub} {
		if !hasPrefix(rest, ct) {
			continue
		}
		if described && hasPrefix(rest[len(ct):], "PK") || !described && size == int64(len(ct)) {
			return ct
		}
	}
	return ""
}
