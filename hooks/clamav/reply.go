package clamav

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// maxReplyLen bounds a reply from clamd. Real ones are a signature name or a
// short error message; anything longer is not clamd.
const maxReplyLen = 4096

// errNoTerminator reports a reply that ended before its NUL.
var errNoTerminator = errors.New("clamd reply not NUL-terminated")

// readReply reads one NUL-terminated reply (the z-command form) and returns
// it without the NUL. Clamd sends one reply and, for the commands used here,
// closes the connection, so reading past the NUL never happens.
func readReply(r io.Reader) (string, error) {
	var buf [maxReplyLen]byte
	n := 0
	for {
		m, err := r.Read(buf[n:])
		if i := bytes.IndexByte(buf[n:n+m], 0); i >= 0 {
			return string(buf[:n+i]), nil
		}
		n += m
		switch {
		case err == io.EOF:
			if n == 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("%w: %q", errNoTerminator, buf[:n])
		case err != nil:
			return "", err
		case n == len(buf):
			return "", fmt.Errorf("clamd reply longer than %d bytes", maxReplyLen)
		}
	}
}

// parseScanReply parses clamd's reply to INSTREAM:
//
//	stream: OK
//	stream: Eicar-Test-Signature.UNOFFICIAL FOUND
//	INSTREAM size limit exceeded. ERROR
//	stream: <message> ERROR
//
// A FOUND is a Result; a size limit is an errs.FileTooLarge error; any other
// ERROR, and anything else, is an errs.Unavailable error.
//
// Any reply that ends in FOUND is a detection, whatever precedes it, so that
// an odd signature name can never turn a detection into an error that a
// Scanner failing open would let through.
func parseScanReply(op, reply string) (Result, error) {
	if msg, ok := strings.CutSuffix(reply, " ERROR"); ok {
		if strings.Contains(msg, "size limit exceeded") {
			return Result{}, errTooLarge(op)
		}
		return Result{}, unavailable(op, scanUnavailable, fmt.Errorf("clamd: %s", msg))
	}
	if sig, ok := strings.CutSuffix(reply, " FOUND"); ok {
		sig = strings.TrimPrefix(sig, "stream:")
		return Result{Infected: true, Signature: cleanSignature(sig)}, nil
	}
	if reply == "stream: OK" {
		return Result{}, nil
	}
	return Result{}, unavailable(op, scanUnavailable, fmt.Errorf("unexpected clamd reply %q", reply))
}

// cleanSignature trims a signature name and replaces anything but printable
// ASCII in it with '?', so that it is safe to log and show.
func cleanSignature(sig string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, strings.TrimSpace(sig))
}

// scanUnavailable is the message of a scan that could not be made, fit to
// show the sender.
const scanUnavailable = "the file could not be checked for malware, try again later"

// errTooLarge is the error for a stream clamd refused past its
// StreamMaxLength.
func errTooLarge(op string) *errs.Error {
	return &errs.Error{Code: errs.FileTooLarge, Op: op,
		Message: "the file is too large to be checked for malware",
		Details: errs.Details{Reason: "clamd StreamMaxLength exceeded"}}
}
