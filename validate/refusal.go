package validate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// op is the Op of every error this package returns.
const op = "validate"

// refuse returns the *errs.Error for a refusal of the file v describes, with
// the facts known so far in its Details.
func refuse(code errs.Code, message string, v Verdict) *errs.Error {
	d := errs.Details{
		Extension:    v.Extension,
		DeclaredType: v.DeclaredType,
		SniffedType:  v.ContentType,
	}
	if v.Size > 0 {
		d.Size = v.Size
	}
	return &errs.Error{Code: code, Op: op, Message: message, Details: d}
}

// mismatch refuses content that is not what the extension of the file's
// name says, telling the sender in words what the file is: "this file is a
// Windows program, not a PDF", "this is an Excel spreadsheet, but its name
// ends in .docx". The types themselves stay in the Details.
func mismatch(v Verdict) *errs.Error {
	raw, _ := splitExtension(v.Name)
	ending := "." + strings.ToLower(raw)
	is, claim := kindOf(v.ContentType), kindOfExtension(v.Extension)
	var msg string
	switch {
	case is == "" || is == claim:
		msg = "this file does not look like " + claim + ", though its name ends in " + ending
	case dangerousTypes[v.ContentType]:
		msg = "this file is " + is + ", not " + claim
	default:
		msg = "this is " + is + ", but its name ends in " + ending
	}
	return refuse(errs.TypeMismatch, msg, v)
}

// notAccepted refuses content of a type the policy does not accept, or
// that is dangerous, saying what it is in words.
func notAccepted(v Verdict) *errs.Error {
	is := kindOf(v.ContentType)
	msg := "this type of file is not accepted"
	switch {
	case is == "":
	case dangerousTypes[v.ContentType]:
		msg = "this file is " + is + ", and programs and scripts are not accepted"
	default:
		msg = "this file is " + is + ", and files of this type are not accepted"
	}
	return refuse(errs.TypeNotAllowed, msg, v)
}

// tooLarge refuses a file of size bytes (declared, or Limit+1 when a stream
// was cut short) under limit.
func tooLarge(v Verdict, limit, size int64) *errs.Error {
	e := refuse(errs.FileTooLarge, "the file is larger than the "+FormatSize(limit)+" limit", v)
	e.Details.Limit, e.Details.Size = limit, size
	return e
}

// canceled wraps the error of a context that ended while a file was checked.
func canceled(err error) *errs.Error {
	return &errs.Error{Code: errs.Canceled, Op: op, Err: err}
}

// incomplete returns the error for a source that failed before its end: an
// errs.UploadIncomplete *errs.Error wrapping err, so that no caller can take
// what arrived for the whole file. A source that already failed with an
// *errs.Error (a refusal of a validator it wraps, a cancellation) keeps it.
func incomplete(err error) error {
	if errs.As(err) != nil {
		return err
	}
	return &errs.Error{Code: errs.UploadIncomplete, Op: op, Err: err}
}

// FormatSize writes n bytes the way a person reads a limit: "10 MB",
// "1.5 MB", "512 KB", "100 bytes" (with binary multiples, as Flex counts).
// Refusals name their limits so; a host that words its own uses it too.
func FormatSize(n int64) string {
	unit := func(size int64, name string) string {
		if n%size == 0 {
			return strconv.FormatInt(n/size, 10) + " " + name
		}
		return fmt.Sprintf("%.1f %s", float64(n)/float64(size), name)
	}
	switch {
	case n >= 1<<30:
		return unit(1<<30, "GB")
	case n >= 1<<20:
		return unit(1<<20, "MB")
	case n >= 1<<10:
		return unit(1<<10, "KB")
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
