package validate_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

var (
	defaults   = validate.Policy{Enabled: true}
	noExtOK    = validate.Policy{Enabled: true, AllowNoExtension: true}
	customDat  = validate.Policy{Enabled: true, AcceptedExtensions: []string{"dat", "txt"}}
	onlyJPEG   = validate.Policy{Enabled: true, AcceptedExtensions: []string{".JPEG"}}
	tinyLimit  = validate.Policy{Enabled: true, MaxFileSize: 50}
	withoutExe = validate.Policy{Enabled: true, AcceptedExtensions: []string{"exe", "png"}}
)

// TestCheck is the table of (policy, name, declared type, content) →
// verdict or refusal code that covers every rule of the package.
func TestCheck(t *testing.T) {
	type file = string // a testdata sample, or literal content after "="
	tests := []struct {
		why      string
		policy   validate.Policy
		name     string
		declared string
		size     int64
		content  file
		wantCode errs.Code
		wantType string // the sniffed type, accepted or not
	}{
		// Enabled.
		{"zero policy is off", validate.Policy{}, "photo.png", "image/png", 0, "photo.png", errs.AttachmentsDisabled, ""},

		// Extension: allow-list, case, aliases.
		{"default list has png", defaults, "photo.png", "image/png", 0, "photo.png", "", "image/png"},
		{"extension case is ignored", defaults, "PHOTO.PNG", "", 0, "photo.png", "", "image/png"},
		{"jpeg is an alias of jpg", defaults, "photo.jpeg", "", 0, "photo.jpg", "", "image/jpeg"},
		{"list entry .JPEG accepts .jpg", onlyJPEG, "photo.JPG", "", 0, "photo.jpg", "", "image/jpeg"},
		{"custom list replaces the default", onlyJPEG, "photo.png", "", 0, "photo.png", errs.ExtensionNotAllowed, ""},
		{"zip is not in the default list", defaults, "archive.zip", "", 0, "archive.zip", errs.ExtensionNotAllowed, ""},
		{"html is not in the default list", defaults, "page.html", "", 0, "page.html", errs.ExtensionNotAllowed, ""},
		{"malformed extension", defaults, "photo.p g", "", 0, "photo.png", errs.ExtensionNotAllowed, ""},
		{"no extension is refused", defaults, "README", "", 0, "notes.txt", errs.ExtensionNotAllowed, ""},
		{"trailing dot leaves no extension", defaults, "photo.", "", 0, "photo.png", errs.ExtensionNotAllowed, ""},
		{"no extension allowed by opt-in", noExtOK, "IMG_0001", "", 0, "photo.png", "", "image/png"},
		{"no extension still needs an allowed type", noExtOK, "bundle", "", 0, "archive.zip", errs.TypeNotAllowed, "application/zip"},
		{"no extension, executable content", noExtOK, "setup", "", 0, "program.exe", errs.TypeNotAllowed, "application/vnd.microsoft.portable-executable"},
		{"no extension, active content", noExtOK, "index", "", 0, "page.html", errs.TypeNotAllowed, "text/html"},

		// Double and dangerous extensions.
		{"executable behind a pdf extension", defaults, "invoice.pdf.exe", "", 0, "program.exe", errs.TypeNotAllowed, ""},
		{"executable name with pdf content", defaults, "invoice.pdf.exe", "", 0, "doc.pdf", errs.TypeNotAllowed, ""},
		{"hidden exe before pdf", defaults, "invoice.exe.pdf", "", 0, "doc.pdf", errs.TypeNotAllowed, ""},
		{"hidden php before jpg", defaults, "photo.php.jpg", "", 0, "photo.jpg", errs.TypeNotAllowed, ""},
		{"hidden exe behind a NUL", defaults, "invoice.exe\x00.pdf", "", 0, "doc.pdf", errs.TypeNotAllowed, ""},
		{"a domain is not a hidden extension", defaults, "shop.example.com.pdf", "", 0, "doc.pdf", "", "application/pdf"},
		{"trailing dots do not hide .exe", defaults, "setup.exe. . .", "", 0, "program.exe", errs.TypeNotAllowed, ""},
		{"dangerous extension in list needs opt-in", withoutExe, "setup.exe", "", 0, "program.exe", errs.TypeNotAllowed, ""},
		{"right-to-left override cannot hide .exe", defaults, "invoice\u202efdp.exe", "", 0, "program.exe", errs.TypeNotAllowed, ""},
		{"opt-in accepts a named executable", permissive, "setup.exe", "", 0, "program.exe", "", "application/vnd.microsoft.portable-executable"},

		// Names.
		{"empty name", defaults, "", "", 0, "photo.png", errs.InvalidName, ""},
		{"dot-dot name", defaults, "../..", "", 0, "photo.png", errs.InvalidName, ""},
		{"only control characters", defaults, "\x00\x1b\u202e", "", 0, "photo.png", errs.InvalidName, ""},
		{"path is stripped", defaults, "../../etc/photo.png", "", 0, "photo.png", "", "image/png"},

		// Size.
		{"declared size over the limit", defaults, "photo.png", "", validate.DefaultMaxFileSize + 1, "photo.png", errs.FileTooLarge, ""},
		{"declared size at the limit", defaults, "photo.png", "", validate.DefaultMaxFileSize, "photo.png", "", "image/png"},
		{"a negative size is unknown, as 0 is", defaults, "photo.png", "", 0, "photo.png", "", "image/png"},
		{"empty stream", defaults, "photo.png", "", 0, "=", errs.EmptyFile, ""},
		{"stream over a tiny limit", tinyLimit, "photo.png", "", 0, "photo.png", errs.FileTooLarge, ""},

		// Content agreement: each spoofing pair.
		{"png named pdf", defaults, "doc.pdf", "application/pdf", 0, "photo.png", errs.TypeMismatch, "image/png"},
		{"pdf named png", defaults, "photo.png", "image/png", 0, "doc.pdf", errs.TypeMismatch, "application/pdf"},
		{"jpeg named png", defaults, "photo.png", "", 0, "photo.jpg", errs.TypeMismatch, "image/jpeg"},
		{"heic named jpg", defaults, "photo.jpg", "", 0, "photo.heic", errs.TypeMismatch, "image/heic"},
		{"exe named png", defaults, "photo.png", "image/png", 0, "program.exe", errs.TypeMismatch, "application/vnd.microsoft.portable-executable"},
		{"elf named jpg", defaults, "photo.jpg", "", 0, "program.elf", errs.TypeMismatch, "application/x-executable"},
		{"mach-o named mp4", defaults, "clip.mp4", "", 0, "program.macho", errs.TypeMismatch, "application/x-mach-binary"},
		{"msi named docx", defaults, "report.docx", "", 0, "installer.msi", errs.TypeMismatch, "application/x-msi"},
		{"jar named docx", defaults, "report.docx", "", 0, "tool.jar", errs.TypeMismatch, "application/java-archive"},
		{"html named txt", defaults, "notes.txt", "text/plain", 0, "page.html", errs.TypeMismatch, "text/html"},
		{"svg named png", defaults, "logo.png", "", 0, "logo.svg", errs.TypeMismatch, "image/svg+xml"},
		{"svg named txt", defaults, "logo.txt", "", 0, "logo.svg", errs.TypeMismatch, "image/svg+xml"},
		{"xml named txt", defaults, "feed.txt", "", 0, "feed.xml", errs.TypeMismatch, "application/xml"},
		{"shell script named txt", defaults, "notes.txt", "", 0, "script.sh", errs.TypeMismatch, "text/x-shellscript"},
		{"batch file named txt", defaults, "notes.txt", "", 0, "script.bat", errs.TypeMismatch, "text/x-msdos-batch"},
		{"plain zip named docx", defaults, "report.docx", "", 0, "archive.zip", errs.TypeMismatch, "application/zip"},
		{"docx named xlsx", defaults, "sheet.xlsx", "", 0, "report.docx", errs.TypeMismatch, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"pptx named pdf", defaults, "doc.pdf", "", 0, "slides.pptx", errs.TypeMismatch, "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"mp3 named mp4", defaults, "clip.mp4", "", 0, "song.mp3", errs.TypeMismatch, "audio/mpeg"},
		{"text named pdf", defaults, "doc.pdf", "", 0, "notes.txt", errs.TypeMismatch, "text/plain"},
		{"text named png", defaults, "photo.png", "", 0, "=hello", errs.TypeMismatch, "text/plain"},
		{"binary named txt", defaults, "notes.txt", "", 0, "=\x00\x01\x02\x03", errs.TypeMismatch, "application/octet-stream"},
		{"prose named csv", defaults, "table.csv", "", 0, "=Dear Ann, hello.\nSee you, Bob, Carl and Dee.\n", errs.TypeMismatch, "text/plain"},
		{"bad json named json", permissive, "data.json", "", 0, "={\"a\": }", errs.TypeMismatch, "text/plain"},
		{"MZ prose is text, not an executable", defaults, "notes.txt", "", 0, "=MZ is a two-letter code.\n", "", "text/plain"},
		{"html after a comment", defaults, "notes.txt", "", 0, "=<!-- hi -->\n<script>alert(1)</script>", errs.TypeMismatch, "text/html"},
		{"html tag in upper case", defaults, "notes.txt", "", 0, "=  <HTML><BODY>x", errs.TypeMismatch, "text/html"},

		// Text families refined by the extension.
		{"json named txt is text", defaults, "data.txt", "", 0, "data.json", "", "text/plain"},
		{"csv named txt is text", defaults, "table.txt", "", 0, "table.csv", "", "text/plain"},
		{"semicolon csv", defaults, "table.csv", "", 0, "=a;b;c\n1,5;2;3\n", "", "text/csv"},

		// Office formats are told apart from zip.
		{"docx", defaults, "report.docx", "", 0, "report.docx", "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"zip extension accepts a docx", permissive, "report.zip", "", 0, "report.docx", "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},

		// An extension the package does not know.
		{"unknown extension, text", customDat, "notes.dat", "", 0, "notes.txt", "", "text/plain"},
		{"unknown extension, unknown bytes", customDat, "blob.dat", "", 0, "=\x00\x01\x02\x03\x04", "", "application/octet-stream"},
		{"unknown extension, known type", customDat, "photo.dat", "", 0, "photo.png", errs.TypeMismatch, "image/png"},
		{"unknown extension, executable", customDat, "setup.dat", "", 0, "program.exe", errs.TypeMismatch, "application/vnd.microsoft.portable-executable"},
		{"unknown extension, html", customDat, "page.dat", "", 0, "page.html", errs.TypeMismatch, "text/html"},

		// The declared type is recorded, never trusted.
		{"declared type lies", defaults, "photo.png", "application/pdf", 0, "photo.png", "", "image/png"},
		{"declared type cannot rescue a mismatch", defaults, "photo.pdf", "image/png", 0, "photo.png", errs.TypeMismatch, "image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			var content []byte
			if c, ok := strings.CutPrefix(tt.content, "="); ok {
				content = []byte(c)
			} else {
				content = sample(t, tt.content)
			}
			v, got, err := check(tt.policy, tt.name, tt.declared, tt.size, content)
			if code := codeOf(t, err); code != tt.wantCode {
				t.Fatalf("Check(%q) code = %q (%v), want %q", tt.name, code, err, tt.wantCode)
			}
			if tt.wantType != "" && v.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", v.ContentType, tt.wantType)
			}
			if err != nil {
				if e := errs.As(err); e.Details.SniffedType != v.ContentType {
					t.Errorf("Details.SniffedType = %q, want the verdict's %q", e.Details.SniffedType, v.ContentType)
				}
				return
			}
			if !bytes.Equal(got, content) {
				t.Errorf("stream yielded %d bytes that differ from the %d of the file", len(got), len(content))
			}
			if !tt.policy.AllowsType(v.ContentType) {
				t.Errorf("accepted a file of type %q that the policy does not allow", v.ContentType)
			}
		})
	}
}

