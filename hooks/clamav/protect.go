package clamav

import (
	"context"
	"errors"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
)

// ProtectOptions are Protect's optional arguments. A nil *ProtectOptions
// means every default.
type ProtectOptions struct {
	// RecheckDownloads scans a file again before DownloadMedia hands out a
	// link to it, as Flex's example does: a file stored before clamd knew
	// its signature is caught when someone asks for it. It costs a scan per
	// download. Default false.
	RecheckDownloads bool
}

// DownloadRefusal is the message a member sees when a file they asked to
// download is found infected on a recheck.
const DownloadRefusal = "this file cannot be downloaded because it contains malware"

// Protect scans every file c's members send or attach with s, before the
// action goes on, and refuses infected ones: the action is canceled with an
// errs.Infected error (errors.Is(err, errs.Infected)) whose
// message is fit to show the sender and whose Details.Reason names the
// signature, and the stored file is deleted. With
// ProtectOptions.RecheckDownloads it scans each file again before a
// download.
//
// What s does when clamd is unreachable or too slow is s's setting
// (Options.FailOpen): by default the action is refused with
// errs.Unavailable. A file past clamd's StreamMaxLength is refused with
// errs.FileTooLarge either way.
//
// The scan reads the stored copy (hooks.Event.Open), which is what members
// will download, streaming it to clamd without holding it in memory. A
// draft being sent is not scanned again: its files were scanned when they
// were attached.
//
// It returns a function that removes the scan, and an errs.InvalidArgument
// error for a nil c or s.
func Protect(c *attachments.Client, s *Scanner, opts *ProtectOptions) (remove func(), err error) {
	if s == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "clamav protect", Message: "nil scanner"}
	}
	actions := hooks.UploadActions()
	if opts != nil && opts.RecheckDownloads {
		actions = append(actions, string(attachments.DownloadMedia))
	}
	return hooks.Before(c, func(ctx context.Context, e hooks.Event) error {
		if e.FromDraft {
			return nil // scanned when attached
		}
		if !e.HasFile() {
			// The guard stores every file it passes; fail closed all the same.
			return &errs.Error{Code: errs.InvalidPayload, Op: "clamav protect", Message: "no stored file to scan"}
		}
		err := s.CheckFile(ctx, e.Open)
		if e.Action == string(attachments.DownloadMedia) && errors.Is(err, errs.Infected) {
			refused := *errs.As(err)
			refused.Message = DownloadRefusal
			return &refused
		}
		return err
	}, actions...)
}
