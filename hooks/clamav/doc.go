// Package clamav scans files for malware with ClamAV's daemon, clamd, and
// provides the check a before-listener runs on SendMediaMessage, AttachFile
// and DownloadMedia.
//
// A Scanner speaks clamd's own protocol over TCP or a unix socket, with the
// standard library only: PING, VERSION and INSTREAM, in the NUL-terminated
// z-command form. INSTREAM sends the file in chunks read into one fixed-size
// buffer, so a scan holds at most Options.ChunkSize bytes of the file
// whatever its size. Each call opens its own connection, at most
// Options.MaxConcurrent at once, with a dial timeout, an idle timeout on
// every wait for clamd, and ctx: when ctx ends the connection is closed.
//
//	s, err := clamav.New("unix", "/run/clamav/clamd.ctl", nil)
//	…
//	err = s.Check(ctx, file) // nil: clean
//
// Scan returns clamd's verdict; Check turns it into the error a listener
// returns, and CheckFile opens and closes a file that can be opened again.
//
// # Security
//
// Check fails closed by default: when clamd cannot be reached, is too slow,
// or answers with an error, the file is refused with errs.Unavailable.
// Options.FailOpen lets such files through unscanned instead, each logged as
// a warning; choose it only where availability matters more than the scan.
//
// A FOUND reply means clamd matched a signature, or one of its heuristics
// fired, in the file or in something inside it (an archive member, an
// attachment of a mail). Check refuses the file with errs.Infected. The
// signature name goes in Details.Reason for logs; the Message shown to the
// sender does not name it.
//
// Clamd scans a stream of at most its StreamMaxLength (25 MiB by default).
// Past it clamd answers "INSTREAM size limit exceeded" and closes the
// connection; the file was not scanned. A limit that a sender can pad a file
// past is no scan at all, so Scan and Check report errs.FileTooLarge for it,
// and FailOpen does not apply. Set clamd's StreamMaxLength (and its
// MaxFileSize and MaxScanSize) at least as large as the largest file the
// upload policies accept.
//
// A file that cannot be read is refused with its own error, and never
// passes as clean, whatever FailOpen says. So does a stream clamd answers OK
// although it did not receive it whole.
//
// # Errors
//
// Every error is an *errs.Error: errs.Infected, errs.FileTooLarge,
// errs.Unavailable, errs.Canceled, errs.InvalidArgument and
// errs.InvalidConfig, or the code of the file reader's own error. Their
// causes may hold addresses and clamd's messages and are not for end users.
package clamav
