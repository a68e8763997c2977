package validate

import (
	"context"
	"io"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// Verdict is what Preflight and Check learnt about a file. On a refusal it
// holds what was learnt before the refusal, for logs and audits.
type Verdict struct {
	// Name is the sanitised file name (see SanitizeName): the one to store
	// in metadata and to show. It is never a storage key.
	Name string
	// Extension is the name's extension in canonical form (see
	// NormalizeExtension), or "" when the name has none.
	Extension string
	// ContentType is the type sniffed from the content: the only type to
	// trust, and the one to serve the file with. Preflight leaves it empty.
	ContentType string
	// DeclaredType is the MIME type the client declared, lower case and
	// without parameters, or "" when it declared none or a malformed one. It
	// is recorded, never trusted.
	DeclaredType string
	// Size is the size the client declared, or 0 when it declared none (the
	// one meaning of 0 across the library: unknown). The stream Check
	// returns enforces the limit on the real size.
	Size int64
}

// Preflight checks what is known of a file before any byte of it arrives, so
// that a host can refuse early: that attachments are enabled, that the name
// is valid, that its extension is allowed and not dangerous, and that the
// declared size is within the limit. size is the declared size in bytes, or
// 0 when unknown, as in attachments.File.Size; a negative size (net/http's
// ContentLength of -1) is unknown too. An empty file is refused by Check,
// from its content.
//
// The checks run in that order and the first refusal is returned as an
// *errs.Error (see the package documentation for the codes). Check runs
// Preflight itself.
func (p Policy) Preflight(name, declaredType string, size int64) (Verdict, error) {
	if size < 0 {
		size = 0
	}
	v := Verdict{DeclaredType: mediaType(declaredType), Size: size}
	if !p.Enabled {
		return v, refuse(errs.AttachmentsDisabled, "", v)
	}
	n, err := SanitizeName(name)
	if err != nil {
		e := refuse(errs.InvalidName, errs.As(err).Message, v)
		return v, e
	}
	v.Name = n
	if err := p.checkExtension(&v); err != nil {
		return v, err
	}
	limit := p.SizeLimitFor(extensionType(v.Extension))
	if size > limit {
		return v, tooLarge(v, limit, size)
	}
	return v, nil
}

// checkExtension sets v.Extension from v.Name and refuses a name without an
// extension, with a malformed, dangerous or hidden dangerous one, or with one
// outside the allow-list.
func (p Policy) checkExtension(v *Verdict) error {
	raw, inner := splitExtension(v.Name)
	if raw == "" {
		if p.AllowNoExtension {
			return nil
		}
		return refuse(errs.ExtensionNotAllowed, "files without an extension are not accepted", *v)
	}
	ext, err := NormalizeExtension(raw)
	if err != nil {
		return refuse(errs.ExtensionNotAllowed, "this type of file is not accepted", *v)
	}
	v.Extension = ext
	if !p.AllowDangerous {
		if dangerousExtensions[ext] {
			return refuse(errs.TypeNotAllowed, "executable files and scripts are not accepted", *v)
		}
		if hidden := hiddenDangerous(inner); hidden != "" {
			e := refuse(errs.TypeNotAllowed, "the file name hides a ."+hidden+" extension", *v)
			e.Details.Reason = "hidden extension ." + hidden
			return e
		}
	}
	if !p.allowsExtension(ext) {
		return refuse(errs.ExtensionNotAllowed, "files ending in ."+strings.ToLower(raw)+" are not accepted", *v)
	}
	return nil
}

// Check validates a file as it arrives. It runs Preflight, reads up to
// HeaderSize bytes of r to sniff the content's real type, and refuses the
// file when that type does not agree with the name's extension, when the
// name has no extension and no extension in the allow-list accepts the type,
// or when the type is dangerous. An empty stream is refused with
// errs.EmptyFile.
//
// On success it returns the Verdict and a reader that yields the whole
// content from its first byte: the header Check read is replayed from memory,
// never read twice from r. That reader fails with an errs.FileTooLarge
// *errs.Error as soon as byte SizeLimit()+1 arrives from r, having yielded
// the first SizeLimit() bytes at most, and with an errs.Canceled one wrapping
// ctx.Err() once ctx is done. Only io.EOF ends the file: any other error
// from r, io.ErrUnexpectedEOF included, makes Check or the reader fail with
// an errs.UploadIncomplete *errs.Error wrapping it (an *errs.Error from r
// keeps its code), however few bytes arrived before it.
//
// The reader holds at most HeaderSize bytes; it does not close r. A caller
// that stores the file must treat any error from it as a refusal and discard
// what it wrote.
func (p Policy) Check(ctx context.Context, name, declaredType string, size int64, r io.Reader) (Verdict, io.Reader, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, nil, canceled(err)
	}
	v, err := p.Preflight(name, declaredType, size)
	if err != nil {
		return v, nil, err
	}
	limit := p.SizeLimit()
	s := &stream{src: r, limit: limit, ctx: ctx}
	h, eof, err := readHeader(r, limit, s.quick[:])
	switch {
	case err != nil:
		return v, nil, err
	case len(h) == 0:
		return v, nil, refuse(errs.EmptyFile, "the file is empty", v)
	case int64(len(h)) > limit:
		return v, nil, tooLarge(v, limit, limit+1)
	}
	v.ContentType = sniff(h, eof, v.Extension)
	if err := p.checkContent(v); err != nil {
		return v, nil, err
	}
	// A picture may have a lower limit than the name let Preflight assume
	// (a picture with no extension, or named as something else an
	// extension accepts).
	if l := p.SizeLimitFor(v.ContentType); l < limit {
		switch limit = l; {
		case v.Size > limit:
			return v, nil, tooLarge(v, limit, v.Size)
		case int64(len(h)) > limit:
			return v, nil, tooLarge(v, limit, limit+1)
		}
		s.limit = limit
	}
	s.hdr, s.read, s.eof, s.verdict, s.done = h, int64(len(h)), eof, v, ctx.Done()
	return v, s, nil
}

