package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/storage"
)

// oddKeys are valid keys that trip naive drivers: unicode (in two
// normalisations), spaces, runs of slashes, characters that are special to
// shells, URLs or file systems, escape sequences of drivers taken literally,
// keys that are prefixes of others, a long segment, and the longest key.
// With pathKeys, the keys a file path cannot be are left out or made to fit.
func oddKeys(pathKeys bool) []string {
	keys := []string{
		"unicode/日本語/ファイル.png",
		"unicode/emoji-😀",
		"unicode/caf\u00e9",  // NFC
		"unicode/cafe\u0301", // NFD: a different key
		"spaces/a b",
		"spaces/ leading",
		"spaces/trailing ",
		"slashes/a/b/c/d/e/f/g/h/i/j/k/l",
		"case/Key", "case/key", "case/KEY",
		"chars/%2F", "chars/%", "chars/+plus", "chars/?q=1&r", "chars/#frag",
		`chars/back\slash`, "chars/colon:star*", `chars/quote"<>|`,
		"chars/...", "chars/.hidden", "chars/~tilde", "chars/-dash", "chars/a.b.",
		"chars/__0x2f__", "chars/__0x", // gocloud's escapes, literally
		"nested/child/leaf",
	}
	if pathKeys {
		return append(keys,
			"long/"+strings.Repeat("s", 255), // the longest file name
			// The longest key, in segments a file name can be.
			strings.Repeat(strings.Repeat("y", 254)+"/", 5)[:storage.MaxKeyLen],
		)
	}
	return append(keys,
		"slashes/a//b",
		"slashes/trailing/",
		"slashes/x///",
		"nested", "nested/child",
		"long/"+strings.Repeat("segment-", 40),
		strings.Repeat("y", storage.MaxKeyLen),
	)
}

// testOddKeys: odd keys round-trip exactly, list in byte order by any
// prefix, and delete exactly, whatever their case.
func testOddKeys(t *testing.T, h Harness, b *storage.Bucket) {
	keys := oddKeys(h.PathKeys)
	for _, k := range keys {
		put(t, b, k, []byte("blob:"+k), meta())
	}
	for _, k := range keys {
		if got, info := get(t, b, k, nil); string(got) != "blob:"+k || info.Key != k {
			t.Errorf("Get(%q): got key %q content %q, want the key's own", k, info.Key, got)
		}
	}
	slices.Sort(keys)
	if got := keysOf(listAll(t, b, "")); !slices.Equal(got, keys) {
		t.Errorf("List: got\n%q\nwant\n%q", got, keys)
	}
	for _, prefix := range []string{"unicode/", "unicode/caf", "spaces/", "slashes/a/", "slashes/a//", "case/K", "chars/.", "chars/%", "chars/__0x", "nested", "nested/", "y"} {
		var want []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := keysOf(listAll(t, b, prefix)); !slices.Equal(got, want) {
			t.Errorf("List(%q): got %q, want %q", prefix, got, want)
		}
	}
	if err := b.Delete(t.Context(), "case/Key"); err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(listAll(t, b, "case/")), []string{"case/KEY", "case/key"}; !slices.Equal(got, want) {
		t.Errorf("List(case/) after Delete(case/Key): got %q, want %q", got, want)
	}
}

// testListByPrefix: List returns every key that starts with the prefix, and
// only those, in ascending byte order, with each blob's size and etag.
func testListByPrefix(t *testing.T, h Harness, b *storage.Bucket) {
	keys := []string{"dir/a", "dir/b", "dir/sub/c", "dira", "dir-x", "other/x", "d"}
	if !h.PathKeys {
		keys = append(keys, "dir") // a blob, and a prefix of others at a '/'
	}
	etags := map[string]string{}
	for i, k := range keys {
		etags[k] = put(t, b, k, patternBytes(uint64(100+i), 10+i), meta()).ETag
	}
	tests := []struct{ prefix, want string }{
		{"", "d dir dir-x dir/a dir/b dir/sub/c dira other/x"},
		{"dir/", "dir/a dir/b dir/sub/c"},
		{"dir", "dir dir-x dir/a dir/b dir/sub/c dira"},
		{"dir/sub/c", "dir/sub/c"},
		{"dir/sub/c/", ""},
		{"o", "other/x"},
		{"nomatch", ""},
		{"\x00", ""},
		{"é", ""},
	}
	for _, tt := range tests {
		// The keys stored, of those the row names.
		want := strings.Join(slices.DeleteFunc(strings.Fields(tt.want), func(k string) bool {
			return !slices.Contains(keys, k)
		}), " ")
		infos := listAll(t, b, tt.prefix)
		if got := strings.Join(keysOf(infos), " "); got != want {
			t.Errorf("List(%q): got %q, want %q", tt.prefix, got, want)
		}
		for _, info := range infos {
			i := slices.Index(keys, info.Key)
			if info.Size != int64(10+i) {
				t.Errorf("List(%q): %q has size %d, want %d", tt.prefix, info.Key, info.Size, 10+i)
			}
			if info.ETag != "" && info.ETag != etags[info.Key] {
				t.Errorf("List(%q): %q has etag %q, want Put's %q", tt.prefix, info.Key, info.ETag, etags[info.Key])
			}
		}
	}
}

