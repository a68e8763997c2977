package validate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf8BOM is the byte order mark some editors write at the start of UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// isText reports whether h is text in UTF-8 (ASCII included) or, when it is
// not valid UTF-8, in Windows-1252 (the legacy 8-bit encoding of a CSV file
// Excel exports on a Western European Windows, which Latin-1 text also
// passes): without NUL, DEL or control characters other than tab, line
// feed, vertical tab, form feed and carriage return, and without the five
// bytes Windows-1252 leaves undefined. Escape is refused: it drives
// terminals. Bytes 0x80–0x9F are letters and signs in Windows-1252 (€ is
// 0x80), but C1 controls when UTF-8 encodes them. When the header was cut
// short (eof is false), an incomplete UTF-8 rune at its very end is allowed.
//
// It is one pass that stops at the first control byte, which binary headers
// reach within a few bytes.
func isText(h []byte, eof bool) bool {
	utf8Text := true
	for i := 0; i < len(h); {
		c := h[i]
		if c < utf8.RuneSelf {
			if isControl(rune(c)) {
				return false
			}
			i++
			continue
		}
		if utf8Text {
			r, size := utf8.DecodeRune(h[i:])
			switch {
			case r == utf8.RuneError && size == 1 && !eof && !utf8.FullRune(h[i:]):
				return true // a rune cut by the end of the header
			case r == utf8.RuneError && size == 1:
				// Not UTF-8: Windows-1252, whose checks the bytes before
				// this one have not had.
				utf8Text = false
				if !isCP1252(h[:i]) {
					return false
				}
			case isControl(r):
				return false
			default:
				i += size
				continue
			}
		}
		if !isCP1252(h[i : i+1]) {
			return false
		}
		i++
	}
	return true
}

// isCP1252 reports whether b holds no byte Windows-1252 leaves undefined.
// Control characters are isText's to check.
func isCP1252(b []byte) bool {
	for _, c := range b {
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			return false
		}
	}
	return true
}

// isControl reports whether r is a control character text may not hold:
// C0 controls but tab, line feed, vertical tab, form feed and carriage
// return; DEL; and the C1 controls.
func isControl(r rune) bool {
	return (r < 0x20 && (r < '\t' || r > '\r')) || (r >= 0x7F && r < 0xA0)
}

// textView returns the header h as text the sniffer reads, and whether it is
// text at all: its UTF-8 transcoding when it is UTF-16 with a byte order
// mark, and h itself when it is UTF-8 or Windows-1252 (see isText), whose
// ASCII bytes are ASCII. It allocates only for UTF-16.
func textView(h []byte, eof bool) ([]byte, bool) {
	if len(h) >= 2 && (h[0] == 0xFF && h[1] == 0xFE || h[0] == 0xFE && h[1] == 0xFF) {
		if t, ok := utf16Text(h[2:], h[0] == 0xFE, eof); ok {
			return t, true
		}
	}
	return h, isText(h, eof)
}

// utf16Text transcodes b, UTF-16 after its byte order mark (big-endian when
// be), to UTF-8, and reports whether it is text: no NUL or other control
// characters isText refuses, and no unpaired surrogate. When the header was
// cut short (eof is false), a code unit or a surrogate pair cut at its end
// is dropped.
func utf16Text(b []byte, be, eof bool) ([]byte, bool) {
	unit := func(i int) rune {
		if be {
			return rune(b[i])<<8 | rune(b[i+1])
		}
		return rune(b[i]) | rune(b[i+1])<<8
	}
	if len(b)%2 == 1 {
		if eof {
			return nil, false
		}
		b = b[:len(b)-1]
	}
	out := make([]byte, 0, len(b)*3/2)
	for i := 0; i < len(b); i += 2 {
		r := unit(i)
		if utf16.IsSurrogate(r) {
			if i+2 >= len(b) {
				if !eof && r < 0xDC00 {
					break // a pair cut by the end of the header
				}
				return nil, false
			}
			r = utf16.DecodeRune(r, unit(i+2))
			if r == utf8.RuneError {
				return nil, false
			}
			i += 2
		}
		if isControl(r) {
			return nil, false
		}
		out = utf8.AppendRune(out, r)
	}
	return out, true
}

// sniffText returns the type of a header that textView accepted, as text. Scripts
// (a "#!" line, a batch file's "@echo") and active content (HTML, SVG, XML)
// are recognised whatever the extension. Otherwise the text is plain, unless
// the canonical extension ext names a text format: then that format's type,
// and for csv and json only when the content parses as such.
func sniffText(h []byte, eof bool, ext string) string {
	t := bytes.TrimPrefix(h, utf8BOM)
	if bytes.HasPrefix(t, []byte("#!")) {
		return typeShell
	}
	s := trimSpace(t)
	if hasPrefixFold(s, "@echo ") || hasPrefixFold(s, "@echo\t") {
		return typeBatch
	}
	if ct := sniffMarkup(s); ct != "" {
		return ct
	}
	f, ok := formats[ext]
	if !ok || !f.text {
		return typeText
	}
	switch ext {
	case "csv":
		if !isCSV(t, eof) {
			return typeText
		}
	case "json":
		if !isJSON(t, eof) {
			return typeText
		}
	}
	return f.accepts[0]
}

