package preview

import (
	"context"
	"io"

	"github.com/attachkit/attachments/preview/internal/ctxio"
)

// StripOriginals is an attachments.Options.Rewrite that strips the metadata
// of every JPEG on its way into storage (see StripJPEGMetadata): the
// sender's EXIF, GPS position, XMP, IPTC and comments go, the pixels and
// the orientation stay. Other files pass through as they are. It is off
// unless a host sets it: privacy over fidelity.
func StripOriginals(ctx context.Context, contentType string, r io.Reader) io.ReadCloser {
	if contentType != "image/jpeg" {
		return io.NopCloser(r)
	}
	pr, pw := io.Pipe()
	go func() {
		// Ends when r ends or fails, or when the library closes pr: a
		// write to a closed pipe fails at once.
		pw.CloseWithError(StripJPEGMetadata(pw, ctxio.Reader(ctx, r)))
	}()
	return pr
}
