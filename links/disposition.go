package links

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"
)

// octetStream is the type served for everything not on the inline list: no
// browser renders it, with or without nosniff.
const octetStream = "application/octet-stream"

// maxFileNameLen is the longest file name sent, in bytes of UTF-8, the limit
// of common file systems.
const maxFileNameLen = 255

// present decides how a blob of the stored contentType goes out: the
// Content-Type to send and the disposition granted for the one asked.
//
// Only the types of the inline list (see the package doc) keep their type, and
// only they may be inline. Everything else, HTML, SVG, XML, JavaScript, PDF
// and unknown types included, is an attachment of type
// application/octet-stream.
func present(contentType string, asked Disposition) (string, Disposition) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !canInline(mt) {
		return octetStream, Attachment
	}
	return mt, asked
}

// canInline reports whether a lower-case media type is on the inline list:
// raster images, audio and video, none of which can run script.
func canInline(mediaType string) bool {
	switch mediaType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
		"audio/mpeg", "audio/mp4", "audio/m4a", "audio/x-m4a", "audio/aac", "audio/ogg",
		"audio/opus", "audio/wav", "audio/x-wav", "audio/webm", "audio/flac", "audio/x-flac",
		"video/mp4", "video/webm", "video/ogg", "video/quicktime", "video/x-m4v":
		return true
	}
	return false
}

// contentDisposition returns a Content-Disposition value for d and the stored
// file name: an ASCII fallback in filename and the exact UTF-8 name in
// filename* (RFC 6266, RFC 8187), both cleaned by cleanFileName.
func contentDisposition(d Disposition, fileName string) string {
	name := cleanFileName(fileName)
	var b strings.Builder
	b.Grow(len(d.String()) + 32 + 4*len(name))
	b.WriteString(d.String())
	b.WriteString(`; filename="`)
	writeASCIIFallback(&b, name)
	b.WriteString(`"; filename*=UTF-8''`)
	writeExtValue(&b, name)
	return b.String()
}

// cleanFileName makes a stored name safe to send whatever it holds: invalid
// UTF-8, control, format (bidi overrides, zero-width) and line-separator
// characters are dropped, other white space becomes a space, path separators
// become '_', leading and trailing dots and spaces are trimmed, and a name
// longer than maxFileNameLen is cut, keeping its extension. An empty result is
// "download".
func cleanFileName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for i, r := range name {
		switch {
		case r == utf8.RuneError && isBadRune(name[i:]):
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.In(r, unicode.Zl, unicode.Zp):
		case r == '/' || r == '\\':
			b.WriteByte('_')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), " .")
	if len(s) > maxFileNameLen {
		s = cutName(s, maxFileNameLen)
	}
	if s == "" {
		return "download"
	}
	return s
}

// isBadRune reports whether s starts with an invalid UTF-8 sequence rather
// than an encoded U+FFFD.
func isBadRune(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size <= 1
}

// cutName shortens s to at most n bytes on a rune boundary, keeping a short
// extension.
func cutName(s string, n int) string {
	ext := ""
	if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 16 {
		s, ext = s[:i], s[i:]
	}
	n -= len(ext)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " .") + ext
}

// writeASCIIFallback writes name as the content of a quoted-string that every
// user agent reads the same way: printable ASCII only, with '"', '\\' and '%'
// (which some agents percent-decode) and every non-ASCII rune replaced by '_'.
func writeASCIIFallback(b *strings.Builder, name string) {
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		b.WriteByte(byte(r))
	}
}

// writeExtValue writes name percent-encoded as an RFC 8187 ext-value body:
// bytes other than attr-char become %XX.
func writeExtValue(b *strings.Builder, name string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
}

// isAttrChar reports whether c is an RFC 8187 attr-char.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