// quickHeaderSize is how much readHeader reads first: enough for the
// signatures of pictures, PDF, audio, video and executables. The stream
// holds that much itself, so that checking most files allocates once.
const quickHeaderSize = 256

// readHeader reads the header of r into quick (of quickHeaderSize bytes),
// then, when that is not enough to tell the type (zip, OLE, Matroska, text,
// unknown), into a new buffer of up to HeaderSize bytes; never more than
// limit+1 bytes. eof reports that the header holds the whole file.
//
// Only io.EOF ends a file. Any other error of r, io.ErrUnexpectedEOF
// included (a multipart part cut before its closing boundary ends so), is an
// incomplete upload (see incomplete), even when it comes with the bytes that
// fill the header: a short header is never mistaken for a whole file.
func readHeader(r io.Reader, limit int64, quick []byte) (h []byte, eof bool, err error) {
	want := HeaderSize
	if limit < int64(want) {
		want = int(limit) + 1
	}
	h = quick[:min(want, len(quick))]
	n, eof, err := fill(r, h)
	if err != nil || eof || n == want || !needsMore(h) {
		return h[:n], eof, err
	}
	h = append(make([]byte, 0, want), h...)[:want]
	m, eof, err := fill(r, h[n:])
	return h[:n+m], eof, err
}

// fill reads from r until buf is full or r ends. Unlike io.ReadFull, it
// tells the end of r (eof) from a failure (err, from incomplete), and never
// drops an error that came with the last bytes.
func fill(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for n < len(buf) {
		m, rerr := r.Read(buf[n:])
		n += m
		switch {
		case rerr == io.EOF:
			return n, true, nil
		case rerr != nil:
			return n, false, incomplete(rerr)
		}
	}
	return n, false, nil
}

// needsMore reports whether a quick header is too short to tell its type.
func needsMore(h []byte) bool {
	_, text := textView(h, false)
	switch sniffSignature(h, text, "") {
	case "", typeZip, typeJar, typeAPK, typeDocx, typeXlsx, typePptx, typeOdt, typeOds, typeOdp, typeEpub,
		typeOLE, typeMSI, typeWebM, typeMKV:
		return true
	}
	return false
}

// checkContent refuses content whose sniffed type disagrees with the
// extension, or, without an extension, that no allowed extension accepts,
// and dangerous content.
func (p Policy) checkContent(v Verdict) error {
	ct := v.ContentType
	switch {
	case v.Extension != "" && !accepts(v.Extension, ct):
		return mismatch(v)
	case v.Extension == "" && !p.AllowsType(ct):
		return notAccepted(v)
	case dangerousTypes[ct] && !p.AllowDangerous:
		// Only an extension missing from dangerousExtensions can agree
		// with dangerous content: a safety net for new types.
		return notAccepted(v)
	}
	return nil
}

// mediaType returns the media type of a Content-Type value, lower case and
// without parameters, or "" when it is not of the form type/subtype.
func mediaType(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 || len(s) > 255 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if i != slash && !isTokenChar(s[i]) {
			return ""
		}
	}
	return strings.ToLower(s)
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
