package filesystem

import (
	"io"
	"os"
	"sync"
)

// blobReader reads a section of an open blob file: the bytes of the range a
// Get asked for, and never the metadata trailer after the blob's data.
type blobReader struct {
	*io.SectionReader
	f    *os.File
	bufs *sync.Pool // the driver's copy buffers
}

// WriteTo writes the rest of the section to w. When w is an io.ReaderFrom
// (an http.ResponseWriter, a net.Conn, an *os.File) it hands w the file
// itself, positioned at the section and limited to it, so that the kernel
// can copy the bytes (sendfile, copy_file_range) with no buffer in between;
// otherwise it copies through one of the driver's buffers.
func (r *blobReader) WriteTo(w io.Writer) (n int64, err error) {
	// A SectionReader's Seek fails only on a bad whence or a negative
	// position, and these are neither.
	pos, _ := r.Seek(0, io.SeekCurrent)
	// Whatever happens, the next Read reads the byte after the last written.
	defer func() { r.Seek(pos+n, io.SeekStart) }()
	rf, ok := w.(io.ReaderFrom)
	if !ok {
		buf := r.bufs.Get().(*[]byte)
		defer r.bufs.Put(buf)
		return io.CopyBuffer(w, r.SectionReader, *buf)
	}
	_, base, size := r.Outer()
	if pos >= size {
		return 0, nil
	}
	// The file's own offset is for this alone: Read goes through ReadAt.
	if _, err := r.f.Seek(base+pos, io.SeekStart); err != nil {
		return 0, err
	}
	return rf.ReadFrom(&io.LimitedReader{R: r.f, N: size - pos})
}

// Close closes the blob file.
func (r *blobReader) Close() error { return r.f.Close() }