// htmlTags are the elements whose opening tag at the start of a text makes a
// browser treat it as HTML (the WHATWG MIME sniffing "HTML" patterns), and a
// few more that only make sense in a page.
var htmlTags = []string{
	"html", "head", "body", "script", "iframe", "h1", "div", "font", "table",
	"a", "style", "title", "b", "br", "p", "meta", "link", "img", "form",
	"object", "embed", "base", "frameset", "frame", "span", "template",
	"noscript", "textarea", "math",
}

// sniffMarkup returns text/html, image/svg+xml or application/xml when s, a
// trimmed text header, starts like a page, an image or an XML document, and
// "" otherwise. Leading comments are skipped.
func sniffMarkup(s []byte) string {
	for len(s) > 0 && s[0] == '<' {
		switch {
		case hasPrefixFold(s, "<!--"):
			end := bytes.Index(s[4:], []byte("-->"))
			if end < 0 {
				return typeHTML
			}
			s = trimSpace(s[4+end+3:])
			continue
		case hasPrefixFold(s, "<?xml"):
			return sniffXMLBody(s)
		case hasPrefixFold(s, "<!doctype"):
			d := trimSpace(s[len("<!doctype"):])
			switch {
			case hasPrefixFold(d, "html"):
				return typeHTML
			case hasPrefixFold(d, "svg"):
				return typeSVG
			}
			return sniffXMLBody(s)
		case isTag(s, "svg"):
			return typeSVG
		}
		for _, tag := range htmlTags {
			if isTag(s, tag) {
				return typeHTML
			}
		}
		return ""
	}
	return ""
}

// sniffXMLBody tells an XML document that holds a page or an image from
// other XML by the root elements in its header.
func sniffXMLBody(s []byte) string {
	switch {
	case indexFold(s, "<html") >= 0:
		return typeHTML
	case indexFold(s, "<svg") >= 0:
		return typeSVG
	}
	return typeXML
}

// isTag reports whether s starts with the opening tag <name followed by a
// byte that ends a tag name.
func isTag(s []byte, name string) bool {
	if len(s) < len(name)+2 || !hasPrefixFold(s[1:], name) {
		return false
	}
	switch s[len(name)+1] {
	case ' ', '>', '/', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// isCSV reports whether t parses as CSV: the same number of fields on every
// line, with commas between them, or with semicolons or tabs and at least
// two fields (one field a line is a one-column CSV only with commas, or any
// prose without a comma would pass). When the header was cut short, a fault
// in its last record is forgiven: the record may go on past the header.
func isCSV(t []byte, eof bool) bool {
	for _, comma := range []rune{',', ';', '\t'} {
		if fields := csvFields(t, comma, eof); fields >= 2 || (fields == 1 && comma == ',') {
			return true
		}
	}
	return false
}

// csvFields returns the number of fields of every record of t, or 0 when t
// is not CSV with that separator.
func csvFields(t []byte, comma rune, eof bool) int {
	r := csv.NewReader(bytes.NewReader(t))
	r.Comma = comma
	r.ReuseRecord = true
	fields, failed := 0, false
	for {
		rec, err := r.Read()
		if err == io.EOF {
			if failed && eof {
				return 0
			}
			return fields
		}
		if failed {
			return 0 // a fault before the last record
		}
		if err != nil {
			failed = true
		}
		if fields == 0 {
			fields = len(rec)
		}
	}
}

// isJSON reports whether t is a JSON value, or a sequence of them, or, when
// the header was cut short (eof is false), the start of one.
func isJSON(t []byte, eof bool) bool {
	d := json.NewDecoder(bytes.NewReader(t))
	tokens := 0
	for {
		_, err := d.Token()
		switch {
		case err == io.EOF:
			return tokens > 0
		case errors.Is(err, io.ErrUnexpectedEOF):
			return !eof
		case err != nil:
			return false
		}
		tokens++
	}
}

// trimSpace returns s without leading ASCII white space.
func trimSpace(s []byte) []byte {
	for len(s) > 0 {
		switch s[0] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			s = s[1:]
		default:
			return s
		}
	}
	return s
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold(s []byte, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first occurrence of the lower-case
// ASCII word in s, ignoring ASCII case, or -1.
func indexFold(s []byte, word string) int {
	for i := 0; i+len(word) <= len(s); i++ {
		if hasPrefixFold(s[i:], word) {
			return i
		}
	}
	return -1
}
