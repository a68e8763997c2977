package filesystem_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

// The key trie grows levels where directories fill and never moves a file,
// so a key's blob may sit above its newest copy for a while. Random Puts,
// overwrites and Deletes on keys that share long prefixes, checked step by
// step against the memory driver, cover the merges List must do and the
// lookups Get must do.
func TestLayoutMatchesMemory(t *testing.T) {
	fsb, dir := open(t, &filesystem.Options{MaxDirEntries: 3, NoSync: true})
	defer fsb.Close()
	mem := memory.New()
	defer mem.Close()
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	prefixes := []string{"", "m", "media/", "media/CH1/", "media/CH1/0190", "media/CH2/", strings.Repeat("long/", 30)}
	alphabet := "0123456789abcdef/-é"
	randomKey := func() string {
		var b strings.Builder
		b.WriteString(prefixes[rng.IntN(len(prefixes))])
		for range 1 + rng.IntN(6) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet)-2)])
		}
		if rng.IntN(10) == 0 {
			b.WriteString("é")
		}
		return b.String()
	}
	var keys []string
	for step := range 400 {
		var key string
		if len(keys) > 0 && rng.IntN(3) == 0 {
			key = keys[rng.IntN(len(keys))] // an overwrite or a delete
		} else {
			key = randomKey()
			keys = append(keys, key)
		}
		if storage.CheckKey(key) != nil {
			continue
		}
		if rng.IntN(5) == 0 {
			for _, b := range []*storage.Bucket{fsb, mem} {
				if err := b.Delete(ctx, key); err != nil {
					t.Fatalf("step %d: Delete(%q): %v", step, key, err)
				}
			}
		} else {
			data := fmt.Appendf(nil, "%s@%d", key, step)
			for _, b := range []*storage.Bucket{fsb, mem} {
				if _, err := b.Put(ctx, key, bytes.NewReader(data), storage.Metadata{}); err != nil {
					t.Fatalf("step %d: Put(%q): %v", step, key, err)
				}
			}
		}
		if step%100 == 99 {
			compareBuckets(t, fsb, mem, keys, prefixes)
		}
	}
	compareBuckets(t, fsb, mem, keys, prefixes)
	checkFanOut(t, filepath.Join(dir, "blobs"), 3)
}

// compareBuckets fails t unless got holds what want holds: the same pages
// for each prefix at a small page size, and the same content for each key.
func compareBuckets(t *testing.T, got, want *storage.Bucket, keys, prefixes []string) {
	t.Helper()
	ctx := t.Context()
	for _, prefix := range append(prefixes, "media/CH1/01", "z") {
		var pages [2][]string
		for i, b := range []*storage.Bucket{got, want} {
			for token := ""; ; {
				p, err := b.ListPage(ctx, prefix, token, 4)
				if err != nil {
					t.Fatalf("ListPage(%q, %q): %v", prefix, token, err)
				}
				pages[i] = append(pages[i], keysOf(p.Items)...)
				if token = p.Next; token == "" {
					break
				}
			}
		}
		if !slices.Equal(pages[0], pages[1]) {
			t.Fatalf("List(%q):\n got %q\nwant %q", prefix, pages[0], pages[1])
		}
	}
	for _, k := range keys {
		if storage.CheckKey(k) != nil {
			continue
		}
		g, gerr := readBlob(t, got, k)
		w, werr := readBlob(t, want, k)
		if (gerr == nil) != (werr == nil) || !bytes.Equal(g, w) {
			t.Fatalf("Get(%q): got %q, %v; want %q, %v", k, g, gerr, w, werr)
		}
	}
}

func readBlob(t *testing.T, b *storage.Bucket, key string) ([]byte, error) {
	rc, _, err := b.Get(t.Context(), key, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	return buf.Bytes(), err
}

func keysOf(infos []storage.Info) []string {
	var keys []string
	for _, info := range infos {
		keys = append(keys, info.Key)
	}
	return keys
}

// checkFanOut fails t if a directory under root holds more than limit blob
// files whose keys could have gone deeper (the short keys that end at a
// level, and the few that race in before it is found full, aside).
func checkFanOut(t *testing.T, root string, limit int) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			return nil
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			t.Fatal(err)
		}
		long := 0
		for _, e := range entries {
			if rest, ok := strings.CutSuffix(e.Name(), ".blob"); ok && len(rest) > 4 {
				long++
			}
		}
		if long > limit {
			t.Errorf("%s holds %d blob files that could go deeper, want at most %d", path, long, limit)
		}
		return nil
	})
}

// Keys sharing a long prefix, the way time-ordered ids do, spread over
// levels instead of filling one directory.
func TestSharedPrefixesSpread(t *testing.T) {
	b, dir := open(t, &filesystem.Options{MaxDirEntries: 16, NoSync: true})
	defer b.Close()
	var want []string
	for i := range 500 {
		k := fmt.Sprintf("media/CH1/01900000-%06x", i*7919)
		want = append(want, k)
		if _, err := b.Put(t.Context(), k, strings.NewReader(k), storage.Metadata{}); err != nil {
			t.Fatal(err)
		}
	}
	checkFanOut(t, filepath.Join(dir, "blobs"), 16)
	slices.Sort(want)
	var got []string
	for info, err := range b.List(t.Context(), "media/CH1/") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List: got %d keys, want the %d stored, in order", len(got), len(want))
	}
}
