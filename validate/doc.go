// Package validate decides whether a file may be sent under a side's upload
// policy, with checks that a renamed file cannot fool.
//
// It is pure: it imports nothing of the library but errs, runs no server
// and keeps no state, so a host can unit-test its own rules with it. A
// Policy holds one side's rules (the fileAttachment object of a Flex
// configuration). Policy.Preflight checks what is known before the upload
// starts (enabled, name, extension, declared size); Policy.Check checks the
// file as it streams in and hands back a reader that replays it from byte 0.
// SanitizeName cleans a client's file name; NormalizeExtension and
// SameExtension compare extensions; IsDuplicate finds a file already in a
// draft.
//
// # Security
//
// The checks follow the OWASP File Upload cheat sheet:
//
//   - extensions are allow-listed, case-insensitively and with aliases
//     (jpg/jpeg, tif/tiff, …); a name without one is refused unless the
//     policy allows it;
//   - the real type is sniffed from the first HeaderSize bytes with
//     github.com/h2non/filetype, signatures tried in a fixed order, with a
//     text fallback that recognises HTML, SVG and XML as active content and
//     "#!" and batch files as scripts; Office documents are told apart from
//     plain zip archives by their parts;
//   - text is UTF-8, UTF-16 with a byte order mark, or a legacy 8-bit
//     encoding (Windows-1252, as Excel exports CSV), without NUL, escape or
//     other control characters; UTF-16 is read as text before the markup
//     and script checks, so a UTF-16 page is still a page;
//   - the sniffed type must agree with the extension (a PNG named .pdf, an
//     executable named .png and HTML named .txt are all refused); the type
//     the client declares is recorded but never trusted;
//   - executables, installers and scripts are refused by extension, by a
//     dangerous extension hidden inside the name ("invoice.exe.pdf") and by
//     content, whatever the allow-list says, unless the policy opts in;
//   - the size limit is enforced while reading, at the first byte past it;
//   - names lose paths, control and bidirectional characters, Windows device
//     names and excess length; the client's name is never a storage key.
//
// Sniffing looks at the header only: a file whose first HeaderSize bytes are
// valid text but whose tail is not is still text. Content is not scanned for
// malware; the hooks package does that.
//
// # Errors
//
// Every refusal is an *errs.Error with Op "validate", a Message fit to show
// the person who sent the file, and Details that carry the facts (Limit,
// Size, Extension, DeclaredType, SniffedType). The Message says what the
// file is in words ("this file is a Windows program, not a PDF", "this is an
// Excel spreadsheet, but its name ends in .docx") and never holds a MIME
// type: hosts that need the types read them from the Details. Its Code is
// one of:
//
//   - errs.AttachmentsDisabled: the policy is not enabled;
//   - errs.InvalidName: the name is empty once sanitised ("the file name is
//     not valid");
//   - errs.ExtensionNotAllowed: the extension is missing, malformed or not
//     in the allow-list;
//   - errs.TypeNotAllowed: the file is an executable or a script, by name or
//     by content, or has no extension and a type no extension accepts;
//   - errs.FileTooLarge: the declared size or the stream passed the limit;
//   - errs.EmptyFile: the stream is empty;
//   - errs.TypeMismatch: the content is not what the extension says.
//
// A cancelled context gives errs.Canceled wrapping ctx.Err(); a malformed
// configuration gives errs.InvalidConfig (Policy.Normalize) or
// errs.InvalidArgument (NormalizeExtension). A reader that fails with
// anything but io.EOF — io.ErrUnexpectedEOF included, as a multipart part
// without its closing boundary does — gives errs.UploadIncomplete wrapping
// the reader's error, by Check or by the stream it returned: the bytes that
// arrived are never a whole file. An *errs.Error from the reader keeps its
// code.
package validate
