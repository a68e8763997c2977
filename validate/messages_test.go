package validate_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// mimeWords are the pieces of MIME types a person should never read in a
// message: they describe a file to a program, not to its sender.
var mimeWords = []string{"application/", "image/", "text/", "audio/", "video/", "font/", "vnd.", "x-", "octet-stream"}

// assertPlainWords fails when msg, a message shown to the sender, holds a
// MIME type.
func assertPlainWords(t *testing.T, msg, context string) {
	t.Helper()
	for _, w := range mimeWords {
		assert.NotContains(t, msg, w, "%s: the sender reads a MIME type in %q", context, msg)
	}
}

// utf16File encodes s as UTF-16 with a byte order mark, big-endian or
// little-endian, as Notepad's "Unicode" saves it.
func utf16File(s string, order binary.ByteOrder) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, order, uint16(0xFEFF))
	_ = binary.Write(&b, order, utf16.Encode([]rune(s)))
	return b.Bytes()
}

// cp1252 encodes s, of ASCII and the few Windows-1252 letters and signs the
// tests use, as Excel's "CSV" export does on a Western European Windows.
func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for _, r := range s {
		switch {
		case r < 0x80:
			b = append(b, byte(r))
		case r == '€':
			b = append(b, 0x80)
		case r == '’':
			b = append(b, 0x92)
		case r >= 0xA0 && r <= 0xFF:
			b = append(b, byte(r))
		default:
			t.Fatalf("cp1252: %q is not in the test's table", r)
		}
	}
	return b
}

// TestMessagesSayWhatTheFileIs is the table of real-looking files a sender
// might try, with the code a host switches on, the words the sender reads,
// and, for text in other encodings, the type it is accepted as.
func TestMessagesSayWhatTheFileIs(t *testing.T) {
	textOnly := validate.Policy{Enabled: true, AcceptedExtensions: []string{"txt", "csv"}, AllowNoExtension: true}
	csvRows := "Nom;Ville;Montant\r\nRené Lefèvre;Orléans;12,50 €\r\nZoë O’Brien;Cork;7,00 €\r\n"
	tests := []struct {
		why      string
		policy   validate.Policy
		name     string
		content  []byte
		wantCode errs.Code
		wantWord string // in the message; for accepted files, the sniffed type
	}{
		{"a Windows program renamed .pdf", defaults, "invoice.pdf", sample(t, "program.exe"),
			errs.TypeMismatch, "this file is a Windows program, not a PDF"},
		{"a Linux program renamed .jpg", defaults, "holiday.jpg", sample(t, "program.elf"),
			errs.TypeMismatch, "this file is a Linux program, not a JPEG picture"},
		{"a macOS program renamed .png", defaults, "logo.png", sample(t, "program.macho"),
			errs.TypeMismatch, "this file is a macOS program"},
		{"a shell script renamed .txt", defaults, "readme.txt", sample(t, "script.sh"),
			errs.TypeMismatch, "this file is a script, not a plain text file"},
		{"a batch script renamed .csv", defaults, "export.csv", sample(t, "script.bat"),
			errs.TypeMismatch, "this file is a Windows batch script"},
		{"an installer renamed .docx", defaults, "contract.docx", sample(t, "installer.msi"),
			errs.TypeMismatch, "this file is a Windows installer, not a Word document"},
		{"a Windows program without an extension", noExtOK, "setup", sample(t, "program.exe"),
			errs.TypeNotAllowed, "this file is a Windows program, and programs and scripts are not accepted"},
		{"a Windows program named .exe", defaults, "setup.exe", sample(t, "program.exe"),
			errs.TypeNotAllowed, "executable files and scripts are not accepted"},
		{"an xlsx renamed .docx", defaults, "report.docx", sample(t, "sheet.xlsx"),
			errs.TypeMismatch, "this is an Excel spreadsheet, but its name ends in .docx"},
		{"a docx renamed .xlsx", defaults, "sheet.XLSX", sample(t, "report.docx"),
			errs.TypeMismatch, "this is a Word document, but its name ends in .xlsx"},
		{"a PNG renamed .jpg", defaults, "photo.jpg", sample(t, "photo.png"),
			errs.TypeMismatch, "this is a PNG picture, but its name ends in .jpg"},
		{"a web page renamed .txt", defaults, "notes.txt", sample(t, "page.html"),
			errs.TypeMismatch, "this is a web page, but its name ends in .txt"},
		{"a ZIP archive without an extension", textOnly, "bundle", sample(t, "archive.zip"),
			errs.TypeNotAllowed, "this file is a ZIP archive, and files of this type are not accepted"},
		{"a text file with NUL bytes", defaults, "notes.txt", []byte("total\x00\x00\x00 42\n"),
			errs.TypeMismatch, "this file does not look like a plain text file, though its name ends in .txt"},
		{"a text file with escape sequences", defaults, "log.txt", []byte("\x1b[2J\x1b[31mYou have been hacked\x1b[0m\n"),
			errs.TypeMismatch, "this file does not look like a plain text file"},
		{"a UTF-16 web page renamed .txt", defaults, "notes.txt", utf16File("<html><script>alert(1)</script>", binary.LittleEndian),
			errs.TypeMismatch, "this is a web page, but its name ends in .txt"},
		{"a name that cleans down to nothing", defaults, "\u202e\u200b..", sample(t, "photo.png"),
			errs.InvalidName, "the file name is not valid"},
		{"an extension outside the list", defaults, "backup.ZIP", sample(t, "archive.zip"),
			errs.ExtensionNotAllowed, "files ending in .zip are not accepted"},

		// Text in the encodings people's tools still write is text.
		{"a Windows-1252 CSV from Excel", defaults, "export.csv", cp1252(t, csvRows), "", "text/csv"},
		{"a Windows-1252 text", defaults, "lettre.txt", cp1252(t, "Chère Zoë, ci-joint 12 € pour le café.\r\n"), "", "text/plain"},
		{"a UTF-16LE text with a byte order mark", defaults, "notes.txt", utf16File("Zoë’s order: 12 €, 東京\r\n", binary.LittleEndian), "", "text/plain"},
		{"a UTF-16BE text with a byte order mark", defaults, "notes.txt", utf16File("Zoë’s order: 12 €, 東京\r\n", binary.BigEndian), "", "text/plain"},
		{"a UTF-16LE CSV", defaults, "export.csv", utf16File(csvRows, binary.LittleEndian), "", "text/csv"},
		{"a long Windows-1252 CSV", defaults, "export.csv", cp1252(t, strings.Repeat(csvRows, 300)), "", "text/csv"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			v, got, err := check(tt.policy, tt.name, "", 0, tt.content)
			if tt.wantCode == "" {
				require.NoError(t, err, "a text file the sender's own tools wrote is refused")
				assert.Equal(t, tt.wantWord, v.ContentType, "the file is stored with the wrong type")
				assert.Equal(t, tt.content, got, "the stream does not yield the file as sent")
				return
			}
			require.Error(t, err, "a file that must be refused was accepted as %s", v.ContentType)
			e := errs.As(err)
			require.NotNil(t, e, "the refusal is not an *errs.Error: %v", err)
			assert.Equal(t, tt.wantCode, e.Code, "hosts switching on the code see the wrong refusal: %v", err)
			assert.Contains(t, e.Text(), tt.wantWord, "the sender is not told what the file is")
			assertPlainWords(t, e.Text(), tt.why)
			if tt.wantCode == errs.TypeMismatch {
				assert.NotEmpty(t, e.Details.SniffedType, "hosts lose the sniffed type from the Details")
			}
		})
	}
}

