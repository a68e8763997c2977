package storagetest

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// The suite's verdicts rest on the pattern: it must read the same bytes in
// any chunking and from any offset, and differ between seeds.
func TestPatternIsSeekableAndDistinct(t *testing.T) {
	whole := patternBytes(1, 10000)
	for _, off := range []int64{0, 1, 7, 8, 15, 16, 17, 4095, 4096, 9999} {
		p := newPattern(1, 10000)
		p.off = off
		got, err := io.ReadAll(io.LimitReader(p, 10000))
		if err != nil || !bytes.Equal(got, whole[off:]) {
			t.Errorf("pattern from offset %d: got %d bytes, first difference at %d; want the tail of the whole", off, len(got), firstDiff(got, whole[off:]))
		}
	}
	if bytes.Equal(patternBytes(1, 64), patternBytes(2, 64)) {
		t.Error("seeds 1 and 2 give the same bytes")
	}
	if s, ok := seedOf(patternBytes(42, 8), []uint64{1, 42, 3}); !ok || s != 42 {
		t.Errorf("seedOf: got %d %t, want 42", s, ok)
	}
}

func TestCompareStreams(t *testing.T) {
	want := patternBytes(5, 200000)
	boom := errors.New("boom")
	changed := bytes.Clone(want)
	changed[150000] ^= 1
	tests := []struct {
		name    string
		got     io.Reader
		content bool // want errContent
		err     error
	}{
		{"equal", bytes.NewReader(want), false, nil},
		{"one bit changed", bytes.NewReader(changed), true, nil},
		{"short", bytes.NewReader(want[:199999]), true, nil},
		{"long", bytes.NewReader(append(bytes.Clone(want), 0)), true, nil},
		{"failing", io.MultiReader(bytes.NewReader(want[:1000]), &failingReader{r: bytes.NewReader(nil), err: boom}), false, boom},
	}
	for _, tt := range tests {
		err := compareStreams(tt.got, bytes.NewReader(want))
		switch {
		case tt.content && !errors.Is(err, errContent):
			t.Errorf("%s: got %v, want a content difference", tt.name, err)
		case tt.err != nil && !errors.Is(err, tt.err):
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.err)
		case !tt.content && tt.err == nil && err != nil:
			t.Errorf("%s: got %v, want equal", tt.name, err)
		}
	}
}
