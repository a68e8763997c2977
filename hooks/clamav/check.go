package clamav

import (
	"context"
	"errors"
	"io"

	"github.com/attachkit/attachments/errs"
)

// Check scans the bytes of r and returns nil when clamd finds them clean. It
// is the body of a before-listener: a non-nil error cancels the action, and
// every error it returns is an *errs.Error whose Text is fit to show the
// sender.
//
//   - clamd found a signature: errs.Infected, with the signature name in
//     Details.Reason (for logs; the Message does not name it);
//   - clamd cannot be reached, is too slow, or answers with an error:
//     errs.Unavailable, or nil when Options.FailOpen is set (logged as a
//     warning to Options.Logger);
//   - everything else Scan returns, whatever FailOpen says: errs.FileTooLarge
//     past clamd's StreamMaxLength, the code of r's own error when reading r
//     fails, errs.Canceled when ctx ends, errs.InvalidArgument for a nil r.
func (s *Scanner) Check(ctx context.Context, r io.Reader) error {
	res, err := s.Scan(ctx, r)
	if err != nil {
		if s.failsOpen(err) {
			s.opts.Logger.WarnContext(ctx, "clamav: file let through unscanned, failing open", "err", err)
			return nil
		}
		return err
	}
	if res.Infected {
		return &errs.Error{Code: errs.Infected, Op: "clamav check",
			Message: errs.Infected.Message(), Details: errs.Details{Reason: res.Signature}}
	}
	return nil
}

// CheckFile opens a file with open, checks it with Check and closes it. It
// fits a listener that is handed a file it can open again, such as the
// core's *File:
//
//	func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
//		return p, s.CheckFile(ctx, p.File.Open)
//	}
//
// An error from open is returned with its code (errs.Internal for a plain
// error) and never fails open.
func (s *Scanner) CheckFile(ctx context.Context, open func(context.Context) (io.ReadCloser, error)) error {
	const op = "clamav check"
	if open == nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "nil open func"}
	}
	rc, err := open(ctx)
	if err != nil {
		return fileError(op, err)
	}
	defer rc.Close()
	return s.Check(ctx, rc)
}

// failsOpen reports whether err lets a file through: FailOpen is set and err
// is clamd's failure, not the file's.
func (s *Scanner) failsOpen(err error) bool {
	var re *readError
	return s.opts.FailOpen && errors.Is(err, errs.Unavailable) && !errors.As(err, &re)
}
