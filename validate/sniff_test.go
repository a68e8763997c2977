package validate_test

import (
	"strings"
	"testing"

	"github.com/attachkit/attachments/validate"
)

// pad returns header followed by zeros up to n bytes.
func pad(header string, n int) string {
	if len(header) >= n {
		return header
	}
	return header + strings.Repeat("\x00", n-len(header))
}

// ftyp returns an ISO base media file that starts with an ftyp box of the
// brands.
func ftyp(major string, compatible ...string) string {
	body := major + "\x00\x00\x00\x00" + strings.Join(compatible, "")
	n := 8 + len(body)
	return pad(string([]byte{0, 0, 0, byte(n)})+"ftyp"+body, 64)
}

// TestSniff checks the type sniffed from each signature and text form, under
// an extension the package does not know, so that nothing but the content
// decides.
func TestSniff(t *testing.T) {
	p := validate.Policy{Enabled: true, AcceptedExtensions: []string{"bin"}}
	tests := []struct {
		why, content, want string
	}{
		{"GIF87a", pad("GIF87a\x01\x00\x01\x00", 32), "image/gif"},
		{"WAV", pad("RIFF\x24\x00\x00\x00WAVEfmt ", 44), "audio/wav"},
		{"AVI", pad("RIFF\x24\x00\x00\x00AVI LIST", 44), "video/x-msvideo"},
		{"QuickTime without ftyp", pad("\x00\x00\x00\x08moov", 32), "video/quicktime"},
		{"MP3 frame without ID3", pad("\xff\xfb\x90\x64", 417), "audio/mpeg"},
		{"MPEG-2 layer III frame", pad("\xff\xf3\x90\x64", 200), "audio/mpeg"},
		{"AAC ADTS", pad("\xff\xf1\x50\x80\x02\x1f\xfc", 64), "audio/aac"},
		{"Ogg", pad("OggS\x00\x02", 64), "audio/ogg"},
		{"FLAC", pad("fLaC\x00\x00\x00\x22", 64), "audio/flac"},
		{"AMR-WB", pad("#!AMR-WB\n", 64), "audio/amr"},
		{"WebM", pad("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", 64), "video/webm"},
		{"Matroska", pad("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", 64), "video/x-matroska"},
		{"TIFF", pad("II*\x00\x08\x00\x00\x00", 64), "image/tiff"},
		{"BMP", pad("BM\x36\x00\x00\x00", 64), "image/bmp"},
		{"RTF", "{\\rtf1\\ansi hello}", "application/rtf"},
		{"PDF in plain ASCII", "%PDF-1.1\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"},
		{"HEIC by a heix brand", ftyp("heix", "mif1"), "image/heic"},
		{"HEIF without HEVC", ftyp("mif1", "mif1"), "image/heif"},
		{"AVIF", ftyp("avif", "mif1", "miaf"), "image/avif"},
		{"AVIF as a compatible brand", ftyp("mif1", "avif"), "image/avif"},
		{"MP4 by a compatible brand", ftyp("XXXX", "isom"), "video/mp4"},
		{"M4V", ftyp("M4V ", "M4V "), "video/mp4"},
		{"3GP", ftyp("3gp4", "3gp4", "isom"), "video/3gpp"},
		{"fat Mach-O", pad("\xca\xfe\xba\xbe\x00\x00\x00\x02", 64), "application/x-mach-binary"},
		{"Java class", pad("\xca\xfe\xba\xbe\x00\x00\x00\x34", 64), "application/java-vm"},
		{"Windows shortcut", pad("\x4c\x00\x00\x00\x01\x14\x02\x00", 76), "application/x-ms-shortcut"},
		{"Android dex", pad("dex\n035\x00", 112), "application/vnd.android.dex"},
		{"WebAssembly", pad("\x00asm\x01\x00\x00\x00", 16), "application/wasm"},
		{"short ELF", "\x7fELF\x02\x01\x01\x00", "application/x-executable"},
		{"gzip, through filetype", pad("\x1f\x8b\x08\x00\x00\x00\x00\x00", 64), "application/gzip"},
		{"SQLite, through filetype", pad("SQLite format 3\x00", 100), "application/vnd.sqlite3"},
		{"tar, through filetype", pad(pad("notes.txt", 257)+"ustar\x0000", 1024), "application/x-tar"},
		{"unknown binary", pad("\x01\x02\x03\x04", 64), "application/octet-stream"},
		{"unknown brand", ftyp("crx ", "crx ", "CR3 "), "application/octet-stream"},

		// Text, and signatures that ordinary text can start with.
		{"text that starts like SQLite", "SQLite is a database.\n", "text/plain"},
		{"text that starts like BMP", "BM stands for a lot of things.\n", "text/plain"},
		{"text that starts like ID3", "ID3 tags name the song.\n", "text/plain"},
		{"text that starts like GIF", "GIF89a was a good year.\n", "text/plain"},
		{"escape sequences are not text", "\x1b[31mred\x1b[0m\n", "application/octet-stream"},
		{"text with a byte order mark", "\xef\xbb\xbfhello\n", "text/plain"},
		{"a rune across the quick header", strings.Repeat("a", 511) + strings.Repeat("é", 600), "text/plain"},
		{"a C1 control is not text", "hello\u0085world", "application/octet-stream"},
		{"NUL is not text", "hello\x00world", "application/octet-stream"},
		{"Latin-1 is read as Windows-1252 text", "hello \xff world", "text/plain"},
		{"Windows-1252 text", "caf\xe9 \x80 5\r\n", "text/plain"},
		{"a byte Windows-1252 leaves undefined is not text", "hello \x81 world", "application/octet-stream"},
		{"UTF-16LE text", "\xff\xfeh\x00i\x00\n\x00", "text/plain"},
		{"UTF-16BE text", "\xfe\xff\x00h\x00i\x00\n", "text/plain"},
		{"UTF-16 with a control is not text", "\xff\xfeh\x00\x1b\x00", "application/octet-stream"},
		{"UTF-16 with an unpaired surrogate is not text", "\xff\xfeh\x00\x00\xd8i\x00", "application/octet-stream"},
		{"UTF-16 with an odd length is not text", "\xff\xfeh\x00i", "application/octet-stream"},
		{"UTF-16 HTML is a page", "\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "text/html"},
		{"Windows-1252 HTML is a page", "<html><p>caf\xe9", "text/html"},
		{"a Windows-1252 script is a script", "#!/bin/sh\necho caf\xe9\n", "text/x-shellscript"},
		{"a heart is not a tag", "<3 you\n", "text/plain"},
		{"an unknown tag is not HTML", "<bold>hi</bold>", "text/plain"},
		{"paragraph", "<p>hi", "text/html"},
		{"line break", "<br/>", "text/html"},
		{"unterminated comment", "<!-- hi", "text/html"},
		{"XHTML", "<?xml version=\"1.0\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">", "text/html"},
		{"SVG doctype", "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\">\n<svg>", "image/svg+xml"},
		{"bare SVG", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "image/svg+xml"},
		{"other doctype", "<!DOCTYPE note>\n<note/>", "application/xml"},
		{"shebang", "#!/usr/bin/env python3\nprint(1)\n", "text/x-shellscript"},
		{"batch in lower case", "  @echo\toff\r\ndel *.*\r\n", "text/x-msdos-batch"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			v, _, _ := check(p, "x.bin", "", -1, []byte(tt.content))
			if v.ContentType != tt.want {
				t.Errorf("sniffed %q, want %q", v.ContentType, tt.want)
			}
		})
	}
}

// TestSniffTextFamilies checks that a text extension refines plain text
// only when the content is of its format.
func TestSniffTextFamilies(t *testing.T) {
	p := validate.Policy{Enabled: true, AllowDangerous: true,
		AcceptedExtensions: []string{"txt", "csv", "json", "md", "log", "vcf", "ics", "sh", "bat", "ps1", "js"}}
	long := "{\"items\": [" + strings.Repeat("{\"sku\": \"A-1\", \"qty\": 2}, ", 600) + "{}]}"
	longCSV := "a,b,c\n" + strings.Repeat("1,\"two, three\",4\n", 800)
	tests := []struct {
		name, content, want string
		ok                  bool
	}{
		{"a.md", "# Title\n\nText.\n", "text/markdown", true},
		{"a.log", "12:00 started\n", "text/plain", true},
		{"a.vcf", "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n", "text/vcard", true},
		{"a.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", "text/calendar", true},
		{"a.sh", "echo hi\n", "text/x-shellscript", true},
		{"a.bat", "echo hi\r\n", "text/x-msdos-batch", true},
		{"a.json", long, "application/json", true},
		{"a.json", `{"a": [1, 2}`, "text/plain", false},
		{"a.json", "[1, 2] [3]", "application/json", true},
		{"a.json", "", "", false},
		{"a.csv", longCSV, "text/csv", true},
		{"a.csv", "a,b\n\"unclosed,2\n3,4\n", "text/plain", false},
		{"a.csv", "a\tb\tc\n1\t2\t3\n", "text/csv", true},
		{"a.csv", "one column\nof values\n", "text/csv", true},
		{"a.txt", "{\"a\": 1}", "text/plain", true},
	}
	for _, tt := range tests {
		v, _, err := check(p, tt.name, "", -1, []byte(tt.content))
		if v.ContentType != tt.want || (err == nil) != tt.ok {
			t.Errorf("Check(%q, %.20q…) = %q, %v; want %q, accepted %v", tt.name, tt.content, v.ContentType, err, tt.want, tt.ok)
		}
	}
}

// TestDeclaredType checks how the client's declared type is recorded.
func TestDeclaredType(t *testing.T) {
	tests := []struct{ in, want string }{
		{"image/png", "image/png"},
		{" Image/PNG ; charset=binary", "image/png"},
		{"application/vnd.ms-excel", "application/vnd.ms-excel"},
		{"text/plain;", "text/plain"},
		{"", ""},
		{"png", ""},
		{"/png", ""},
		{"image/", ""},
		{"image/p ng", ""},
		{"a/b/c", ""},
		{"image/png\x00", ""},
		{"image/" + strings.Repeat("x", 300), ""},
	}
	for _, tt := range tests {
		v, err := defaults.Preflight("photo.png", tt.in, 0)
		if err != nil || v.DeclaredType != tt.want {
			t.Errorf("Preflight declared %q: DeclaredType = %q, %v; want %q", tt.in, v.DeclaredType, err, tt.want)
		}
	}
}

// TestLimitMessage checks that a limit reads the way a person writes it.
func TestLimitMessage(t *testing.T) {
	tests := []struct {
		limit int64
		want  string
	}{
		{10 << 20, "the file is larger than the 10 MB limit"},
		{3 << 19, "the file is larger than the 1.5 MB limit"},
		{2 << 30, "the file is larger than the 2 GB limit"},
		{512 << 10, "the file is larger than the 512 KB limit"},
		{100, "the file is larger than the 100 bytes limit"},
		{1, "the file is larger than the 1 byte limit"},
	}
	for _, tt := range tests {
		p := validate.Policy{Enabled: true, MaxFileSize: tt.limit}
		_, err := p.Preflight("photo.png", "", tt.limit+1)
		if codeOf(t, err) != "file_too_large" || err.(interface{ Text() string }).Text() != tt.want {
			t.Errorf("limit %d: %v, want %q", tt.limit, err, tt.want)
		}
	}
}