// TestCheckVerdict checks every field of an accepted file's verdict.
func TestCheckVerdict(t *testing.T) {
	content := sample(t, "photo.jpg")
	v, _, err := check(defaults, `C:\Users\ann\Photo "1".JPEG`, " Image/JPEG ; q=1", 652, content)
	if err != nil {
		t.Fatal(err)
	}
	want := validate.Verdict{
		Name:         "Photo _1_.JPEG",
		Extension:    "jpg",
		ContentType:  "image/jpeg",
		DeclaredType: "image/jpeg",
		Size:         652,
	}
	if v != want {
		t.Errorf("verdict = %+v, want %+v", v, want)
	}
}

// TestRefusalDetails checks the message and details a host shows and logs.
func TestRefusalDetails(t *testing.T) {
	tests := []struct {
		why         string
		policy      validate.Policy
		name        string
		declared    string
		size        int64
		content     string
		wantMessage string
		wantDetails errs.Details
	}{
		{"mismatch says what the file is, in words", defaults, "report.PDF", "application/pdf", 0, "photo.png",
			"this is a PNG picture, but its name ends in .pdf",
			errs.Details{Extension: "pdf", DeclaredType: "application/pdf", SniffedType: "image/png"}},
		{"declared size over the limit", defaults, "photo.jpeg", "image/jpeg", 20 << 20, "photo.jpg",
			"the file is larger than the 10 MB limit",
			errs.Details{Limit: 10 << 20, Size: 20 << 20, Extension: "jpg", DeclaredType: "image/jpeg"}},
		{"odd limit", validate.Policy{Enabled: true, MaxFileSize: 1536}, "photo.png", "", 4096, "photo.png",
			"the file is larger than the 1.5 KB limit",
			errs.Details{Limit: 1536, Size: 4096, Extension: "png"}},
		{"stream over the limit", tinyLimit, "photo.png", "", 0, "photo.png",
			"the file is larger than the 50 bytes limit",
			errs.Details{Limit: 50, Size: 51, Extension: "png"}},
		{"extension not allowed", defaults, "Archive.ZIP", "", 0, "archive.zip",
			"files ending in .zip are not accepted",
			errs.Details{Extension: "zip"}},
		{"no extension", defaults, "README", "", 0, "notes.txt",
			"files without an extension are not accepted", errs.Details{}},
		{"hidden extension", defaults, "invoice.exe.pdf", "", 0, "doc.pdf",
			"the file name hides a .exe extension",
			errs.Details{Extension: "pdf", Reason: "hidden extension .exe"}},
		{"dangerous extension", defaults, "setup.exe", "", 0, "program.exe",
			"executable files and scripts are not accepted", errs.Details{Extension: "exe"}},
		{"disabled", validate.Policy{}, "photo.png", "", 0, "photo.png",
			"file attachments are not enabled", errs.Details{}},
		{"a name that cleans down to nothing", defaults, "/", "", 0, "photo.png",
			"the file name is not valid", errs.Details{}},
		{"empty stream", defaults, "notes.txt", "text/plain", 0, "",
			"the file is empty", errs.Details{Extension: "txt", DeclaredType: "text/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			var content []byte
			if tt.content != "" {
				content = sample(t, tt.content)
			}
			_, _, err := check(tt.policy, tt.name, tt.declared, tt.size, content)
			e := errs.As(err)
			if e == nil {
				t.Fatalf("Check(%q) = %v, want an *errs.Error", tt.name, err)
			}
			if e.Text() != tt.wantMessage {
				t.Errorf("message = %q, want %q", e.Text(), tt.wantMessage)
			}
			if e.Details != tt.wantDetails {
				t.Errorf("details = %+v, want %+v", e.Details, tt.wantDetails)
			}
			if e.Op != "validate" {
				t.Errorf("Op = %q, want validate", e.Op)
			}
			if !errors.Is(err, e.Code) {
				t.Errorf("errors.Is(err, %q) = false", e.Code)
			}
		})
	}
}

