package preview

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/attachkit/attachments/errs"
)

// StripJPEGMetadata copies the JPEG from src to dst without its metadata,
// losslessly: segment by segment, the compressed pixels untouched, in one
// pass and constant memory (a segment is at most 64 KiB).
//
// It drops APP1 (EXIF, with the GPS position and camera serial numbers,
// and XMP), APP13 (IPTC and Photoshop), COM (comments) and every other APPn
// segment (maker data, MPF's index of embedded images), and whatever
// follows the image's end (the extra images MPF indexes: gain maps, depth
// maps, thumbnails, each with EXIF of its own). It keeps what decoding
// needs or colour depends on: APP0 (JFIF), APP14 (Adobe, which says how to
// read a CMYK or YCCK JPEG) and APP2 ICC_PROFILE chunks (a colour profile
// describes a device's colours, not a person or a place; dropping it turns
// a wide-gamut photo dull).
//
// Orientation: dropping EXIF drops the orientation tag, and a phone photo
// stored sideways would then be shown sideways. So when the EXIF said the
// image is turned (orientation 2–8), StripJPEGMetadata writes in its place
// a minimal EXIF segment holding that tag alone. Renditions need none of
// this: they are upright already.
//
// It returns an *errs.Error: InvalidArgument when src is not a whole JPEG
// (dst then holds a prefix, to be discarded), Unavailable when a read or
// a write fails.
func StripJPEGMetadata(dst io.Writer, src io.Reader) error {
	const op = "preview.StripJPEGMetadata"
	s := &stripper{r: bufio.NewReaderSize(sourceReader{src}, 32<<10), w: bufio.NewWriterSize(dst, 32<<10)}
	err := s.run()
	if err == nil {
		err = s.w.Flush()
		if err != nil {
			err = &writeError{err}
		}
	}
	var we *writeError
	var re *readError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we):
		return &errs.Error{Code: errs.Unavailable, Op: op, Err: we.err}
	case errors.As(err, &re):
		return &errs.Error{Code: errs.Unavailable, Op: op, Err: re.err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errNotJPEG):
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: msgCorrupt, Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Op: op, Err: err}
}

// errNotJPEG is the cause when src does not parse as a JPEG.
var errNotJPEG = errors.New("not a JPEG")

// writeError marks an error of the destination, to tell it from the
// source's.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// readError marks an error of the source other than its end, to tell a
// broken stream from a short JPEG.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// sourceReader marks its reader's errors, but for io.EOF, as readErrors.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// stripper is one StripJPEGMetadata pass.
type stripper struct {
	r *bufio.Reader
	w *bufio.Writer
}

func (s *stripper) write(p ...byte) error {
	if _, err := s.w.Write(p); err != nil {
		return &writeError{err}
	}
	return nil
}

// run copies the segments, then the scans, up to and including EOI.
func (s *stripper) run() error {
	soi, err := readFull(s.r, 2)
	if err != nil {
		return err
	}
	if soi[0] != 0xff || soi[1] != 0xd8 {
		return errNotJPEG
	}
	if err := s.write(0xff, 0xd8); err != nil {
		return err
	}
	inScan := false
	for {
		var marker byte
		if inScan {
			if marker, err = s.copyScan(); err != nil {
				return err
			}
		} else if marker, err = nextMarker(s.r); err != nil {
			var re *readError
			if !errors.As(err, &re) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w: %v", errNotJPEG, err)
			}
			return err
		}
		switch {
		case marker == 0xd9: // EOI: whatever follows is not this image
			return s.write(0xff, 0xd9)
		case marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			if err := s.write(0xff, marker); err != nil {
				return err
			}
			continue
		}
		if err := s.segment(marker); err != nil {
			return err
		}
		if marker == 0xda {
			inScan = true
		}
	}
}

// segment copies or drops one marker segment whose marker has been read.
func (s *stripper) segment(marker byte) error {
	lb, err := readFull(s.r, 2)
	if err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint16(lb)) - 2
	if n < 0 {
		return fmt.Errorf("%w: segment %#x has length %d", errNotJPEG, marker, n+2)
	}
	keep := !(marker >= 0xe0 && marker <= 0xef || marker == 0xfe) || marker == 0xe0 || marker == 0xee
	if marker == 0xe2 || marker == 0xe1 {
		// Look inside: APP2 is kept only as an ICC profile, APP1 gives
		// up its orientation.
		body, err := readFull(s.r, n)
		if err != nil {
			return err
		}
		switch {
		case marker == 0xe2 && bytes.HasPrefix(body, []byte("ICC_PROFILE\x00")):
			if err := s.write(0xff, marker, lb[0], lb[1]); err != nil {
				return err
			}
			return s.write(body...)
		case marker == 0xe1 && bytes.HasPrefix(body, []byte("Exif\x00\x00")):
			if o := exifOrientation(body[6:]); o > 1 {
				return s.write(orientationOnlyEXIF(o)...)
			}
		}
		return nil
	}
	if !keep {
		return skip(s.r, int64(n))
	}
	if err := s.write(0xff, marker, lb[0], lb[1]); err != nil {
		return err
	}
	if _, err := io.CopyN(s.w, s.r, int64(n)); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return io.ErrUnexpectedEOF
		}
		return &writeError{err}
	}
	return nil
}

// copyScan copies entropy-coded data up to the next marker that is not a
// stuffed byte or a restart, and returns that marker, unwritten.
func (s *stripper) copyScan() (byte, error) {
	for {
		chunk, err := s.r.ReadSlice(0xff)
		if err == bufio.ErrBufferFull {
			if err := s.write(chunk...); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if err := s.write(chunk[:len(chunk)-1]...); err != nil {
			return 0, err
		}
		next, err := s.r.Peek(1)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		switch m := next[0]; {
		case m == 0x00 || (m >= 0xd0 && m <= 0xd7):
			// A stuffed 0xff or a restart marker: part of the scan.
			if err := s.write(0xff, m); err != nil {
				return 0, err
			}
			s.r.Discard(1)
		case m == 0xff:
			// A fill byte: dropped, the next 0xff starts the marker.
		default:
			s.r.Discard(1)
			return m, nil
		}
	}
}

// orientationOnlyEXIF returns an APP1 segment of EXIF holding nothing but
// orientation o.
func orientationOnlyEXIF(o int) []byte {
	b := []byte{0xff, 0xe1, 0, 0}
	b = append(b, "Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"...)
	b = binary.BigEndian.AppendUint16(b, 1)                       // one entry
	b = append(b, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01) // Orientation, SHORT, count 1
	b = binary.BigEndian.AppendUint16(b, uint16(o))
	b = append(b, 0, 0, 0, 0, 0, 0) // value padding, then no next IFD
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-2))
	return b
}
