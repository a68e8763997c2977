package validate_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// sample returns the content of a file in testdata (written by
// testdata/gen.go).
func sample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := readSample(name)
	if err != nil {
		tb.Fatalf("sample %s: %v", name, err)
	}
	return b
}

func readSample(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

// samples lists every file in testdata with the type Check must sniff for
// it under its own name.
var samples = []struct{ file, contentType string }{
	{"photo.png", "image/png"},
	{"photo-4k.png", "image/png"},
	{"photo.jpg", "image/jpeg"},
	{"anim.gif", "image/gif"},
	{"photo.webp", "image/webp"},
	{"photo.heic", "image/heic"},
	{"doc.pdf", "application/pdf"},
	{"notes.txt", "text/plain"},
	{"table.csv", "text/csv"},
	{"data.json", "application/json"},
	{"page.html", "text/html"},
	{"logo.svg", "image/svg+xml"},
	{"feed.xml", "application/xml"},
	{"song.mp3", "audio/mpeg"},
	{"voice.m4a", "audio/mp4"},
	{"voice.amr", "audio/amr"},
	{"clip.mp4", "video/mp4"},
	{"clip.mov", "video/quicktime"},
	{"report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	{"archive.zip", "application/zip"},
	{"memo.doc", "application/msword"},
	{"tool.jar", "application/java-archive"},
	{"program.exe", "application/vnd.microsoft.portable-executable"},
	{"program.elf", "application/x-executable"},
	{"program.macho", "application/x-mach-binary"},
	{"installer.msi", "application/x-msi"},
	{"script.sh", "text/x-shellscript"},
	{"script.bat", "text/x-msdos-batch"},
}

// permissive accepts every sample under its own name: all their extensions,
// dangerous ones included.
var permissive = validate.Policy{
	Enabled:        true,
	AllowDangerous: true,
	AcceptedExtensions: []string{
		"png", "jpg", "gif", "webp", "heic", "pdf", "txt", "csv", "json", "html",
		"svg", "xml", "mp3", "m4a", "amr", "mp4", "mov", "docx", "xlsx", "pptx",
		"zip", "doc", "jar", "exe", "elf", "macho", "msi", "sh", "bat",
	},
}

// check runs p.Check on content and reads the stream it returns to the end,
// as a host that stores the file would. It returns the verdict, the bytes
// read and the first error.
func check(p validate.Policy, name, declared string, size int64, content []byte) (validate.Verdict, []byte, error) {
	v, r, err := p.Check(context.Background(), name, declared, size, bytes.NewReader(content))
	if err != nil {
		if r != nil {
			return v, nil, errors.New("Check returned a reader with its error")
		}
		return v, nil, err
	}
	got, err := io.ReadAll(r)
	return v, got, err
}

// TestSamples checks that the corpus is complete and that every sample is
// accepted under its own name with the type it really has.
func TestSamples(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range samples {
		listed[s.file] = true
	}
	for _, e := range entries {
		if n := e.Name(); n != "gen.go" && !listed[n] {
			t.Errorf("testdata/%s is not in samples", n)
		}
	}
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			content := sample(t, s.file)
			v, got, err := check(permissive, s.file, "", int64(len(content)), content)
			if err != nil {
				t.Fatalf("Check(%s) = %v, want accepted", s.file, err)
			}
			if v.ContentType != s.contentType {
				t.Errorf("ContentType = %q, want %q", v.ContentType, s.contentType)
			}
			if !bytes.Equal(got, content) {
				t.Errorf("stream yielded %d bytes that differ from the %d of the file", len(got), len(content))
			}
			if !permissive.AllowsType(v.ContentType) {
				t.Errorf("AllowsType(%q) = false for an accepted file", v.ContentType)
			}
		})
	}
}

// codeOf returns the code of err, failing the test when err is not an
// *errs.Error.
func codeOf(t *testing.T, err error) errs.Code {
	t.Helper()
	if err == nil {
		return ""
	}
	e := errs.As(err)
	if e == nil {
		t.Fatalf("error %v (%T) is not an *errs.Error", err, err)
	}
	return e.Code
}
