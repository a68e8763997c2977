package storage_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"media/CH1/3f2c", true},
		{"a//b", true},
		{"trailing/", true},
		{"...", true},
		{"a/.b", true},
		{"日本語 ファイル", true},
		{strings.Repeat("k", storage.MaxKeyLen), true},
		{"", false},
		{"/abs", false},
		{".", false},
		{"..", false},
		{"a/../b", false},
		{"a/.", false},
		{"nul\x00", false},
		{"tab\t", false},
		{"c1\u0085", false},
		{"\xff", false},
		{strings.Repeat("k", storage.MaxKeyLen+1), false},
	}
	for _, tt := range tests {
		err := storage.CheckKey(tt.key)
		if got := err == nil; got != tt.want {
			t.Errorf("CheckKey(%q): got %v, want valid %t", tt.key, err, tt.want)
		}
		if err != nil && errs.CodeOf(err) != errs.InvalidKey {
			t.Errorf("CheckKey(%q): got code %s, want %s", tt.key, errs.CodeOf(err), errs.InvalidKey)
		}
	}
}

func TestCheckMetadata(t *testing.T) {
	tests := []struct {
		name string
		meta storage.Metadata
		want bool
	}{
		{"empty", storage.Metadata{}, true},
		{"usual", storage.Metadata{ContentType: "image/png", FileName: "a.png", Owner: "o", Channel: "c", Extra: map[string]string{"scan-1": "clean"}}, true},
		{"any bytes in values", storage.Metadata{FileName: "a\tb\xff.png", Extra: map[string]string{"k": "line\nbreak"}}, true},
		{"at the limit", storage.Metadata{FileName: strings.Repeat("é", storage.MaxMetadataLen/2)}, true},
		{"over the limit", storage.Metadata{FileName: strings.Repeat("a", storage.MaxMetadataLen-1), Owner: "ab"}, false},
		{"over the limit in extra", storage.Metadata{Extra: map[string]string{"k": strings.Repeat("v", storage.MaxMetadataLen)}}, false},
		{"upper-case key", storage.Metadata{Extra: map[string]string{"Scan": "x"}}, false},
		{"empty key", storage.Metadata{Extra: map[string]string{"": "x"}}, false},
		{"key with a space", storage.Metadata{Extra: map[string]string{"a b": "x"}}, false},
		{"key with an underscore", storage.Metadata{Extra: map[string]string{"a_b": "x"}}, false},
		{"non-ASCII key", storage.Metadata{Extra: map[string]string{"clé": "x"}}, false},
		{"long key", storage.Metadata{Extra: map[string]string{strings.Repeat("k", 65): "x"}}, false},
	}
	for _, tt := range tests {
		err := storage.CheckMetadata(tt.meta)
		if got := err == nil; got != tt.want {
			t.Errorf("%s: got %v, want valid %t", tt.name, err, tt.want)
		}
		if err != nil && errs.CodeOf(err) != errs.InvalidArgument {
			t.Errorf("%s: got code %s, want %s", tt.name, errs.CodeOf(err), errs.InvalidArgument)
		}
	}
}

// listDriver is a Driver whose List records its calls and whose other
// methods must not be reached.
type listDriver struct {
	storage.Driver
	prefixes []string
}

func (d *listDriver) List(_ context.Context, prefix, _ string, _ int) (storage.Page, error) {
	d.prefixes = append(d.prefixes, prefix)
	return storage.Page{}, nil
}

// A prefix no valid key can start with is answered without the driver, so
// drivers never see one; a prefix cut inside a rune still reaches it.
func TestListPageImpossiblePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		driver bool
	}{
		{"", true},
		{"media/", true},
		{"日本"[:4], true}, // ends inside 本
		{"a/..", true},   // "a/..b" is a valid key
		{"/abs", false},
		{"nul\x00", false},
		{"bad\xffutf8", false},
		{"\xe6\xff", false},
		{strings.Repeat("k", storage.MaxKeyLen+1), false},
	}
	for _, tt := range tests {
		d := &listDriver{}
		b := storage.NewBucket(d)
		p, err := b.ListPage(t.Context(), tt.prefix, "", 10)
		if err != nil || len(p.Items) > 0 || p.Next != "" {
			t.Errorf("ListPage(%q): got %+v, %v; want an empty page", tt.prefix, p, err)
		}
		if got := len(d.prefixes) > 0; got != tt.driver {
			t.Errorf("ListPage(%q): driver called %t, want %t", tt.prefix, got, tt.driver)
		}
	}
}

// pagesDriver serves keys "k0000", "k0001", … in pages from List.
type pagesDriver struct {
	storage.Driver
	n, calls int
}

func (d *pagesDriver) List(_ context.Context, _, token string, size int) (storage.Page, error) {
	d.calls++
	start := 0
	if token != "" {
		fmt.Sscanf(token, "k%04d", &start)
		start++
	}
	var p storage.Page
	for i := start; i < d.n && len(p.Items) < size; i++ {
		p.Items = append(p.Items, storage.Info{Key: fmt.Sprintf("k%04d", i)})
	}
	if last := start + len(p.Items); last < d.n {
		p.Next = p.Items[len(p.Items)-1].Key
	}
	return p, nil
}

