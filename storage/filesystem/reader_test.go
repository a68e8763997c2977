package filesystem_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/attachkit/attachments/storage"
)

// writeToSize is the size of the blob the WriteTo tests read: more than one
// of the driver's copy buffers, and not a round number.
const writeToSize = 1<<20 + 300<<10 + 7

// writeToRange is a range the WriteTo tests read, and the bytes it selects.
type writeToRange struct {
	name string
	rng  *storage.Range
	off  int // the first byte wanted
	n    int // how many bytes wanted
}

// writeToRanges are the ranges the WriteTo tests read; those that reach the
// blob's end would send the metadata trailer after it if WriteTo did not
// stop at the data's end.
func writeToRanges() []writeToRange {
	const size = writeToSize
	return []writeToRange{
		{"whole", nil, 0, size},
		{"from the start to the end", &storage.Range{Offset: 0, Length: -1}, 0, size},
		{"middle", &storage.Range{Offset: 4000, Length: 70000}, 4000, 70000},
		{"from the middle to the end", &storage.Range{Offset: 123457, Length: -1}, 123457, size - 123457},
		{"suffix", &storage.Range{Offset: -10, Length: -1}, size - 10, 10},
		{"past the end", &storage.Range{Offset: size - 5, Length: 100}, size - 5, 5},
		{"last byte", &storage.Range{Offset: size - 1, Length: 1}, size - 1, 1},
		{"empty", &storage.Range{Offset: 10, Length: 0}, 10, 0},
		{"empty at the end", &storage.Range{Offset: size, Length: -1}, size, 0},
	}
}

// putWriteToBlob stores writeToSize random bytes, with metadata, and returns
// the bucket, the key and the bytes.
func putWriteToBlob(t *testing.T) (*storage.Bucket, string, []byte) {
	t.Helper()
	b, _ := open(t, nil)
	t.Cleanup(func() { b.Close() })
	data := make([]byte, writeToSize)
	rand.NewChaCha8([32]byte{7}).Read(data)
	const key = "media/CH1/clip.mp4"
	md := storage.Metadata{ContentType: "video/mp4", FileName: "clip.mp4", Owner: "customer:alice", Extra: map[string]string{"scan": "clean"}}
	if _, err := b.Put(t.Context(), key, bytes.NewReader(data), md); err != nil {
		t.Fatal(err)
	}
	return b, key, data
}

