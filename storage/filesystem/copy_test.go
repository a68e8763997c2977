package filesystem

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter counts the writes it is given.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// smallReads returns at most 4 KiB a Read, as a multipart part does, and
// hides any WriterTo.
type smallReads struct{ r io.Reader }

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 4096)]) }

func TestCopyFull(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16+100) // 64 KiB and a bit
	broken := errors.New("connection reset")
	tests := []struct {
		name       string
		src        io.Reader
		want       []byte
		wantErr    error
		wantWrites int
	}{
		{"small reads fill the buffer", smallReads{bytes.NewReader(data)}, data, nil, 5},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:40000])), data[:40000], nil, 3},
		{"empty source", smallReads{bytes.NewReader(nil)}, nil, nil, 0},
		{"data and EOF together", iotest.DataErrReader(bytes.NewReader(data[:100])), data[:100], nil, 1},
		{"a source's own unexpected EOF fails the copy",
			smallReads{io.MultiReader(bytes.NewReader(data[:5000]), iotest.ErrReader(io.ErrUnexpectedEOF))},
			data[:5000], io.ErrUnexpectedEOF, 1},
		{"a broken source fails the copy after writing what came",
			smallReads{io.MultiReader(bytes.NewReader(data[:20000]), iotest.ErrReader(broken))},
			data[:20000], broken, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w countingWriter
			n, err := copyFull(&w, tt.src, make([]byte, 16<<10))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, "a broken upload would be stored as a whole file")
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, int64(len(tt.want)), n, "bytes counted")
			assert.True(t, bytes.Equal(tt.want, w.Bytes()), "the bytes written differ from the source's")
			assert.Equal(t, tt.wantWrites, w.writes, "each write should carry a full buffer, not what one Read returned")
		})
	}
}