// List follows page tokens to the end, and stops fetching when the loop
// breaks.
func TestListFollowsPages(t *testing.T) {
	d := &pagesDriver{n: storage.DefaultPageSize*2 + 1}
	b := storage.NewBucket(d)
	n := 0
	for info, err := range b.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("k%04d", n); info.Key != want {
			t.Fatalf("item %d: got %q, want %q", n, info.Key, want)
		}
		n++
	}
	if n != d.n || d.calls != 3 {
		t.Errorf("List: got %d items in %d pages, want %d in 3", n, d.calls, d.n)
	}
	d.calls = 0
	for range b.List(t.Context(), "") {
		break
	}
	if d.calls != 1 {
		t.Errorf("List with a break: got %d pages fetched, want 1", d.calls)
	}
}

// Put refuses what the driver must never see, before reading anything.
func TestPutChecksBeforeReading(t *testing.T) {
	b := storage.NewBucket(&listDriver{})
	r := &countingReader{}
	_, err := b.Put(t.Context(), "k", r, storage.Metadata{Extra: map[string]string{"Bad": "x"}})
	if errs.CodeOf(err) != errs.InvalidArgument || r.reads > 0 {
		t.Errorf("Put with bad metadata: got %v after %d reads, want %s before any", err, r.reads, errs.InvalidArgument)
	}
	_, err = b.Put(t.Context(), "k", nil, storage.Metadata{})
	if errs.CodeOf(err) != errs.InvalidArgument {
		t.Errorf("Put with a nil reader: got %v, want %s", err, errs.InvalidArgument)
	}
}

type countingReader struct{ reads int }

func (r *countingReader) Read([]byte) (int, error) { r.reads++; return 0, io.EOF }

// sentinelDriver fails every Stat with one shared error, wrapped with the
// driver's own context, as a driver with an error variable would.
type sentinelDriver struct{ storage.Driver }

var errGone = &errs.Error{Code: errs.NotFound}

func (sentinelDriver) Stat(_ context.Context, key string) (storage.Info, error) {
	return storage.Info{}, fmt.Errorf("shard 7: %w", errGone)
}

// A driver's error is never changed in place: each call's error names its
// own key, and the driver's wrapping stays in the chain.
func TestDriverErrorsAreNotMutated(t *testing.T) {
	b := storage.NewBucket(sentinelDriver{})
	for _, key := range []string{"a", "b"} {
		_, err := b.Stat(t.Context(), key)
		if errs.CodeOf(err) != errs.NotFound || !strings.Contains(err.Error(), "stat "+key) || !strings.Contains(err.Error(), "shard 7") {
			t.Errorf("Stat(%q) err = %v, want not_found naming the key and keeping the driver's context", key, err)
		}
	}
	if errGone.Op != "" {
		t.Errorf("the driver's shared error was rewritten: Op = %q", errGone.Op)
	}
}

// rangeDriver is a Driver over one blob of size bytes that records the
// offsets and lengths Get is given and counts Stat calls.
type rangeDriver struct {
	storage.Driver
	size  int64
	stats int
	gets  [][2]int64
}

func (d *rangeDriver) Stat(context.Context, string) (storage.Info, error) {
	d.stats++
	return storage.Info{Size: d.size}, nil
}

func (d *rangeDriver) Get(_ context.Context, key string, off, n int64) (io.ReadCloser, storage.Info, error) {
	d.gets = append(d.gets, [2]int64{off, n})
	return io.NopCloser(strings.NewReader("")), storage.Info{Key: key, Size: d.size}, nil
}

// TestGetClampsRanges: a driver sees an offset >= 0 and a length >= 0 or -1
// whose sum never overflows, and Bucket asks for the size only for a suffix.
func TestGetClampsRanges(t *testing.T) {
	const size = 1000
	tests := []struct {
		name    string
		rng     storage.Range
		off, n  int64
		wantSta int
	}{
		{"a plain range", storage.Range{Offset: 10, Length: 20}, 10, 20, 0},
		{"to the end", storage.Range{Offset: 10, Length: -1}, 10, -1, 0},
		{"most negative length", storage.Range{Offset: 10, Length: math.MinInt64}, 10, -1, 0},
		{"longest length", storage.Range{Offset: 10, Length: math.MaxInt64}, 10, -1, 0},
		{"length overflowing by one", storage.Range{Offset: 10, Length: math.MaxInt64 - 9}, 10, -1, 0},
		{"length up to the limit", storage.Range{Offset: 10, Length: math.MaxInt64 - 10}, 10, math.MaxInt64 - 10, 0},
		{"longest offset", storage.Range{Offset: math.MaxInt64, Length: 1}, math.MaxInt64, -1, 0},
		{"suffix", storage.Range{Offset: -10, Length: -1}, size - 10, 10, 1},
		{"suffix with the longest length", storage.Range{Offset: -10, Length: math.MaxInt64}, size - 10, 10, 1},
		{"suffix with a length", storage.Range{Offset: -10, Length: 4}, size - 10, 4, 1},
		{"most negative offset", storage.Range{Offset: math.MinInt64, Length: math.MaxInt64}, 0, size, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &rangeDriver{size: size}
			rc, _, err := storage.NewBucket(d).Get(t.Context(), "k", &tt.rng)
			require.NoError(t, err)
			rc.Close()
			require.Len(t, d.gets, 1, "Get did not reach the driver once")
			off, n := d.gets[0][0], d.gets[0][1]
			assert.Equal(t, [2]int64{tt.off, tt.n}, d.gets[0], "the driver got another range than the one asked for")
			assert.True(t, off >= 0 && n >= -1 && (n < 0 || off <= math.MaxInt64-n), "the driver got a range that overflows: %d+%d", off, n)
			assert.Equal(t, tt.wantSta, d.stats, "Get asked for the size when it needed none, or not when it did")
		})
	}
}
