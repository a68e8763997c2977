// Package errs holds the one error type of the attachments library and its
// stable codes.
//
// It is a leaf: it imports nothing of the library, so validate, storage and
// every other package can return the same type without importing the core.
//
// Every refusal the library makes is an *Error. Its Code is stable and safe
// to switch on or send to a client; its Message is a short phrase fit to show
// a person on either side of the chat; its Details carry the numbers behind
// it (the limit, the size, the sniffed type).
//
// A Code is itself an error, so each code is also its own sentinel:
//
//	if errors.Is(err, errs.FileTooLarge) { … }
//
//	var e *errs.Error
//	if errors.As(err, &e) { show(e.Code, e.Message, e.Details.Limit) }
//
// An error has one code, its own. errors.Is matches it and no code of the
// errors it wraps, errors.As and As find the outermost *Error, and CodeOf
// reports its code; context.Canceled and other typed errors in the cause
// stay reachable with errors.Is and errors.As.
package errs

import (
	"errors"
	"strings"
)

// Code is a stable, machine-readable error code such as "file_too_large".
//
// A Code is also an error, and errors.Is(err, code) reports whether err is an
// *Error with that code (or the code itself). Only an error's own code
// matches, never a code deeper in its chain: see Error.Unwrap.
type Code string

// The codes. Their string values are part of the API: hosts store them and
// send them to clients, so they never change.
const (
	// Validation of a file against a side's policy.
	AttachmentsDisabled Code = "attachments_disabled"
	FileTooLarge        Code = "file_too_large"
	EmptyFile           Code = "empty_file"
	ExtensionNotAllowed Code = "extension_not_allowed"
	TypeNotAllowed      Code = "type_not_allowed"
	TypeMismatch        Code = "type_mismatch"
	InvalidName         Code = "invalid_name"
	DuplicateFile       Code = "duplicate_file"
	TooManyFiles        Code = "too_many_files"
	Infected            Code = "infected"
	// UploadIncomplete: the sender's stream broke before the file was whole
	// (a dropped connection, a client that gave up); nothing was stored.
	UploadIncomplete Code = "upload_incomplete"

	// Identity and permissions.
	PermissionDenied Code = "permission_denied"

	// Limits a host sets on how much a member or a channel may do.
	// RateLimited: too many requests for now; TooManyUploads: too many
	// uploads at once; QuotaExceeded: the member stores too much already.
	RateLimited    Code = "rate_limited"
	TooManyUploads Code = "too_many_uploads"
	QuotaExceeded  Code = "quota_exceeded"

	// The action registry.
	Canceled          Code = "canceled"
	UnknownAction     Code = "unknown_action"
	InvalidPayload    Code = "invalid_payload"
	AlreadyRegistered Code = "already_registered"
	ListenerPanic     Code = "listener_panic"

	// Storage and links.
	NotFound     Code = "not_found"
	InvalidKey   Code = "invalid_key"
	InvalidRange Code = "invalid_range"
	LinkExpired  Code = "link_expired"
	LinkInvalid  Code = "link_invalid"
	Unsupported  Code = "unsupported"
	Closed       Code = "closed"

	// Configuration and everything else.
	InvalidConfig   Code = "invalid_config"
	InvalidArgument Code = "invalid_argument"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
	// Conflict: a record changed under the caller (another instance won a
	// race for it, or it is no longer in the state the caller expected).
	Conflict Code = "conflict"
	// TooManyRepairs: Client.Check found more to delete than the host
	// allowed, and deleted nothing.
	TooManyRepairs Code = "too_many_repairs"
)

var messages = map[Code]string{
	AttachmentsDisabled: "file attachments are not enabled",
	FileTooLarge:        "the file is too large",
	EmptyFile:           "the file is empty",
	ExtensionNotAllowed: "this type of file is not accepted",
	TypeNotAllowed:      "this type of file is not accepted",
	TypeMismatch:        "the file's content does not match its name",
	InvalidName:         "the file name is not valid",
	DuplicateFile:       "this file is already attached",
	TooManyFiles:        "no more files can be attached to this message",
	Infected:            "the file was refused because it contains malware",
	UploadIncomplete:    "the file did not arrive whole; try sending it again",
	PermissionDenied:    "you are not allowed to do this",
	RateLimited:         "too many requests; wait a moment and try again",
	TooManyUploads:      "too many uploads at once; wait for one to finish",
	QuotaExceeded:       "you have no room left for more files",
	Canceled:            "the action was canceled",
	UnknownAction:       "unknown action",
	InvalidPayload:      "invalid request",
	AlreadyRegistered:   "the action is already registered",
	ListenerPanic:       "something went wrong",
	NotFound:            "not found",
	InvalidKey:          "invalid storage key",
	InvalidRange:        "the requested range is not satisfiable",
	LinkExpired:         "the link has expired",
	LinkInvalid:         "the link is not valid",
	Unsupported:         "not supported",
	Closed:              "the service is closed",
	InvalidConfig:       "invalid configuration",
	InvalidArgument:     "invalid request",
	Unavailable:         "the service is unavailable, try again later",
	Internal:            "something went wrong",
	Conflict:            "the file changed in the meantime; try again",
	TooManyRepairs:      "the repair would delete more than allowed",
}