// getWriterTo opens rng of key and returns its reader as an io.WriterTo,
// closed when t ends.
func getWriterTo(t *testing.T, b *storage.Bucket, key string, rng *storage.Range) io.WriterTo {
	t.Helper()
	rc, _, err := b.Get(t.Context(), key, rng)
	if err != nil {
		t.Fatalf("Get(%+v): %v", rng, err)
	}
	t.Cleanup(func() {
		if err := rc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	wt, ok := rc.(io.WriterTo)
	if !ok {
		t.Fatalf("Get's reader is a %T, want an io.WriterTo", rc)
	}
	return wt
}

// writerOnly hides every method but Write.
type writerOnly struct{ io.Writer }

// bufferWriter is a way for WriteTo to write to a buffer.
type bufferWriter struct {
	name string
	w    func(*bytes.Buffer) io.Writer
}

// bufferWriters hand WriteTo a buffer that reads from the file, and one it
// writes to.
func bufferWriters() []bufferWriter {
	return []bufferWriter{
		{"io.ReaderFrom", func(b *bytes.Buffer) io.Writer { return b }},
		{"plain io.Writer", func(b *bytes.Buffer) io.Writer { return writerOnly{b} }},
	}
}

// fileSpy is an io.ReaderFrom that records what it was handed and reads all
// of it, as a greedy ReadFrom does.
type fileSpy struct {
	bytes.Buffer
	src io.Reader
}

func (s *fileSpy) ReadFrom(r io.Reader) (int64, error) {
	s.src = r
	return s.Buffer.ReadFrom(r)
}

// TestGetWriteTo: Get's reader writes exactly the range's bytes to a writer
// that reads from it (a bytes.Buffer, an *os.File) as to one that does not,
// and never the metadata stored after them.
func TestGetWriteTo(t *testing.T) {
	b, key, data := putWriteToBlob(t)
	writers := []struct {
		name string
		// dst returns the writer and a function that returns what it got.
		dst func(t *testing.T) (io.Writer, func() []byte)
	}{
		{"io.ReaderFrom", func(*testing.T) (io.Writer, func() []byte) {
			var buf bytes.Buffer
			return &buf, buf.Bytes
		}},
		{"plain io.Writer", func(*testing.T) (io.Writer, func() []byte) {
			var buf bytes.Buffer
			return writerOnly{&buf}, buf.Bytes
		}},
		{"*os.File", func(t *testing.T) (io.Writer, func() []byte) {
			name := filepath.Join(t.TempDir(), "out")
			f, err := os.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f, func() []byte {
				got, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
		}},
	}
	for _, rr := range writeToRanges() {
		for _, wr := range writers {
			t.Run(rr.name+"/"+wr.name, func(t *testing.T) {
				w, got := wr.dst(t)
				want := data[rr.off : rr.off+rr.n]
				n, err := getWriterTo(t, b, key, rr.rng).WriteTo(w)
				if err != nil || n != int64(len(want)) {
					t.Errorf("WriteTo: got %d bytes, %v; want %d", n, err, len(want))
				}
				if g := got(); !bytes.Equal(g, want) {
					t.Errorf("WriteTo wrote %d bytes, want the %d of the range (first difference at %d)", len(g), len(want), firstDiff(g, want))
				}
			})
		}
	}
}

// TestGetWriteToHandsOverTheFile: a writer that reads from a source gets the
// file itself, limited to the range, which is what lets net/http send it
// with sendfile(2) rather than through a buffer.
func TestGetWriteToHandsOverTheFile(t *testing.T) {
	b, key, data := putWriteToBlob(t)
	var spy fileSpy
	n, err := getWriterTo(t, b, key, &storage.Range{Offset: 100, Length: 1000}).WriteTo(&spy)
	if err != nil || n != 1000 || !bytes.Equal(spy.Bytes(), data[100:1100]) {
		t.Fatalf("WriteTo: got %d bytes, %v; want data[100:1100]", n, err)
	}
	lr, ok := spy.src.(*io.LimitedReader)
	if !ok {
		t.Fatalf("ReadFrom got a %T, want an *io.LimitedReader", spy.src)
	}
	if _, ok := lr.R.(*os.File); !ok {
		t.Errorf("ReadFrom got an *io.LimitedReader of %T, want of *os.File", lr.R)
	}
}

// TestGetWriteToResponse: a range written to an http.ResponseWriter, which
// sends a file with sendfile(2), arrives exact.
func TestGetWriteToResponse(t *testing.T) {
	b, key, data := putWriteToBlob(t)
	ranges := writeToRanges()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(r.URL.Query().Get("range"))
		rr := ranges[i]
		rc, _, err := b.Get(r.Context(), key, rr.rng)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Length", strconv.Itoa(rr.n))
		if _, err := rc.(io.WriterTo).WriteTo(w); err != nil {
			t.Errorf("WriteTo(ResponseWriter) of %s: %v", rr.name, err)
		}
	}))
	defer srv.Close()
	for i, rr := range ranges {
		t.Run(rr.name, func(t *testing.T) {
			resp, err := srv.Client().Get(fmt.Sprintf("%s/?range=%d", srv.URL, i))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := data[rr.off : rr.off+rr.n]
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
				t.Errorf("GET: status %d, %d bytes, %v; want 200 and the %d bytes of the range (first difference at %d)",
					resp.StatusCode, len(got), err, len(want), firstDiff(got, want))
			}
		})
	}
}

