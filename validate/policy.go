package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// DefaultMaxFileSize is the largest file a Policy accepts when its
// MaxFileSize is zero: 10 MiB (10,485,760 bytes), as in Flex.
const DefaultMaxFileSize int64 = 10 << 20

// defaultExtensions is the allow-list of DefaultExtensions, canonical.
var defaultExtensions = [...]string{
	"jpg", "png", "gif", "heic", "webp", // pictures from phones and the web
	"pdf", "txt", "csv", "docx", "xlsx", "pptx", // documents
	"mp3", "m4a", "amr", "mp4", "mov", // voice notes and videos
}

// DefaultExtensions returns the extensions a Policy accepts when its
// AcceptedExtensions is empty: the pictures, documents, voice notes and
// videos people send in a chat: jpg (and its alias jpeg), png, gif, heic,
// webp, pdf, txt, csv, docx, xlsx, pptx, mp3, m4a, amr, mp4 and mov.
//
// It leaves out active content (HTML, SVG, XML), archives (which hide what
// they hold from these checks) and the legacy Office formats that carry
// macros (doc, xls, ppt). It returns a new slice on each call.
func DefaultExtensions() []string { return slices.Clone(defaultExtensions[:]) }

// Policy is one side's rules for the files it may send. Its JSON form is the
// fileAttachment object of a Flex configuration, with two opt-ins added.
//
// The zero Policy refuses every file: attachments are off until Enabled is
// set. Policy is a plain value, safe to copy and to share between goroutines.
type Policy struct {
	// Enabled turns attachments on for the side. Default false: every file
	// is refused with errs.AttachmentsDisabled.
	Enabled bool `json:"enabled"`

	// MaxFileSize is the largest file accepted, in bytes. Zero means
	// DefaultMaxFileSize (10,485,760 bytes). Negative is invalid (see
	// Normalize); Check treats it as zero.
	MaxFileSize int64 `json:"maxFileSize"`

	// MaxImageSize is the largest picture accepted, in bytes, for channels
	// that carry pictures under a lower limit than other files (WhatsApp:
	// 5 MB for images, 16 MB for the rest). Zero means MaxFileSize; a value
	// over MaxFileSize has no effect. A picture is a file whose content is
	// sniffed as an image, or, before the content arrives (Preflight), whose
	// extension names one. Negative is invalid (see Normalize).
	MaxImageSize int64 `json:"maxImageSize,omitempty"`

	// AcceptedExtensions is the allow-list of file extensions, compared
	// without case, leading dot or alias (".JPEG" accepts "a.jpg"). Empty
	// (nil) means DefaultExtensions(). A list replaces the default: it is
	// never merged with it.
	//
	// An extension is only a claim: the content must agree with it (see
	// Check). A dangerous extension (IsDangerousExtension) in the list has no
	// effect unless AllowDangerous is set.
	AcceptedExtensions []string `json:"acceptedExtensions"`

	// AllowNoExtension accepts files whose name has no extension, when their
	// content is of a type that an extension in the allow-list accepts
	// (AllowsType). Default false: such files are refused with
	// errs.ExtensionNotAllowed.
	AllowNoExtension bool `json:"allowNoExtension,omitempty"`

	// AllowDangerous accepts executables, installers and scripts (PE, ELF,
	// Mach-O, MSI, Java and Android packages, shell and batch scripts, …)
	// when their extension is in the allow-list. Default false: they are
	// refused with errs.TypeNotAllowed whatever the allow-list says, and so
	// is a name that hides a dangerous extension ("invoice.exe.pdf").
	AllowDangerous bool `json:"allowDangerous,omitempty"`
}

// SizeLimit returns the largest file p accepts, in bytes: MaxFileSize, or
// DefaultMaxFileSize when MaxFileSize is zero or negative.
func (p Policy) SizeLimit() int64 {
	if p.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return p.MaxFileSize
}

