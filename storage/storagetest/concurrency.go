package storagetest

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// testConcurrentWriters: writers race on one key while readers read it. Every
// read, and the final blob, is exactly one writer's blob with that writer's
// metadata: never torn, never mixed. After the race a last Put wins.
func testConcurrentWriters(t *testing.T, _ Harness, b *storage.Bucket) {
	const (
		key     = "contended"
		writers = 6
		rounds  = 3
		readers = 2
	)
	seeds := make([]uint64, writers)
	for i := range seeds {
		seeds[i] = uint64(1000 + i)
	}
	// Sizes differ, so a blob torn between two writers shows in its size too.
	size := func(seed uint64) int64 { return 256<<10 + int64(seed%writers)*4099 }
	metaOf := func(seed uint64) storage.Metadata {
		return storage.Metadata{ContentType: "application/octet-stream", Extra: map[string]string{"writer": strconv.FormatUint(seed, 10)}}
	}
	// check reads key and reports what is wrong with it, if anything. Once
	// anyone has seen a blob, a Get that starts later must find one: an
	// overwrite never makes it vanish.
	var seen atomic.Bool
	check := func(what string) error {
		seenBefore := seen.Load()
		rc, info, err := b.Get(t.Context(), key, nil)
		if errors.Is(err, errs.NotFound) && !seenBefore {
			return nil // before the first Put lands
		}
		if err == nil {
			seen.Store(true)
		}
		if err != nil {
			return fmt.Errorf("%s: Get: %w", what, err)
		}
		defer rc.Close()
		head := make([]byte, 8)
		if _, err := io.ReadFull(rc, head); err != nil {
			return fmt.Errorf("%s: reading: %w", what, err)
		}
		seed, ok := seedOf(head, seeds)
		if !ok {
			return fmt.Errorf("%s: the blob starts with no writer's bytes", what)
		}
		if got, want := info.Metadata.Extra["writer"], strconv.FormatUint(seed, 10); got != want {
			return fmt.Errorf("%s: writer %s's bytes carry writer %q's metadata", what, want, got)
		}
		if info.Size != size(seed) {
			return fmt.Errorf("%s: writer %d's blob has size %d, want %d", what, seed, info.Size, size(seed))
		}
		want := newPattern(seed, size(seed))
		want.off = 8
		if err := compareStreams(rc, want); err != nil {
			return fmt.Errorf("%s: writer %d's blob is torn: %w", what, seed, err)
		}
		return nil
	}

	var done atomic.Bool
	var wg, rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			for n := 0; !done.Load(); n++ {
				if err := check(fmt.Sprintf("reader %d, read %d", r, n)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for _, seed := range seeds {
		wg.Go(func() {
			for range rounds {
				if _, err := b.Put(t.Context(), key, newPattern(seed, size(seed)), metaOf(seed)); err != nil {
					t.Errorf("writer %d: Put: %v", seed, err)
					return
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	seen.Store(true)
	if err := check("after the race"); err != nil {
		t.Error(err)
	}

	last := seeds[2]
	if _, err := b.Put(t.Context(), key, newPattern(last, size(last)), metaOf(last)); err != nil {
		t.Fatal(err)
	}
	if info, err := b.Stat(t.Context(), key); err != nil || info.Metadata.Extra["writer"] != strconv.FormatUint(last, 10) {
		t.Errorf("after a last Put: got writer %q (err %v), want %d", info.Metadata.Extra["writer"], err, last)
	}
	if err := check("after a last Put"); err != nil {
		t.Error(err)
	}
	if n := len(listAll(t, b, "")); n != 1 {
		t.Errorf("List after the race: got %d blobs, want 1", n)
	}
}

// testReadDuringOverwrite: a reader opened before an overwrite or a delete
// reads the blob it opened to the end, or fails; it never mixes in the new
// blob's bytes.
func testReadDuringOverwrite(t *testing.T, _ Harness, b *storage.Bucket) {
	const size = 1 << 20
	for _, then := range []string{"overwrite", "delete"} {
		t.Run(then, func(t *testing.T) {
			put(t, b, "k", patternBytes(7, size), meta())
			rc, _, err := b.Get(t.Context(), "k", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			head := make([]byte, 64<<10)
			if _, err := io.ReadFull(rc, head); err != nil {
				t.Fatal(err)
			}
			if then == "overwrite" {
				put(t, b, "k", patternBytes(8, size), meta())
			} else if err := b.Delete(t.Context(), "k"); err != nil {
				t.Fatal(err)
			}
			want := newPattern(7, size)
			want.off = int64(len(head))
			err = compareStreams(rc, want)
			if err != nil && errors.Is(err, errContent) {
				t.Errorf("reading on after the %s: %v", then, err)
			}
			if first := firstDiff(head, patternBytes(7, len(head))); first >= 0 {
				t.Errorf("the first bytes read differ at %d", first)
			}
		})
	}
}
