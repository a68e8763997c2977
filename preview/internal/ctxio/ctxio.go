// Package ctxio is a reader that stops with its context, for the renderers
// of preview and preview/vips.
package ctxio

import (
	"context"
	"io"
)

// Reader returns a reader that fails with ctx's error once ctx is done, so
// a decoder stops at its next read rather than finishing an image nobody
// wants.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

// reader is Reader's reader.
type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
