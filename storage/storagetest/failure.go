package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// cancelingReader delivers r's bytes and, once after bytes of them, calls
// cancel, then goes on delivering: a driver must notice the context itself.
type cancelingReader struct {
	r      io.Reader
	after  int64
	n      int64
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.n >= c.after && c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	if c.cancel != nil {
		p = p[:min(int64(len(p)), c.after-c.n)]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// failingReader delivers r's bytes and fails with err once after bytes of
// them; with together it returns the last bytes and err from the same Read,
// as io.Reader allows.
type failingReader struct {
	r        io.Reader
	after, n int64
	err      error
	together bool
}

func (f *failingReader) Read(p []byte) (int, error) {
	left := f.after - f.n
	if left <= 0 {
		return 0, f.err
	}
	n, err := f.r.Read(p[:min(int64(len(p)), left)])
	f.n += int64(n)
	if f.together && f.n >= f.after {
		return n, f.err
	}
	return n, err
}

// errBoom is the failing reader's error.
var errBoom = errors.New("storagetest: the source failed")

// testCanceledPut: a context cancelled in the middle of a Put fails it with
// errs.Canceled and leaves no blob, no residue and the previous blob intact.
func testCanceledPut(t *testing.T, h Harness, b *storage.Bucket) {
	for _, after := range []int64{0, 1 << 20} {
		for _, previous := range []bool{false, true} {
			t.Run(fmt.Sprintf("after %d bytes, previous blob %t", after, previous), func(t *testing.T) {
				key := fmt.Sprintf("canceled/%d/%t", after, previous)
				prev := patternBytes(9, 50<<10)
				if previous {
					put(t, b, key, prev, meta())
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				src := &cancelingReader{r: newPattern(10, 8<<20), after: after, cancel: cancel}
				_, err := b.Put(ctx, key, src, meta())
				wantCode(t, "Put with its context cancelled", err, errs.Canceled)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Put with its context cancelled: got %v, want it to wrap context.Canceled", err)
				}
				checkUntouched(t, h, b, key, prev, previous)
			})
		}
	}
}

// testFailingReader: a source that fails in the middle fails the Put with
// the source's error in the chain, and its code when it has one, and leaves
// no blob, no residue and the previous blob intact.
func testFailingReader(t *testing.T, h Harness, b *storage.Bucket) {
	tooLarge := &errs.Error{Code: errs.FileTooLarge, Op: "limit", Details: errs.Details{Limit: 1 << 20}}
	tests := []struct {
		name     string
		after    int64
		err      error
		together bool
	}{
		{"on the first read", 0, errBoom, false},
		{"after 1 MiB", 1 << 20, errBoom, false},
		{"with the last bytes", 1<<20 + 3, errBoom, true},
		{"with a code of its own", 1<<20 + 1, tooLarge, false},
	}
	for _, tt := range tests {
		for _, previous := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, previous blob %t", tt.name, previous), func(t *testing.T) {
				key := fmt.Sprintf("failing/%s/%t", tt.name, previous)
				prev := patternBytes(11, 50<<10)
				if previous {
					put(t, b, key, prev, meta())
				}
				src := &failingReader{r: newPattern(12, 8<<20), after: tt.after, err: tt.err, together: tt.together}
				_, err := b.Put(t.Context(), key, src, meta())
				if !errors.Is(err, tt.err) || errs.As(err) == nil {
					t.Errorf("Put from a failing source: got %v, want an *errs.Error wrapping %v", err, tt.err)
				}
				if code := errs.CodeOf(tt.err); code != errs.Internal && !errors.Is(err, code) {
					t.Errorf("Put from a source failing with code %s: got code %s", code, errs.CodeOf(err))
				}
				checkUntouched(t, h, b, key, prev, previous)
			})
		}
	}
}

// checkUntouched fails t unless key holds prev (when previous) or nothing,
// nothing else is listed under the key, and h reports no residue.
func checkUntouched(t *testing.T, h Harness, b *storage.Bucket, key string, prev []byte, previous bool) {
	t.Helper()
	if previous {
		got, info := get(t, b, key, nil)
		if !bytes.Equal(got, prev) || !sameMetadata(info.Metadata, meta()) {
			t.Errorf("the previous blob: got %d bytes (first difference at %d), metadata %+v; want it intact", len(got), firstDiff(got, prev), info.Metadata)
		}
	} else {
		_, err := b.Stat(t.Context(), key)
		wantCode(t, "Stat after the failed Put", err, errs.NotFound)
	}
	want := 0
	if previous {
		want = 1
	}
	if n := len(listAll(t, b, key)); n != want {
		t.Errorf("List(%q): got %d blobs, want %d", key, n, want)
	}
	checkResidue(t, h, b)
}
