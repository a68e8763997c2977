package httpapi

import (
	"context"
	"io"
)

// finishStreaming writes the last PATCH of an upload, the one that brings
// it to its full size. Rather than store the chunk and read the whole file
// back, it runs the action on the stored chunks followed by the request's
// body as it arrives, while a copy of the body goes into the chunk as
// before. So a file sent in one PATCH (tus-js-client's default) is checked
// and stored as fast as a direct upload, and a last PATCH whose connection
// drops still keeps the bytes that arrived, for the client to resume from.
//
// It reports the bytes it stored as the chunk. On success the answer waits
// in c for preFinish, which deletes the chunks; a refusal ends the upload.
func (t *tusUploads) finishStreaming(ctx context.Context, c *call, u *tusUpload, offset int64, src io.Reader) (int64, error) {
	prev, err := t.store.chunks(ctx, u.rec.ID)
	if err != nil {
		return 0, tusError(err)
	}
	pr, pw := io.Pipe()
	stored := make(chan error, 1)
	go func() {
		_, err := t.store.putChunk(ctx, u.rec, offset, pr)
		pr.CloseWithError(io.ErrClosedPipe) // a body still being read stops copying into the chunk
		stored <- err
	}()
	tee := &teeChunk{src: src, pw: pw, want: u.rec.Size - offset}
	body := io.MultiReader(&chunkReader{ctx: ctx, bucket: t.store.bucket, chunks: prev}, tee)
	reply, err := t.invoke(ctx, c.member, u.rec, body)
	tee.pw.Close() // the chunk ends where the body did
	putErr := <-stored
	n := tee.n
	if putErr != nil || n == 0 {
		t.store.deleteChunk(context.WithoutCancel(ctx), u.rec.ID, offset)
		n = 0
	}
	switch {
	case err == nil:
		c.tusReply = reply
		return n, nil
	case tee.short:
		// The body ended early: the client resumes from what the chunk
		// kept, and tusd answers with the body's own error.
		return n, nil
	}
	// A refusal: the file will not pass on a second try either.
	if rerr := t.store.remove(context.WithoutCancel(ctx), u.rec.ID); rerr != nil {
		t.h.log.Error("httpapi: could not delete a refused upload's chunks", "upload", u.rec.ID, "err", rerr)
	}
	return 0, tusError(err)
}

// teeChunk reads the last PATCH's body for the action, copying it into the
// chunk on the way. tusd's body reader ends the stream quietly when the
// connection breaks, so a body shorter than its due is reported to the
// action as io.ErrUnexpectedEOF: an incomplete upload, never a short file.
type teeChunk struct {
	src   io.Reader
	pw    *io.PipeWriter
	want  int64 // the bytes the body must bring
	n     int64
	short bool
}

func (t *teeChunk) Read(p []byte) (int, error) {
	if t.n >= t.want {
		return 0, io.EOF
	}
	n, err := t.src.Read(p[:min(int64(len(p)), t.want-t.n)])
	if n > 0 {
		// A chunk that cannot be stored costs only the ability to resume
		// from it; the action goes on.
		_, _ = t.pw.Write(p[:n])
		t.n += int64(n)
	}
	if err == io.EOF && t.n < t.want {
		t.short = true
		err = io.ErrUnexpectedEOF
	} else if err != nil && err != io.EOF {
		t.short = true
	}
	return n, err
}
