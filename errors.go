package attachments

import "github.com/attachkit/attachments/errs"

// Error is the library's error type; see package errs.
type Error = errs.Error

// The error codes a host most often checks, re-exported from package errs.
// Each is a sentinel: errors.Is(err, ErrCanceled).
const (
	ErrCanceled            = errs.Canceled
	ErrPermissionDenied    = errs.PermissionDenied
	ErrAttachmentsDisabled = errs.AttachmentsDisabled
	ErrFileTooLarge        = errs.FileTooLarge
	ErrEmptyFile           = errs.EmptyFile
	ErrExtensionNotAllowed = errs.ExtensionNotAllowed
	ErrTypeNotAllowed      = errs.TypeNotAllowed
	ErrTypeMismatch        = errs.TypeMismatch
	ErrInvalidName         = errs.InvalidName
	ErrDuplicateFile       = errs.DuplicateFile
	ErrTooManyFiles        = errs.TooManyFiles
	ErrInfected            = errs.Infected
	ErrUploadIncomplete    = errs.UploadIncomplete
	ErrNotFound            = errs.NotFound
	ErrLinkExpired         = errs.LinkExpired
	ErrLinkInvalid         = errs.LinkInvalid
	ErrUnknownAction       = errs.UnknownAction
	ErrInvalidPayload      = errs.InvalidPayload
	ErrAlreadyRegistered   = errs.AlreadyRegistered
	ErrListenerPanic       = errs.ListenerPanic
	ErrInvalidConfig       = errs.InvalidConfig
	ErrUnavailable         = errs.Unavailable
)