// TestPreflight checks that the early checks need no content and agree with
// Check.
func TestPreflight(t *testing.T) {
	tests := []struct {
		policy   validate.Policy
		name     string
		size     int64
		wantCode errs.Code
		wantExt  string
	}{
		{defaults, "photo.PNG", 0, "", "png"},
		{defaults, "photo.png", 1, "", "png"},
		{defaults, "photo.png", validate.DefaultMaxFileSize + 1, errs.FileTooLarge, "png"},
		{defaults, "photo.png", 0, "", "png"}, // unknown: the stream decides
		{defaults, "photo.png", -42, "", "png"},
		{defaults, "setup.exe", 0, errs.TypeNotAllowed, "exe"},
		{defaults, "movie.mkv", 0, errs.ExtensionNotAllowed, "mkv"},
		{defaults, "...", 0, errs.InvalidName, ""},
		{validate.Policy{}, "photo.png", 0, errs.AttachmentsDisabled, ""},
		{validate.Policy{Enabled: true, MaxFileSize: 100}, "photo.png", 101, errs.FileTooLarge, "png"},
	}
	for _, tt := range tests {
		v, err := tt.policy.Preflight(tt.name, "", tt.size)
		if code := codeOf(t, err); code != tt.wantCode {
			t.Errorf("Preflight(%q, %d) code = %q, want %q", tt.name, tt.size, code, tt.wantCode)
		}
		if v.Extension != tt.wantExt {
			t.Errorf("Preflight(%q) extension = %q, want %q", tt.name, v.Extension, tt.wantExt)
		}
		if v.ContentType != "" {
			t.Errorf("Preflight(%q) sniffed %q without content", tt.name, v.ContentType)
		}
		if tt.size <= 0 && v.Size != 0 {
			t.Errorf("Preflight(%q, %d) size = %d, want 0 (unknown)", tt.name, tt.size, v.Size)
		}
	}
}

