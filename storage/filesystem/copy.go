package filesystem

import "io"

// copyFull copies r to w through buf, filling buf before each write.
//
// io.CopyBuffer writes whatever each Read returns, and many sources return
// little: a mime/multipart part gives at most about 4 KiB a Read, so a
// 64 MiB upload became some 16,000 write syscalls instead of 64. Filling the
// buffer first makes the number of writes depend on the size alone. A source
// that can write itself out (a bytes.Reader, an *os.File) still does, as
// with io.Copy, since it hands over large slices already.
//
// It does not use io.ReadFull, which turns a short stream into
// io.ErrUnexpectedEOF: a source may return that error itself (a multipart
// part cut before its closing boundary does), and it must then fail the
// copy, not end it.
func copyFull(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	if wt, ok := r.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	var written int64
	for {
		n, rerr := fill(r, buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr != nil {
				return written, werr
			}
			if m != n {
				return written, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

// fill reads into buf until it is full or r fails, and returns r's error as
// is (io.EOF at the end of the stream).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
