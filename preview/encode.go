package preview

import (
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/attachkit/attachments/errs"
)

// encode writes img to w as PNG when it has a transparent pixel and as
// JPEG otherwise. Go's encoders write no metadata, so the rendition
// carries none.
func encode(w io.Writer, img *image.NRGBA, quality int) (Rendition, error) {
	cw := &countingWriter{w: w}
	r := Rendition{Width: img.Rect.Dx(), Height: img.Rect.Dy(), BlurHash: BlurHash(img)}
	var err error
	if img.Opaque() {
		r.ContentType = "image/jpeg"
		// Opaque, so its straight and premultiplied pixels are the same
		// bytes; as an RGBA it takes the encoder's fast path.
		rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
		err = jpeg.Encode(cw, rgba, &jpeg.Options{Quality: quality})
	} else {
		r.ContentType = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(cw, img)
	}
	if err != nil {
		return Rendition{}, &errs.Error{Code: errs.Unavailable, Op: "preview.Render", Err: err}
	}
	r.Size = cw.n
	return r, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
