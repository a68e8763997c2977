package validate_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// TestPolicyJSON checks that a Flex fileAttachment object unmarshals into a
// Policy.
func TestPolicyJSON(t *testing.T) {
	const flex = `{"enabled": true, "maxFileSize": 5242880, "acceptedExtensions": ["png", "JPG", ".pdf"], "allowNoExtension": true}`
	var p validate.Policy
	if err := json.Unmarshal([]byte(flex), &p); err != nil {
		t.Fatal(err)
	}
	want := validate.Policy{Enabled: true, MaxFileSize: 5 << 20, AcceptedExtensions: []string{"png", "JPG", ".pdf"}, AllowNoExtension: true}
	if !p.Enabled || p.MaxFileSize != want.MaxFileSize || !slices.Equal(p.AcceptedExtensions, want.AcceptedExtensions) || !p.AllowNoExtension || p.AllowDangerous {
		t.Errorf("unmarshalled %+v, want %+v", p, want)
	}
	if !p.AllowsExtension("jpeg") || !p.AllowsExtension("PDF") || p.AllowsExtension("gif") {
		t.Errorf("AllowsExtension does not follow the unmarshalled list %q", p.AcceptedExtensions)
	}
}

func TestPolicyDefaults(t *testing.T) {
	var p validate.Policy
	if got := p.SizeLimit(); got != 10485760 {
		t.Errorf("zero SizeLimit = %d, want 10485760", got)
	}
	if got := (validate.Policy{MaxFileSize: -5}).SizeLimit(); got != validate.DefaultMaxFileSize {
		t.Errorf("negative SizeLimit = %d, want the default", got)
	}
	if got := (validate.Policy{MaxFileSize: 7}).SizeLimit(); got != 7 {
		t.Errorf("SizeLimit = %d, want 7", got)
	}
	def := validate.DefaultExtensions()
	for _, e := range []string{"jpg", "png", "gif", "heic", "pdf", "txt", "mp3", "mp4", "amr", "docx", "xlsx", "pptx"} {
		if !slices.Contains(def, e) {
			t.Errorf("DefaultExtensions() lacks %q", e)
		}
		if !p.AllowsExtension(e) {
			t.Errorf("zero policy's allow-list lacks %q", e)
		}
	}
	for _, e := range def {
		if validate.IsDangerousExtension(e) || e == "html" || e == "svg" || e == "zip" {
			t.Errorf("DefaultExtensions() holds %q", e)
		}
	}
	if !p.AllowsExtension("JPEG") {
		t.Error("default list does not accept the jpeg alias")
	}
	def[0] = "exe"
	if slices.Contains(validate.DefaultExtensions(), "exe") {
		t.Error("changing the slice DefaultExtensions returned changed the default")
	}
	if got := p.Extensions(); !slices.Equal(got, validate.DefaultExtensions()) {
		t.Errorf("Extensions() of the zero policy = %q, want the default", got)
	}
}

func TestPolicyExtensions(t *testing.T) {
	p := validate.Policy{AcceptedExtensions: []string{"JPEG", ".jpg", "png", "bad ext", "PNG"}}
	if got, want := p.Extensions(), []string{"jpg", "png"}; !slices.Equal(got, want) {
		t.Errorf("Extensions() = %q, want %q", got, want)
	}
}

func TestPolicyAllowsType(t *testing.T) {
	tests := []struct {
		policy validate.Policy
		ct     string
		want   bool
	}{
		{defaults, "image/png", true},
		{defaults, "text/csv", true},
		{defaults, "video/quicktime", true},
		{defaults, "text/html", false},
		{defaults, "application/zip", false},
		{defaults, "application/octet-stream", false},
		{onlyJPEG, "image/jpeg", true},
		{onlyJPEG, "image/png", false},
		{customDat, "application/octet-stream", true},
		{withoutExe, "application/vnd.microsoft.portable-executable", false},
		{permissive, "application/vnd.microsoft.portable-executable", true},
		{validate.Policy{AcceptedExtensions: []string{"psd"}}, "image/vnd.adobe.photoshop", true},
	}
	for _, tt := range tests {
		if got := tt.policy.AllowsType(tt.ct); got != tt.want {
			t.Errorf("%v.AllowsType(%q) = %v, want %v", tt.policy.AcceptedExtensions, tt.ct, got, tt.want)
		}
	}
}

func TestPolicyNormalize(t *testing.T) {
	p, err := validate.Policy{Enabled: true, AcceptedExtensions: []string{".JPEG", "jpg", "Pdf"}}.Normalize()
	if err != nil || !slices.Equal(p.AcceptedExtensions, []string{"jpg", "pdf"}) || !p.Enabled {
		t.Errorf("Normalize() = %+v, %v; want [jpg pdf]", p, err)
	}
	if p, err := (validate.Policy{}).Normalize(); err != nil || p.AcceptedExtensions != nil {
		t.Errorf("Normalize() of the zero policy = %+v, %v; want it unchanged", p, err)
	}
	if p, err := (validate.Policy{AllowDangerous: true, AcceptedExtensions: []string{"EXE"}}).Normalize(); err != nil || p.AcceptedExtensions[0] != "exe" {
		t.Errorf("Normalize() with the opt-in = %+v, %v; want [exe]", p, err)
	}
	bad := []struct {
		p      validate.Policy
		wantOp string
	}{
		{validate.Policy{MaxFileSize: -1}, "maxFileSize"},
		{validate.Policy{MaxImageSize: -1}, "maxImageSize"},
		{validate.Policy{AcceptedExtensions: []string{"png", "tar.gz"}}, "acceptedExtensions[1]"},
		{validate.Policy{AcceptedExtensions: []string{""}}, "acceptedExtensions[0]"},
		{validate.Policy{AcceptedExtensions: []string{"pdf", "exe"}}, "acceptedExtensions[1]"},
	}
	for _, tt := range bad {
		_, err := tt.p.Normalize()
		if codeOf(t, err) != errs.InvalidConfig || errs.As(err).Op != tt.wantOp {
			t.Errorf("Normalize(%+v) = %v, want invalid_config for %s", tt.p, err, tt.wantOp)
		}
	}
}