// SizeLimitFor returns the largest file of the sniffed type contentType that
// p accepts, in bytes: MaxImageSize for a picture when it is set and lower
// than SizeLimit, else SizeLimit.
func (p Policy) SizeLimitFor(contentType string) int64 {
	limit := p.SizeLimit()
	if p.MaxImageSize > 0 && p.MaxImageSize < limit && strings.HasPrefix(contentType, "image/") {
		return p.MaxImageSize
	}
	return limit
}

// Extensions returns p's allow-list in canonical form (see
// NormalizeExtension), without duplicates or malformed entries: the
// default list when AcceptedExtensions is empty.
func (p Policy) Extensions() []string {
	if len(p.AcceptedExtensions) == 0 {
		return DefaultExtensions()
	}
	out := make([]string, 0, len(p.AcceptedExtensions))
	for _, e := range p.AcceptedExtensions {
		if n, err := NormalizeExtension(e); err == nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// AllowsExtension reports whether ext (in any case, with or without its dot,
// or an alias) is in p's allow-list, and, when it is dangerous, whether p
// allows dangerous files. It does not look at Enabled.
func (p Policy) AllowsExtension(ext string) bool {
	e, err := NormalizeExtension(ext)
	return err == nil && p.allowsExtension(e)
}

// allowsExtension is AllowsExtension for a canonical extension. It does not
// allocate when the allow-list is already lower case.
func (p Policy) allowsExtension(ext string) bool {
	if dangerousExtensions[ext] && !p.AllowDangerous {
		return false
	}
	if len(p.AcceptedExtensions) == 0 {
		return slices.Contains(defaultExtensions[:], ext)
	}
	for _, a := range p.AcceptedExtensions {
		if n, err := NormalizeExtension(a); err == nil && n == ext {
			return true
		}
	}
	return false
}

// AllowsType reports whether some extension in p's allow-list accepts
// content of the sniffed type contentType, and, when the type is dangerous,
// whether p allows dangerous files. Every file Check accepts has a
// ContentType that p allows.
func (p Policy) AllowsType(contentType string) bool {
	if dangerousTypes[contentType] && !p.AllowDangerous {
		return false
	}
	list := p.AcceptedExtensions
	if len(list) == 0 {
		list = defaultExtensions[:]
	}
	for _, a := range list {
		if n, err := NormalizeExtension(a); err == nil && p.allowsExtension(n) && accepts(n, contentType) {
			return true
		}
	}
	return false
}

// Normalize returns p with its allow-list in canonical form and without
// duplicates, for a host that loads a Policy from configuration. It returns
// an *errs.Error with code errs.InvalidConfig that names the field when
// MaxFileSize or MaxImageSize is negative, when an entry of AcceptedExtensions is malformed
// (empty, "tar.gz", "p g"), or when an entry is a dangerous extension and
// AllowDangerous is not set: such an entry would have no effect.
func (p Policy) Normalize() (Policy, error) {
	if p.MaxFileSize < 0 {
		return p, &errs.Error{Code: errs.InvalidConfig, Op: "maxFileSize",
			Message: fmt.Sprintf("maxFileSize must not be negative, got %d", p.MaxFileSize)}
	}
	if p.MaxImageSize < 0 {
		return p, &errs.Error{Code: errs.InvalidConfig, Op: "maxImageSize",
			Message: fmt.Sprintf("maxImageSize must not be negative, got %d", p.MaxImageSize)}
	}
	if p.AcceptedExtensions == nil {
		return p, nil
	}
	out := make([]string, 0, len(p.AcceptedExtensions))
	for i, e := range p.AcceptedExtensions {
		field := fmt.Sprintf("acceptedExtensions[%d]", i)
		n, err := NormalizeExtension(e)
		if err != nil {
			return p, &errs.Error{Code: errs.InvalidConfig, Op: field,
				Message: fmt.Sprintf("%q is not a file extension", e), Err: err}
		}
		if dangerousExtensions[n] && !p.AllowDangerous {
			return p, &errs.Error{Code: errs.InvalidConfig, Op: field,
				Message: fmt.Sprintf(".%s files are executables or scripts: set allowDangerous to accept them", n)}
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	p.AcceptedExtensions = out
	return p, nil
}
