package validate

import (
	"context"
	"io"
)

// stream is the reader Check returns: it replays the header Check read, then
// reads the rest from the source, letting no more than limit+1 bytes in.
//
// It keeps Check's ctx, as gocloud.dev/blob's Reader does: it is the rest of
// Check's I/O, and lives no longer than the upload Check was called for.
type stream struct {
	src     io.Reader
	hdr     []byte // the part of the header not yet yielded: in quick, or its own buffer
	read    int64  // bytes taken from src, header included
	limit   int64
	eof     bool  // src reported its end while the header was read
	err     error // sticky: a refusal or cancellation
	verdict Verdict
	ctx     context.Context
	done    <-chan struct{} // ctx.Done(), nil when ctx is never done
	quick   [quickHeaderSize]byte
}

// Read yields the header, then the rest of the source. It fails with
// errs.FileTooLarge when the byte past the limit arrives, with
// errs.Canceled once the context is done, and with errs.UploadIncomplete
// when the source fails with anything but io.EOF.
func (s *stream) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.done != nil {
		select {
		case <-s.done:
			s.err = canceled(s.ctx.Err())
			return 0, s.err
		default:
		}
	}
	if len(s.hdr) > 0 {
		n := copy(p, s.hdr)
		s.hdr = s.hdr[n:]
		return n, nil
	}
	if s.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte past the limit at most: that byte proves the file
	// too large, and the bytes after it are never read.
	if room := s.limit - s.read; room < int64(len(p)) {
		p = p[:room+1]
	}
	n, err := s.src.Read(p)
	s.read += int64(n)
	if over := s.read - s.limit; over > 0 {
		s.err = tooLarge(s.verdict, s.limit, s.read)
		return n - int(over), s.err
	}
	if err != nil && err != io.EOF {
		s.err = incomplete(err)
		return n, s.err
	}
	return n, err
}