// TestCheckCanceled checks that a done context stops Check before it reads.
func TestCheckCanceled(t *testing.T) {
	canceledCtx, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	for cause, ctx := range map[error]context.Context{context.Canceled: canceledCtx, context.DeadlineExceeded: expired} {
		src := &countingReader{r: bytes.NewReader(sample(t, "photo.png"))}
		_, r, err := defaults.Check(ctx, "photo.png", "", 0, src)
		if code := codeOf(t, err); code != errs.Canceled || !errors.Is(err, cause) {
			t.Errorf("Check with a done context = %v, want canceled wrapping %v", err, cause)
		}
		if r != nil || src.n != 0 {
			t.Errorf("Check read %d bytes and returned reader %v, want none", src.n, r)
		}
	}
}

// TestCheckSourceError checks that an error from the caller's reader while
// the header is read comes back unchanged.
func TestCheckSourceError(t *testing.T) {
	boom := errors.New("connection reset")
	src := io.MultiReader(bytes.NewReader([]byte("\x89PNG\r\n")), &failingReader{err: boom})
	_, r, err := defaults.Check(context.Background(), "photo.png", "", 0, src)
	if !errors.Is(err, boom) || r != nil {
		t.Fatalf("Check = (%v, %v), want the source's error and no reader", r, err)
	}
}

// TestOLEWithoutExtension checks that a compound file of no known kind is
// reported as such, and that an MSI named after a legacy Office format is
// still refused.
func TestOLEWithoutExtension(t *testing.T) {
	p := validate.Policy{Enabled: true, AllowNoExtension: true, AcceptedExtensions: []string{"doc", "dat"}}
	v, _, err := check(p, "memo", "", 0, sample(t, "memo.doc"))
	if code := codeOf(t, err); code != errs.TypeNotAllowed || v.ContentType != "application/x-ole-storage" {
		t.Errorf("OLE without extension = (%q, %v), want application/x-ole-storage refused", v.ContentType, err)
	}
	v, _, err = check(p, "setup.doc", "", 0, sample(t, "installer.msi"))
	if code := codeOf(t, err); code != errs.TypeMismatch || v.ContentType != "application/x-msi" {
		t.Errorf("MSI named .doc = (%q, %v), want application/x-msi refused", v.ContentType, err)
	}
}

// countingReader counts the bytes read from r and the calls to Read.
type countingReader struct {
	r     io.Reader
	n     int64
	calls int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.calls++
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f *failingReader) Read([]byte) (int, error) { return 0, f.err }
