package httpapi

import (
	"net/http"

	"github.com/attachkit/attachments/errs"
)

// statuses is the one table from an error code to an HTTP status. Every
// code in package errs has a row; a test keeps it so.
var statuses = map[errs.Code]int{
	errs.AttachmentsDisabled: http.StatusForbidden,
	errs.FileTooLarge:        http.StatusRequestEntityTooLarge,
	errs.EmptyFile:           http.StatusUnprocessableEntity,
	errs.ExtensionNotAllowed: http.StatusUnsupportedMediaType,
	errs.TypeNotAllowed:      http.StatusUnsupportedMediaType,
	errs.TypeMismatch:        http.StatusUnsupportedMediaType,
	errs.InvalidName:         http.StatusUnprocessableEntity,
	errs.DuplicateFile:       http.StatusConflict,
	errs.TooManyFiles:        http.StatusConflict,
	errs.Infected:            http.StatusUnprocessableEntity,
	errs.UploadIncomplete:    http.StatusBadRequest,

	errs.PermissionDenied: http.StatusForbidden,

	errs.RateLimited:    http.StatusTooManyRequests,
	errs.TooManyUploads: http.StatusTooManyRequests,
	errs.QuotaExceeded:  http.StatusRequestEntityTooLarge,

	// A listener's cancel is a refusal of this file, like a policy's.
	errs.Canceled:          http.StatusUnprocessableEntity,
	errs.UnknownAction:     http.StatusInternalServerError, // the host's wiring, not the client's request
	errs.InvalidPayload:    http.StatusBadRequest,
	errs.AlreadyRegistered: http.StatusInternalServerError,
	errs.ListenerPanic:     http.StatusInternalServerError,

	errs.NotFound:     http.StatusNotFound,
	errs.InvalidKey:   http.StatusBadRequest,
	errs.InvalidRange: http.StatusRequestedRangeNotSatisfiable,
	// Links fail with a generic 403 whatever the reason, as the links
	// handler itself answers.
	errs.LinkExpired: http.StatusForbidden,
	errs.LinkInvalid: http.StatusForbidden,
	errs.Unsupported: http.StatusNotImplemented,
	errs.Closed:      http.StatusServiceUnavailable,

	errs.InvalidConfig:   http.StatusInternalServerError,
	errs.InvalidArgument: http.StatusBadRequest,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
	// Another request (on any instance) changed the file first: retry.
	errs.Conflict: http.StatusConflict,
	// An operator's Check, never a member's request.
	errs.TooManyRepairs: http.StatusInternalServerError,
}

// Status returns the HTTP status that answers an error with code. It is the
// table every handler of this package uses; a host that writes handlers of
// its own uses it too, so that one code always gets one status. A code it
// does not know gets 500.
//
//	file_too_large, quota_exceeded                  413
//	extension_not_allowed, type_not_allowed,
//	type_mismatch                                   415
//	empty_file, invalid_name, infected, canceled    422
//	duplicate_file, too_many_files, conflict        409
//	attachments_disabled, permission_denied,
//	link_expired, link_invalid                      403
//	rate_limited, too_many_uploads                  429 (with Retry-After)
//	not_found                                       404
//	invalid_payload, invalid_argument, invalid_key,
//	upload_incomplete                               400
//	invalid_range                                   416
//	unsupported                                     501
//	unavailable, closed                             503
//	everything else                                 500
func Status(code errs.Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
