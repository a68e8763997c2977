// Package filter refuses files by simple content rules, as a before-listener
// of SendMediaMessage and AttachFile: images above a number of pixels or
// past a width or height, and types that only some sides may send.
//
//	remove, err := filter.Install(c, filter.Rules{
//		MaxPixels: 24_000_000,
//		OnlyFor:   map[string][]attachments.Side{"application/pdf": {attachments.SideAgent}},
//	})
//
// Rules add to the upload policies of the Config (size, extensions, sniffed
// type), which run first, in the action's guard; a rule sees only a file
// that passed them, as stored, with its sniffed type.
//
// # Security
//
// Image dimensions are read from the file's header only (PNG, JPEG, GIF,
// WebP), never by decoding pixels, so a decompression bomb (a small file
// that claims a huge canvas) is refused for its size before anything
// allocates it. An image whose header cannot be read is refused. Other
// image types (HEIC, for one) are not measured and pass the pixel rules;
// leave them out of the accepted extensions where that matters.
//
// Types are the content types the library sniffed, never the ones the
// client declared, so renaming a file does not get it past OnlyFor.
//
// # Errors
//
// A file over an image limit is refused with errs.FileTooLarge, a type its
// sender's side may not send with errs.TypeNotAllowed, an image whose header
// cannot be read with errs.InvalidPayload; each message is fit to show the
// sender. Install returns errs.InvalidConfig for rules that do not make
// sense.
package filter