// Error returns the code itself, so that a bare Code can be returned or
// compared as an error.
func (c Code) Error() string { return string(c) }

// Message returns the code's default message, a short phrase fit to show a
// person. It is used when an Error has no Message of its own.
func (c Code) Message() string {
	if m, ok := messages[c]; ok {
		return m
	}
	return messages[Internal]
}

// Details are the facts behind an error. Only the fields that apply are set.
type Details struct {
	Limit        int64  `json:"limit,omitempty"`        // the limit that was passed, in bytes or files
	Size         int64  `json:"size,omitempty"`         // the size seen, in bytes (at least Limit+1 when a stream was cut short)
	Extension    string `json:"extension,omitempty"`    // the file name's normalised extension
	DeclaredType string `json:"declaredType,omitempty"` // the MIME type the client declared
	SniffedType  string `json:"sniffedType,omitempty"`  // the MIME type sniffed from the content
	Reason       string `json:"reason,omitempty"`       // a listener's cancel reason, a signature name, …
}

// Error is the library's error type.
//
// The zero value is not useful. Build one with a composite literal, the
// one way the library builds its errors:
//
//	return &errs.Error{Code: errs.NotFound, Op: key, Err: err}
type Error struct {
	// Code is the stable code. It is never empty in errors the library returns.
	Code Code
	// Op names what failed: an action ("sendMediaMessage"), a storage key, a
	// config field. It is for logs, not for end users.
	Op string
	// Message is a short phrase fit to show to a person on either side of the
	// chat. When empty, Code.Message() is used.
	Message string
	// Details are the facts behind the error.
	Details Details
	// Err is the underlying cause, if any. It may hold internal detail (paths,
	// addresses) and must not be shown to end users.
	Err error
}

// Error implements error. It reads "op: message: cause", and says each thing
// once: it leaves out the message when the cause says the same (an *Error
// with the same Text), and the cause when it is no more than e's own code.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	under := e.Err
	if c, ok := under.(Code); ok && c == e.Code {
		under = nil // "not found: not_found" says it twice
	}
	var inner *Error
	if !errors.As(under, &inner) || inner.Text() != e.Text() {
		b.WriteString(e.Text())
		if under != nil {
			b.WriteString(": ")
		}
	}
	if under != nil {
		b.WriteString(under.Error())
	}
	return b.String()
}

// Text returns the message fit to show a person: Message, or the code's
// default when Message is empty. It never includes the cause.
func (e *Error) Text() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Code.Message()
}

// Unwrap returns the cause with its codes hidden, so that an error has one
// code, its own: a refusal with code permission_denied whose cause is a
// not_found does not also match errs.NotFound. Everything else in the cause
// stays reachable: errors.Is finds a context.Canceled or an io.EOF in it, and
// errors.As its other error types (and, asked for an *Error, the outermost).
func (e *Error) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return cause{e.Err}
}

// cause is an *Error's cause as Unwrap returns it: it answers errors.Is and
// errors.As for the error it holds, except that no Code and no other *Error's
// code matches through it.
type cause struct{ err error }

func (c cause) Error() string { return c.err.Error() }

// Is reports whether target is in the cause's chain, where a Code never
// matches and an *Error matches only itself (the very same value), never by
// its code.
func (c cause) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return false
	case *Error:
		return holds(c.err, t)
	}
	return errors.Is(c.err, target)
}

// As finds target in the cause's chain, as errors.As does.
func (c cause) As(target any) bool { return errors.As(c.err, target) }

// holds reports whether e is err or in err's chain, by identity.
func holds(err error, e *Error) bool {
	for err != nil {
		switch x := err.(type) {
		case *Error:
			if x == e {
				return true
			}
			err = x.Err
		case cause:
			err = x.err
		case interface{ Unwrap() []error }:
			for _, err := range x.Unwrap() {
				if holds(err, e) {
					return true
				}
			}
			return false
		default:
			err = errors.Unwrap(err)
		}
	}
	return false
}

// Is reports whether target is e's own Code, so errors.Is(err, errs.NotFound)
// works, or an *Error with the same Code. The codes in e's cause do not
// match: see Unwrap.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return t == e.Code
	case *Error:
		return t.Code == e.Code
	}
	return false
}

// CodeOf returns err's code: that of the outermost *Error in err's chain, or
// of a bare Code when there is no *Error; "" when err is nil, and Internal
// when err carries no code.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return Internal
}

// As returns the outermost *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
