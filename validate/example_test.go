package validate_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// A host tests its own policy: customers may send pictures and PDFs up to
// 1 MB, and nothing that pretends to be one.
func Example() {
	policy := validate.Policy{
		Enabled:            true,
		MaxFileSize:        1 << 20,
		AcceptedExtensions: []string{"jpg", "png", "pdf"},
	}
	const (
		png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
		pdf = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
		exe = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
	)
	uploads := []struct{ name, declaredType, content string }{
		{"Holiday.PNG", "image/png", png},
		{"../../report.pdf", "application/pdf", pdf},
		{"report.pdf", "application/pdf", png},
		{"invoice.pdf.exe", "application/pdf", exe},
		{"notes.txt", "text/plain", "hello"},
		{"photo.jpg", "image/jpeg", ""},
	}
	for _, u := range uploads {
		v, r, err := policy.Check(context.Background(), u.name, u.declaredType, 0, strings.NewReader(u.content))
		if err != nil {
			e := errs.As(err)
			fmt.Printf("%-18q refused, %s: %s\n", u.name, e.Code, e.Text())
			continue
		}
		n, err := io.Copy(io.Discard, r) // a host stores the file here
		if err != nil {
			fmt.Printf("%-18q refused while streaming: %v\n", u.name, err)
			continue
		}
		fmt.Printf("%-18q accepted as %s (%s, %d bytes)\n", u.name, v.Name, v.ContentType, n)
	}
	// Output:
	// "Holiday.PNG"      accepted as Holiday.PNG (image/png, 29 bytes)
	// "../../report.pdf" accepted as report.pdf (application/pdf, 51 bytes)
	// "report.pdf"       refused, type_mismatch: this is a PNG picture, but its name ends in .pdf
	// "invoice.pdf.exe"  refused, type_not_allowed: executable files and scripts are not accepted
	// "notes.txt"        refused, extension_not_allowed: files ending in .txt are not accepted
	// "photo.jpg"        refused, empty_file: the file is empty
}

func ExampleSanitizeName() {
	for _, name := range []string{"../../etc/passwd", "invoice\u202Efdp.exe", "CON.txt", "report.pdf. . ."} {
		clean, err := validate.SanitizeName(name)
		fmt.Printf("%q → %q %v\n", name, clean, err)
	}
	// Output:
	// "../../etc/passwd" → "passwd" <nil>
	// "invoice\u202efdp.exe" → "invoicefdp.exe" <nil>
	// "CON.txt" → "_CON.txt" <nil>
	// "report.pdf. . ." → "report.pdf" <nil>
}

// A host refuses an upload before its body arrives, from what the client
// announced.
func ExamplePolicy_Preflight() {
	policy := validate.Policy{Enabled: true} // 10 MB, the default extensions
	_, err := policy.Preflight("video.mp4", "video/mp4", 50<<20)
	e := errs.As(err)
	fmt.Println(e.Code, e.Details.Limit, e.Details.Size)
	fmt.Println(e.Text())
	// Output:
	// file_too_large 10485760 52428800
	// the file is larger than the 10 MB limit
}

func ExampleNormalizeExtension() {
	for _, ext := range []string{".JPEG", "tiff", "pdf", "tar.gz"} {
		n, err := validate.NormalizeExtension(ext)
		fmt.Printf("%q → %q %v\n", ext, n, err != nil)
	}
	fmt.Println(validate.SameExtension("jpg", ".JPEG"))
	// Output:
	// ".JPEG" → "jpg" false
	// "tiff" → "tif" false
	// "pdf" → "pdf" false
	// "tar.gz" → "" true
	// true
}
