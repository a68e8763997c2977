package validate_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// checkName fails the test when a name that SanitizeName returned could
// escape a directory, hide characters or break a file system.
func checkName(t *testing.T, in, name string) {
	t.Helper()
	if name == "" || len(name) > validate.MaxNameLen || !utf8.ValidString(name) {
		t.Fatalf("SanitizeName(%q) = %q: empty, too long or not UTF-8", in, name)
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		t.Fatalf("SanitizeName(%q) = %q holds a path", in, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u200b' || r == '\ufeff' {
			t.Fatalf("SanitizeName(%q) = %q holds %U", in, name, r)
		}
	}
	if strings.ContainsAny(name, `<>:"|?*`) {
		t.Fatalf("SanitizeName(%q) = %q holds a character Windows forbids", in, name)
	}
	if strings.TrimRight(name, ". ") != name || strings.TrimLeft(name, ". ") != name {
		t.Fatalf("SanitizeName(%q) = %q starts or ends with a dot or space", in, name)
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, s := range samples {
		f.Add(s.file)
	}
	for _, s := range []string{"", "../../etc/passwd", `C:\a\b.exe`, "invoice\u202efdp.exe", "CON.txt",
		"a\x00b", "report.pdf. . .", strings.Repeat("é", 200) + ".png", "\xff\xfe", "ｆｕｌｌ／ｗｉｄｔｈ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name, err := validate.SanitizeName(in)
		if err != nil {
			if codeOf(t, err) != "invalid_name" || name != "" {
				t.Fatalf("SanitizeName(%q) = %q, %v; want invalid_name", in, name, err)
			}
			return
		}
		checkName(t, in, name)
		if again, err := validate.SanitizeName(name); err != nil || again != name {
			t.Fatalf("SanitizeName(%q) = %q, but SanitizeName(%q) = %q, %v", in, name, name, again, err)
		}
	})
}

// fuzzPolicies are the policies FuzzCheck picks from.
var fuzzPolicies = []validate.Policy{
	defaults,
	noExtOK,
	customDat,
	permissive,
	{Enabled: true, MaxFileSize: 100, AllowNoExtension: true},
}

func FuzzCheck(f *testing.F) {
	for i, s := range samples {
		content, err := readSample(s.file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.file, "", content, uint8(i))
		f.Add("renamed.png", "image/png", content, uint8(0))
		f.Add("noext", "", content, uint8(1))
	}
	f.Add("a.txt", "text/plain", []byte("<svg onload=alert(1)>"), uint8(0))
	f.Add("invoice.pdf.exe", "", []byte("MZ\x90\x00"), uint8(3))
	f.Add("export.csv", "", []byte("Nom;Prix\r\nRen\xe9;12 \x80\r\n"), uint8(0))
	f.Add("notes.txt", "", []byte("\xff\xfeh\x00i\x00\n\x00"), uint8(0))
	f.Add("notes.txt", "", []byte("\xfe\xff\x00<\x00h\x00t\x00m\x00l\x00>"), uint8(0))
	f.Fuzz(func(t *testing.T, name, declared string, content []byte, pick uint8) {
		p := fuzzPolicies[int(pick)%len(fuzzPolicies)]
		v, r, err := p.Check(context.Background(), name, declared, 0, bytes.NewReader(content))
		if v.Name != "" {
			checkName(t, name, v.Name)
		}
		if err != nil {
			if r != nil {
				t.Fatal("Check returned a reader with its error")
			}
			codeOf(t, err) // fails unless err is an *errs.Error
			// What the sender reads names the file in words: a MIME type
			// (every one holds a slash) is for hosts, in the Details.
			if msg := errs.As(err).Text(); strings.Contains(msg, "/") {
				t.Fatalf("Check(%q) refused with %q, which shows the sender a type", name, msg)
			}
			return
		}
		if !p.AllowsType(v.ContentType) {
			t.Fatalf("Check(%q) accepted type %q that the policy does not allow", name, v.ContentType)
		}
		if v.Extension == "" && !p.AllowNoExtension || v.Extension != "" && !p.AllowsExtension(v.Extension) {
			t.Fatalf("Check(%q) accepted extension %q that the policy does not allow", name, v.Extension)
		}
		if validate.IsDangerousType(v.ContentType) && !p.AllowDangerous {
			t.Fatalf("Check(%q) accepted dangerous content %q", name, v.ContentType)
		}
		got, err := io.ReadAll(r)
		if int64(len(content)) > p.SizeLimit() {
			if codeOf(t, err) != "file_too_large" || int64(len(got)) > p.SizeLimit() {
				t.Fatalf("stream of %d bytes under a %d limit: %d bytes, %v", len(content), p.SizeLimit(), len(got), err)
			}
			return
		}
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("stream yielded %d bytes, %v; want the %d of the file", len(got), err, len(content))
		}
	})
}