// TestGetWriteToAfterRead: WriteTo writes what Read has not read yet, and
// leaves nothing for Read after it.
func TestGetWriteToAfterRead(t *testing.T) {
	b, key, data := putWriteToBlob(t)
	for _, w := range bufferWriters() {
		t.Run(w.name, func(t *testing.T) {
			wt := getWriterTo(t, b, key, &storage.Range{Offset: 1000, Length: 50000})
			want := data[1000:51000]
			head := make([]byte, 300)
			if _, err := io.ReadFull(wt.(io.Reader), head); err != nil || !bytes.Equal(head, want[:300]) {
				t.Fatalf("Read: %v, or not the range's first bytes", err)
			}
			var buf bytes.Buffer
			n, err := wt.WriteTo(w.w(&buf))
			if err != nil || n != int64(len(want)-300) || !bytes.Equal(buf.Bytes(), want[300:]) {
				t.Errorf("WriteTo after a Read of 300: got %d bytes, %v; want the %d after them", n, err, len(want)-300)
			}
			if n, err := wt.(io.Reader).Read(head); n != 0 || err != io.EOF {
				t.Errorf("Read after WriteTo: got %d, %v; want 0, EOF", n, err)
			}
			if n, err := wt.WriteTo(w.w(&buf)); n != 0 || err != nil {
				t.Errorf("WriteTo again: got %d, %v; want 0, nil", n, err)
			}
		})
	}
}

var errBoom = errors.New("boom")

// failingWriter accepts limit bytes, then fails.
type failingWriter struct {
	got   bytes.Buffer
	limit int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if room := w.limit - w.got.Len(); len(p) > room {
		w.got.Write(p[:room])
		return room, errBoom
	}
	return w.got.Write(p)
}

// failingReaderFrom reads limit bytes of its source, then fails.
type failingReaderFrom struct{ failingWriter }

func (w *failingReaderFrom) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(writerOnly{&w.failingWriter}, r)
}

// TestGetWriteToFailingWriter: a writer that fails half way stops WriteTo
// with its error and the count it took, and Read goes on from there.
func TestGetWriteToFailingWriter(t *testing.T) {
	b, key, data := putWriteToBlob(t)
	const limit = 200 << 10
	fw := &failingWriter{limit: limit}
	frf := &failingReaderFrom{failingWriter{limit: limit}}
	for _, w := range []struct {
		name string
		w    io.Writer
		got  *bytes.Buffer // what w took
	}{
		{"plain io.Writer", fw, &fw.got},
		{"io.ReaderFrom", frf, &frf.got},
	} {
		t.Run(w.name, func(t *testing.T) {
			wt := getWriterTo(t, b, key, nil)
			n, err := wt.WriteTo(w.w)
			if !errors.Is(err, errBoom) || n != limit {
				t.Errorf("WriteTo: got %d, %v; want %d, %v", n, err, limit, errBoom)
			}
			if !bytes.Equal(w.got.Bytes(), data[:limit]) {
				t.Errorf("the writer got %d bytes, want the blob's first %d", w.got.Len(), limit)
			}
			next := make([]byte, 100)
			if _, err := io.ReadFull(wt.(io.Reader), next); err != nil || !bytes.Equal(next, data[limit:limit+100]) {
				t.Errorf("Read after the failed WriteTo: %v, or not the bytes after the %d written", err, limit)
			}
		})
	}
}

// TestGetWriteToAfterClose: a closed reader writes nothing.
func TestGetWriteToAfterClose(t *testing.T) {
	b, key, _ := putWriteToBlob(t)
	for _, w := range bufferWriters() {
		t.Run(w.name, func(t *testing.T) {
			rc, _, err := b.Get(t.Context(), key, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := rc.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			var buf bytes.Buffer
			n, err := rc.(io.WriterTo).WriteTo(w.w(&buf))
			if err == nil || n != 0 || buf.Len() != 0 {
				t.Errorf("WriteTo after Close: got %d bytes (%d written), %v; want 0 and an error", n, buf.Len(), err)
			}
		})
	}
}

// firstDiff returns the index of the first byte where a and b differ, or the
// shorter length.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
