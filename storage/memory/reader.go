package memory

import "io"

// reader reads a range of a blob's chunks. The chunks are never written
// again, so readers need no lock and never see a later Put.
type reader struct {
	chunks [][]byte
	off    int   // offset in chunks[0]
	left   int64 // bytes left to read
}

// newReader returns a reader of n bytes from offset off of chunks.
func newReader(chunks [][]byte, off, n int64) *reader {
	for len(chunks) > 0 && off >= int64(len(chunks[0])) {
		off -= int64(len(chunks[0]))
		chunks = chunks[1:]
	}
	return &reader{chunks: chunks, off: int(off), left: n}
}

func (r *reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 && len(r.chunks) > 0 {
		c := r.chunks[0][r.off:]
		k := copy(p[n:], c[:min(int64(len(c)), r.left)])
		n += k
		r.left -= int64(k)
		r.off += k
		if r.off == len(r.chunks[0]) {
			r.chunks, r.off = r.chunks[1:], 0
		}
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo writes the rest of the range to w without an intermediate buffer.
func (r *reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for r.left > 0 && len(r.chunks) > 0 {
		c := r.chunks[0][r.off:]
		c = c[:min(int64(len(c)), r.left)]
		k, err := w.Write(c)
		total += int64(k)
		r.left -= int64(k)
		r.off += k
		if r.off == len(r.chunks[0]) {
			r.chunks, r.off = r.chunks[1:], 0
		}
		if err != nil {
			return total, err
		}
		if k < len(c) {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

// Close implements io.Closer. The chunks stay valid; a closed reader reads
// nothing more.
func (r *reader) Close() error {
	r.chunks, r.left = nil, 0
	return nil
}
