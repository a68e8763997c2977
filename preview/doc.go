// Package preview makes the renditions a chat shows instead of the
// original image: a thumbnail (fits 320×320) and a preview (fits
// 1600×1600), upright, as JPEG (PNG when transparent), with no metadata:
// no EXIF, GPS position, XMP, ICC profile or comment of the sender's left
// in them. It reads JPEG, PNG, GIF (its first frame), WebP and HEIC/HEIF,
// so an iPhone photo gets a preview every browser shows.
//
// The pieces:
//
//   - Probe reads an image's header (format, size, orientation,
//     transparency, frames) from a bounded prefix, before any decode.
//   - Renderer is the interface of a renderer; GoRenderer is the pure-Go
//     one (no cgo, the default), and the nested module preview/vips has
//     the libvips one. previewtest is the suite both pass.
//   - Pool runs a renderer within a worker count and a memory budget
//     estimated from the header, so a burst of photos queues instead of
//     exhausting memory.
//   - StripJPEGMetadata removes the metadata from an original JPEG
//     losslessly, for hosts that want the original private too.
//   - BlurHash gives a client a placeholder to paint before a rendition
//     arrives; every Rendition carries one.
//
// # Errors
//
// Every error is an *errs.Error whose code says why there is no rendition:
//
//   - EmptyFile: the file is empty;
//   - Unsupported: not an image this package reads (including AVIF,
//     animated WebP, 12-bit JPEG);
//   - InvalidArgument: truncated, corrupt, zero width or height, a header
//     that runs past ProbeLimit;
//   - FileTooLarge: more pixels than Options.MaxPixels (Details.Limit and
//     Details.Size are the limit and the pixel count, Details.Reason is
//     "pixels"), or a memory estimate over a Pool's whole budget (Reason
//     "memory budget"), or a HEIF file larger than its pixels warrant
//     (Reason "HEIF file size": its decoder reads it whole);
//   - Canceled: the context ended;
//   - Unavailable: a target's writer, or the source stream, failed;
//   - Internal: a decoder panicked on hostile input (recovered).
//
// A failed rendition should never fail the message it belongs to: the
// host logs the code and shows a file icon.
//
// # Security
//
// Images are hostile input. The header is read, and the pixel count
// checked against the limit (default 50 megapixels), before a byte is
// decoded, so a PNG that claims 100000×100000 in a few hundred bytes costs
// nothing. Only the first frame of an animation is decoded. Decoders run
// under recover. Renditions are encoded afresh, so nothing from the
// original's metadata can reach them; the suite reads every rendition back
// to check.
//
// Orientation: renditions are upright, with the EXIF orientation applied
// to their pixels. The original keeps its EXIF unless the host strips it;
// StripJPEGMetadata then keeps the orientation tag alone.
package preview