// listKeys are the keys the paging tests store: more than one page of the
// small sizes they use, with shared prefixes.
func listKeys() []string {
	var keys []string
	for i := range 29 {
		keys = append(keys, fmt.Sprintf("page/%02d/%c", i%10, 'a'+i))
	}
	slices.Sort(keys)
	return keys
}

// testListPages: ListPage pages through every key exactly once, in order,
// with no page larger than asked, whatever the page size.
func testListPages(t *testing.T, _ Harness, b *storage.Bucket) {
	keys := listKeys()
	for _, k := range keys {
		put(t, b, k, []byte(k), meta())
	}
	put(t, b, "pagf", []byte("outside the prefix"), meta())
	for _, size := range []int{1, 2, 3, 7, len(keys) - 1, len(keys), len(keys) + 1, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			if got := pageThrough(t, b, "page/", "", size, len(keys)); !slices.Equal(got, keys) {
				t.Errorf("ListPage(size %d) over all pages: got %q, want %q", size, got, keys)
			}
		})
	}
}

// pageThrough returns the keys of every page from token on, checking each
// page's size and order, and gives up after more pages than max keys need.
func pageThrough(t *testing.T, b *storage.Bucket, prefix, token string, size, max int) []string {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		if pages > max+1 {
			t.Fatalf("ListPage(%q, size %d): still going after %d pages", prefix, size, pages)
		}
		p, err := b.ListPage(t.Context(), prefix, token, size)
		if err != nil {
			t.Fatalf("ListPage(%q, size %d, token %q): %v", prefix, size, token, err)
		}
		if len(p.Items) > size {
			t.Errorf("ListPage(%q, size %d): got a page of %d", prefix, size, len(p.Items))
		}
		if len(p.Items) == 0 && p.Next != "" {
			t.Errorf("ListPage(%q, size %d): got an empty page with a next token", prefix, size)
		}
		for _, k := range keysOf(p.Items) {
			if n := len(got); n > 0 && k <= got[n-1] {
				t.Fatalf("ListPage(%q, size %d): %q after %q, want ascending keys", prefix, size, k, got[n-1])
			}
			got = append(got, k)
		}
		if p.Next == "" {
			return got
		}
		token = p.Next
	}
}

// testListResumesAfterDeletedKey: a page token names a position, not a blob:
// listing goes on after it even when the blobs of the previous page are gone.
func testListResumesAfterDeletedKey(t *testing.T, _ Harness, b *storage.Bucket) {
	keys := listKeys()
	for _, k := range keys {
		put(t, b, k, []byte(k), meta())
	}
	ctx := t.Context()
	p, err := b.ListPage(ctx, "", "", 3)
	if err != nil || p.Next == "" {
		t.Fatalf("ListPage: got %d items, next %q, err %v; want a full first page", len(p.Items), p.Next, err)
	}
	for _, it := range p.Items {
		if err := b.Delete(ctx, it.Key); err != nil {
			t.Fatal(err)
		}
	}
	got := pageThrough(t, b, "", p.Next, 4, len(keys))
	if !slices.Equal(got, keys[3:]) {
		t.Errorf("pages after the deleted ones: got %q, want %q", got, keys[3:])
	}
}

// testListIterator: the iterator yields what the pages hold, in order, and
// stops when the loop breaks.
func testListIterator(t *testing.T, _ Harness, b *storage.Bucket) {
	want := listKeys()
	for _, k := range want {
		put(t, b, k, nil, storage.Metadata{ContentType: "text/plain"})
	}
	if got := keysOf(listAll(t, b, "page/")); !slices.Equal(got, want) {
		t.Errorf("List: got %q, want %q", got, want)
	}
	seen := 0
	for _, err := range b.List(t.Context(), "page/") {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Errorf("List with a break after 3: got %d", seen)
	}
}
