package preview

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/attachkit/attachments/errs"
)

// Verify reads a whole image, whose header is h, and checks its structure
// without decoding a pixel: a JPEG's segments and scans up to its EOI
// marker, a PNG's chunks and their CRCs up to IEND, a WebP's RIFF length.
// (GIF and HEIF are left to their decoders.) It is for a renderer whose
// decoder forgives damage: libvips shows a truncated JPEG with grey where
// the data ran out, and only warns; Go's decoders refuse it, and with
// Verify first both renderers do.
//
// It returns an *errs.Error with code InvalidArgument for a damaged
// image, Unavailable when r fails.
func Verify(h Header, r io.Reader) error {
	var err error
	switch h.Format {
	case JPEG:
		err = StripJPEGMetadata(io.Discard, r)
		if e := errs.As(err); e != nil {
			e.Op = "preview.Verify"
		}
		return err
	case PNG:
		err = verifyPNG(bufio.NewReaderSize(r, 32<<10))
	case WebP:
		err = verifyWebP(r)
	default:
		return nil
	}
	if err != nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: "preview.Verify", Message: msgCorrupt, Err: err}
	}
	return nil
}

// verifyPNG checks each chunk's CRC, up to IEND.
func verifyPNG(r *bufio.Reader) error {
	if _, err := readFull(r, 8); err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	for {
		hd, err := readFull(r, 8)
		if err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(hd[:4]))
		crc.Reset()
		crc.Write(hd[4:8])
		if _, err := io.CopyN(crc, r, n); err != nil {
			return io.ErrUnexpectedEOF
		}
		sum, err := readFull(r, 4)
		if err != nil {
			return err
		}
		if binary.BigEndian.Uint32(sum) != crc.Sum32() {
			return fmt.Errorf("png: chunk %q fails its CRC", hd[4:8])
		}
		if string(hd[4:8]) == "IEND" {
			return nil
		}
	}
}

// verifyWebP checks the stream is as long as its RIFF header says.
func verifyWebP(r io.Reader) error {
	hd, err := readFull(r, 8)
	if err != nil {
		return err
	}
	want := int64(binary.LittleEndian.Uint32(hd[4:8]))
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	if n < want {
		return errors.New("webp: shorter than its RIFF header says")
	}
	return nil
}