// TestNoMessageHoldsAMIMEType sends every sample under every extension the
// package knows, and without one, under strict and permissive policies, and
// checks that no refusal shows the sender a MIME type.
func TestNoMessageHoldsAMIMEType(t *testing.T) {
	exts := []string{"", "jpg", "png", "gif", "webp", "heic", "avif", "bmp", "tif", "pdf", "rtf",
		"txt", "log", "md", "csv", "json", "vcf", "ics", "html", "svg", "xml", "mp3", "m4a", "aac",
		"amr", "ogg", "oga", "opus", "wav", "flac", "mp4", "m4v", "mov", "3gp", "webm", "mkv", "avi", "zip",
		"docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "doc", "xls", "ppt", "msg", "exe", "dll",
		"msi", "elf", "jar", "apk", "sh", "bat", "ps1", "js", "dat", "7z", "woff", "gz"}
	strict := validate.Policy{Enabled: true, AllowNoExtension: true,
		AcceptedExtensions: slices.DeleteFunc(slices.Clone(exts[1:]), validate.IsDangerousExtension)}
	open := validate.Policy{Enabled: true, AcceptedExtensions: exts[1:], AllowNoExtension: true, AllowDangerous: true}
	for _, s := range samples {
		content := sample(t, s.file)
		for _, ext := range exts {
			name := "file"
			if ext != "" {
				name += "." + ext
			}
			for _, p := range []validate.Policy{strict, open, textOnlyPolicy} {
				_, _, err := check(p, name, "", 0, content)
				if e := errs.As(err); e != nil {
					assertPlainWords(t, e.Text(), s.file+" named "+name)
				}
			}
		}
	}
}

var textOnlyPolicy = validate.Policy{Enabled: true, AcceptedExtensions: []string{"txt"}, AllowNoExtension: true}
