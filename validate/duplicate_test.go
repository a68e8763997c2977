package validate_test

import (
	"testing"

	"github.com/attachkit/attachments/validate"
)

func TestIsDuplicate(t *testing.T) {
	draft := []validate.Attached{
		{Name: "photo.png", Size: 89, Type: "image/png"},
		{Name: "doc.pdf", Size: 335, Type: "application/pdf"},
	}
	tests := []struct {
		f    validate.Attached
		want bool
	}{
		{validate.Attached{Name: "doc.pdf", Size: 335, Type: "application/pdf"}, true},
		{validate.Attached{Name: "photo.png", Size: 89, Type: "image/png"}, true},
		{validate.Attached{Name: "Photo.png", Size: 89, Type: "image/png"}, false},
		{validate.Attached{Name: "photo.png", Size: 90, Type: "image/png"}, false},
		{validate.Attached{Name: "photo.png", Size: 89, Type: "image/jpeg"}, false},
	}
	for _, tt := range tests {
		if got := validate.IsDuplicate(tt.f, draft); got != tt.want {
			t.Errorf("IsDuplicate(%+v) = %v, want %v", tt.f, got, tt.want)
		}
	}
	if validate.IsDuplicate(draft[0], nil) {
		t.Error("IsDuplicate in an empty draft = true")
	}
}
