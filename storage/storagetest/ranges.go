package storagetest

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// testRange: Get returns exactly the bytes a Range selects, and the whole
// blob's info.
func testRange(t *testing.T, _ Harness, b *storage.Bucket) {
	const size = 1000
	data := patternBytes(6, size)
	info := put(t, b, "k", data, meta())
	tests := []struct {
		name string
		rng  storage.Range
		want []byte // nil: errs.InvalidRange
	}{
		{"whole", storage.Range{Offset: 0, Length: -1}, data},
		{"first byte", storage.Range{Offset: 0, Length: 1}, data[:1]},
		{"middle", storage.Range{Offset: 400, Length: 100}, data[400:500]},
		{"last byte", storage.Range{Offset: size - 1, Length: 1}, data[size-1:]},
		{"to the end", storage.Range{Offset: 500, Length: -1}, data[500:]},
		{"suffix", storage.Range{Offset: -10, Length: -1}, data[size-10:]},
		{"suffix of one byte", storage.Range{Offset: -1, Length: -1}, data[size-1:]},
		{"suffix longer than the blob", storage.Range{Offset: -5000, Length: -1}, data},
		{"suffix with a length", storage.Range{Offset: -10, Length: 4}, data[size-10 : size-6]},
		{"past the end", storage.Range{Offset: 990, Length: 100}, data[990:]},
		{"empty", storage.Range{Offset: 10, Length: 0}, []byte{}},
		{"empty at the end", storage.Range{Offset: size, Length: 0}, []byte{}},
		{"offset at the end", storage.Range{Offset: size, Length: -1}, []byte{}},
		{"offset past the end", storage.Range{Offset: size + 1, Length: 1}, nil},
		{"offset far past the end", storage.Range{Offset: 1 << 40, Length: -1}, nil},
		// Lengths whose sum with the offset overflows an int64: S3's
		// offset+length-1 wraps negative and S3 then sends the whole blob.
		{"longest length", storage.Range{Offset: 10, Length: math.MaxInt64}, data[10:]},
		{"longest length from the start", storage.Range{Offset: 0, Length: math.MaxInt64}, data},
		{"length overflowing by one", storage.Range{Offset: 500, Length: math.MaxInt64 - 499}, data[500:]},
		{"length up to the int64 limit", storage.Range{Offset: 500, Length: math.MaxInt64 - 500}, data[500:]},
		{"longest length at the end", storage.Range{Offset: size, Length: math.MaxInt64}, []byte{}},
		{"longest length past the end", storage.Range{Offset: size + 1, Length: math.MaxInt64}, nil},
		{"longest offset", storage.Range{Offset: math.MaxInt64, Length: 1}, nil},
		{"longest offset and length", storage.Range{Offset: math.MaxInt64, Length: math.MaxInt64}, nil},
		{"empty past the end", storage.Range{Offset: size + 1, Length: 0}, nil},
		{"most negative length", storage.Range{Offset: 10, Length: math.MinInt64}, data[10:]},
		{"suffix with the longest length", storage.Range{Offset: -10, Length: math.MaxInt64}, data[size-10:]},
		{"most negative offset", storage.Range{Offset: math.MinInt64, Length: -1}, data},
		{"most negative offset, longest length", storage.Range{Offset: math.MinInt64, Length: math.MaxInt64}, data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := tt.rng
			if tt.want == nil {
				rc, _, err := b.Get(t.Context(), "k", &rng)
				if rc != nil {
					rc.Close()
				}
				wantCode(t, fmt.Sprintf("Get(%+v)", rng), err, errs.InvalidRange)
				return
			}
			got, ginfo := get(t, b, "k", &rng)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Get(%+v): got %d bytes, want %d (first difference at %d)", rng, len(got), len(tt.want), firstDiff(got, tt.want))
			}
			if ginfo.Size != size || ginfo.ETag != info.ETag {
				t.Errorf("Get(%+v) info: got size %d etag %q, want the whole blob's %d %q", rng, ginfo.Size, ginfo.ETag, size, info.ETag)
			}
		})
	}
}

// testRangeOfEmptyBlob: on an empty blob only empty ranges exist.
func testRangeOfEmptyBlob(t *testing.T, _ Harness, b *storage.Bucket) {
	put(t, b, "empty", nil, meta())
	for _, rng := range []storage.Range{{Offset: 0, Length: -1}, {Offset: 0, Length: 0}, {Offset: 0, Length: 10}, {Offset: -1, Length: -1}, {Offset: -100, Length: 5},
		{Offset: 0, Length: math.MaxInt64}, {Offset: -1, Length: math.MaxInt64}, {Offset: math.MinInt64, Length: math.MinInt64}} {
		if got, _ := get(t, b, "empty", &rng); len(got) != 0 {
			t.Errorf("Get(empty, %+v): got %d bytes, want none", rng, len(got))
		}
	}
	rng := storage.Range{Offset: 1, Length: -1}
	rc, _, err := b.Get(t.Context(), "empty", &rng)
	if rc != nil {
		rc.Close()
	}
	wantCode(t, "Get(empty, {1 -1})", err, errs.InvalidRange)
}
