package clamav

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/attachkit/attachments/errs"
)

// Result is clamd's verdict on a stream it scanned whole.
type Result struct {
	// Infected reports whether clamd found a signature.
	Infected bool
	// Signature is the name of the signature clamd found, as clamd reports
	// it, such as "Win.Test.EICAR_HDB-1" or, from a database of one's own,
	// "Eicar-Test-Signature.UNOFFICIAL". It is empty when Infected is false.
	Signature string
}

// instreamCmd starts an INSTREAM session, in the z (NUL-terminated) form.
const instreamCmd = "zINSTREAM\x00"

// A stream is sent as chunks, each a 4-byte big-endian length and that many
// bytes, and ends with a chunk of length zero.
const chunkHeaderLen = 4

// instreamBufLen is the length of a scan's one buffer: room for the command,
// a chunk header, a chunk and the zero-length chunk that ends the stream, so
// that a small file goes out in a single write.
func instreamBufLen(chunkSize int) int {
	return len(instreamCmd) + chunkHeaderLen + chunkSize + chunkHeaderLen
}

// Scan streams the bytes of r to clamd with INSTREAM and returns its
// verdict. It reads r in chunks of Options.ChunkSize into one buffer and
// never holds more of the file than that. It does not close r.
//
// Scan returns an error, and no verdict, when:
//   - r is nil: errs.InvalidArgument;
//   - reading r fails: an error with the code of r's error (errs.Internal
//     for a plain error), wrapping it;
//   - the stream passes clamd's StreamMaxLength: errs.FileTooLarge, with a
//     Message fit to show the sender. Clamd then answers "INSTREAM size limit
//     exceeded" and closes the connection while the file is still being
//     sent; Scan reads that answer after the failed write;
//   - clamd cannot be reached, does not answer within Options.IdleTimeout,
//     or answers with an error or something that is not a verdict:
//     errs.Unavailable, whose Message is fit to show the sender;
//   - ctx ends first: errs.Canceled, wrapping ctx's error. Scan closes the
//     connection at once; a read of r that blocks is not interrupted.
//
// An infected file is not an error: Scan returns a Result with Infected set.
// Check turns it into one.
func (s *Scanner) Scan(ctx context.Context, r io.Reader) (Result, error) {
	const op = "clamav scan"
	if r == nil {
		return Result{}, &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "nil reader"}
	}
	var res Result
	err := s.session(ctx, op, scanUnavailable, func(conn net.Conn) error {
		var err error
		res, err = s.instream(conn, op, r)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// instream runs one INSTREAM session on conn.
func (s *Scanner) instream(conn net.Conn, op string, r io.Reader) (Result, error) {
	bufp := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(bufp)
	buf := *bufp
	copy(buf, instreamCmd)
	const hdr = len(instreamCmd) + chunkHeaderLen
	data := buf[hdr : hdr+s.opts.ChunkSize]

	start := 0 // the first write carries the command too
	for {
		n, rerr := io.ReadFull(r, data)
		last := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !last {
			return Result{}, fileError(op, rerr)
		}
		// A zero-length chunk is the end of the stream, so the header alone
		// ends an empty read; after data, a second header ends it.
		binary.BigEndian.PutUint32(buf[len(instreamCmd):hdr], uint32(n))
		end := hdr + n
		if last && n > 0 {
			binary.BigEndian.PutUint32(buf[end:end+chunkHeaderLen], 0)
			end += chunkHeaderLen
		}
		if err := conn.SetWriteDeadline(time.Now().Add(s.opts.IdleTimeout)); err != nil {
			return Result{}, unavailable(op, scanUnavailable, err)
		}
		if _, err := conn.Write(buf[start:end]); err != nil {
			return s.replyAfterWriteError(conn, op, err)
		}
		if last {
			break
		}
		start = len(instreamCmd)
	}

	if err := conn.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout)); err != nil {
		return Result{}, unavailable(op, scanUnavailable, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return Result{}, unavailable(op, scanUnavailable, fmt.Errorf("read clamd reply: %w", err))
	}
	return parseScanReply(op, reply)
}

// replyAfterWriteError reads what clamd said before it stopped taking the
// stream. Past its StreamMaxLength clamd answers and closes the connection,
// so the next write fails (EPIPE or ECONNRESET) while the answer waits in
// the socket to be read.
func (s *Scanner) replyAfterWriteError(conn net.Conn, op string, werr error) (Result, error) {
	fail := unavailable(op, scanUnavailable, fmt.Errorf("send stream: %w", werr))
	var ne net.Error
	if errors.As(werr, &ne) && ne.Timeout() {
		return Result{}, fail // clamd stopped reading: no answer is coming
	}
	if err := conn.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout)); err != nil {
		return Result{}, fail
	}
	reply, err := readReply(conn)
	if err != nil {
		return Result{}, fail
	}
	res, err := parseScanReply(op, reply)
	if err == nil && !res.Infected {
		// clamd cannot vouch for bytes it never received.
		return Result{}, unavailable(op, scanUnavailable,
			fmt.Errorf("clamd answered %q to a stream cut short: %w", reply, werr))
	}
	return res, err
}

// readError marks a failure to read the file being scanned, as opposed to a
// failure of clamd. Check never fails open on it.
type readError struct{ err error }

func (e *readError) Error() string { return "read file: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// fileError wraps err, from the file being scanned, keeping its code,
// message and details when it is an *errs.Error.
func fileError(op string, err error) *errs.Error {
	e := &errs.Error{Code: errs.CodeOf(err), Op: op, Err: &readError{err}}
	if inner := errs.As(err); inner != nil {
		e.Message, e.Details = inner.Message, inner.Details
	} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.Code = errs.Canceled
	}
	return e
}
