package gocloud

import (
	"errors"
	"net/http"

	"gocloud.dev/gcerrors"

	"github.com/attachkit/attachments/errs"
)

// codeError gives a backend's error the errs code it means. The service's own
// error code (S3's) says more than gocloud's, so it is looked at first. An
// error with no matching code is returned as it is, for storage.Bucket to
// wrap.
func codeError(err error) error {
	if err == nil || errs.As(err) != nil {
		return err
	}
	coded := func(c errs.Code, msg string) error { return &errs.Error{Code: c, Message: msg, Err: err} }
	var api interface{ ErrorCode() string } // smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket":
			return coded(errs.InvalidConfig, "the storage bucket does not exist")
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden", "ExpiredToken", "InvalidToken",
			"XAdminUserNotFound": // versitygw's unknown access key, with a 404
			return denied(err)
		case "InvalidRange":
			return coded(errs.InvalidRange, "")
		case "KeyTooLongError":
			return coded(errs.InvalidKey, "the storage key is too long for this storage")
		case "MetadataTooLarge":
			return coded(errs.InvalidArgument, "the metadata is too large for this storage")
		}
	}
	var resp interface{ HTTPStatusCode() int } // the AWS SDK's response errors
	if errors.As(err, &resp) {
		switch resp.HTTPStatusCode() {
		case http.StatusUnauthorized, http.StatusForbidden:
			return denied(err)
		case http.StatusRequestedRangeNotSatisfiable:
			return coded(errs.InvalidRange, "")
		}
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return coded(errs.NotFound, "")
	case gcerrors.PermissionDenied:
		return denied(err)
	case gcerrors.InvalidArgument:
		return coded(errs.InvalidArgument, "")
	case gcerrors.Unimplemented:
		return coded(errs.Unsupported, "")
	case gcerrors.Canceled, gcerrors.DeadlineExceeded:
		return coded(errs.Canceled, "")
	}
	return err
}

// denied is the error of a storage that refuses the credentials it was given
// or denies them access: a deployment's configuration is wrong, which is not
// the fault of the member whose action failed.
func denied(err error) error {
	return &errs.Error{Code: errs.InvalidConfig, Message: "the storage refused access: check its credentials and permissions", Err: err}
}
