package validate_test

import (
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

func TestNormalizeExtension(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"png", "png", true},
		{".PNG", "png", true},
		{"JPEG", "jpg", true},
		{".jpe", "jpg", true},
		{"tiff", "tif", true},
		{"HTM", "html", true},
		{"heif", "heic", true},
		{"mp4", "mp4", true},
		{"c++", "c++", true},
		{"7z", "7z", true},
		{"", "", false},
		{".", "", false},
		{"..png", "", false},
		{"tar.gz", "", false},
		{"p g", "", false},
		{" png", "", false},
		{"png/", "", false},
		{"pñg", "", false},
		{"abcdefghijklmnopq", "", false}, // 17 characters
	}
	for _, tt := range tests {
		got, err := validate.NormalizeExtension(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("NormalizeExtension(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if codeOf(t, err) != errs.InvalidArgument {
			t.Errorf("NormalizeExtension(%q) = %q, %v; want invalid_argument", tt.in, got, err)
		}
	}
}

func TestSameExtension(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"jpg", "JPEG", true},
		{".tif", "tiff", true},
		{"htm", ".HTML", true},
		{"png", "png", true},
		{"jpg", "png", false},
		{"mp4", "m4a", false},
		{"", "", false},
		{"tar.gz", "tar.gz", false},
	}
	for _, tt := range tests {
		if got := validate.SameExtension(tt.a, tt.b); got != tt.want {
			t.Errorf("SameExtension(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIsDangerousExtension(t *testing.T) {
	for _, e := range []string{"exe", ".EXE", "msi", "bat", "cmd", "ps1", "sh", "jar", "apk", "scr", "lnk", "php", "hta", "js", "dll"} {
		if !validate.IsDangerousExtension(e) {
			t.Errorf("IsDangerousExtension(%q) = false, want true", e)
		}
	}
	for _, e := range []string{"pdf", "png", "txt", "docx", "zip", "", "ex e"} {
		if validate.IsDangerousExtension(e) {
			t.Errorf("IsDangerousExtension(%q) = true, want false", e)
		}
	}
}

func TestContentClasses(t *testing.T) {
	for _, ct := range []string{"application/vnd.microsoft.portable-executable", "application/x-executable",
		"application/x-mach-binary", "application/x-msi", "text/x-shellscript", "text/x-msdos-batch", "application/java-archive"} {
		if !validate.IsDangerousType(ct) {
			t.Errorf("IsDangerousType(%q) = false, want true", ct)
		}
	}
	for _, ct := range []string{"text/html", "image/svg+xml", "application/xml"} {
		if !validate.IsActiveContent(ct) {
			t.Errorf("IsActiveContent(%q) = false, want true", ct)
		}
		if validate.IsDangerousType(ct) {
			t.Errorf("IsDangerousType(%q) = true, want false: active content is refused by the allow-list, not always", ct)
		}
	}
	for _, ct := range []string{"image/png", "text/plain", "application/pdf"} {
		if validate.IsActiveContent(ct) || validate.IsDangerousType(ct) {
			t.Errorf("%q is reported active or dangerous", ct)
		}
	}
}
