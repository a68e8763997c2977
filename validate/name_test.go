package validate_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("a", 300)
	runes := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		in, want string
	}{
		{"photo.png", "photo.png"},
		{"My Holiday – café.JPG", "My Holiday – café.JPG"},
		{"../../etc/passwd", "passwd"},
		{`..\..\windows\system32\cmd.exe`, "cmd.exe"},
		{`C:\Users\ann\report.pdf`, "report.pdf"},
		{"dir/sub/", ""},
		{"a\x00b.pdf", "ab.pdf"},
		{"tab\there.txt", "tabhere.txt"},
		{"line\r\nbreak.txt", "linebreak.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"zero\u200Bwidth\uFEFF.png", "zerowidth.png"},
		{"iso\u2066late\u2069.png", "isolate.png"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{`what?<>:"|*.txt`, "what_______.txt"},
		{"report.pdf...", "report.pdf"},
		{"report.pdf . .", "report.pdf"},
		{"  .hidden", "hidden"},
		{"...", ""},
		{"..", ""},
		{".", ""},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"Nul.tar.gz", "_Nul.tar.gz"},
		{"COM1.png", "_COM1.png"},
		{"lpt9", "_lpt9"},
		{"COM¹.txt", "_COM¹.txt"},
		{"CONOUT$.log", "_CONOUT$.log"},
		{"console.txt", "console.txt"},
		{"COM10.txt", "COM10.txt"},
		{long + ".pdf", strings.Repeat("a", 251) + ".pdf"},
		{runes + ".docx", strings.Repeat("é", 125) + ".docx"}, // 250 bytes + 5, no split rune
		{long, strings.Repeat("a", 255)},
		{"a." + long, "a." + strings.Repeat("a", 253)}, // an extension too long to keep
	}
	for _, tt := range tests {
		got, err := validate.SanitizeName(tt.in)
		if tt.want == "" {
			if codeOf(t, err) != errs.InvalidName {
				t.Errorf("SanitizeName(%q) = %q, %v; want invalid_name", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if len(got) > validate.MaxNameLen || !utf8.ValidString(got) {
			t.Errorf("SanitizeName(%q) = %q: %d bytes, valid UTF-8 %v", tt.in, got, len(got), utf8.ValidString(got))
		}
	}
}

// TestSanitizeNameIdempotent checks that a sanitised name is left alone, so a
// name can be cleaned again (by a replaced action, say) without changing.
func TestSanitizeNameIdempotent(t *testing.T) {
	for _, in := range []string{"a/b/c.pdf", "CON.txt", "x\u202Ey.exe", strings.Repeat("ж", 300) + ".png", " . a . "} {
		once, err := validate.SanitizeName(in)
		if err != nil {
			t.Fatalf("SanitizeName(%q): %v", in, err)
		}
		twice, err := validate.SanitizeName(once)
		if err != nil || twice != once {
			t.Errorf("SanitizeName(%q) = %q, then %q, %v", in, once, twice, err)
		}
	}
}

func TestSanitizeNameAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := validate.SanitizeName("holiday photo.jpeg"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("SanitizeName of a clean name allocates %v times, want 0", allocs)
	}
}
