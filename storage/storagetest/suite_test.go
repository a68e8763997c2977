package storagetest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
	"github.com/attachkit/attachments/storage/storagetest"
)

// The suite is only worth its cases if they fail on the bugs they are for.
// Each row breaks the memory driver in one way and runs the case meant to
// catch it, in a child process, which must fail.
func TestSuiteCatchesBrokenDrivers(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child")
	}
	tests := []struct {
		bug, catcher string
		pathKeys     bool // run the suite with Harness.PathKeys
	}{
		{"ignores the context", "CanceledPut", false},
		{"stores what a failing source gave", "FailingReader", false},
		{"leaves residue", "FailingReader", false},
		{"reads one byte short", "Range", false},
		{"ignores the page token", "ListPages", false},
		{"deletes before it writes", "ConcurrentWriters", false},
		{"shows half a blob first", "ConcurrentWriters", false},
		{"keeps the caller's Extra map", "PutCopiesItsInput", false},
		{"buffers the whole blob", "LargeBlob", false},
		{"deletes the keys it prefixes", "Delete", false},
		{"deletes the keys it prefixes", "Delete", true},
		{"keeps a deleted key's directories", "KeysAreNotPaths", false},
		{"keeps a deleted key's directories", "KeysAreNotPaths", true},
	}
	for _, tt := range tests {
		name := tt.bug
		if tt.pathKeys {
			name += " (PathKeys)"
		}
		t.Run(name, func(t *testing.T) {
			if testing.Short() && tt.catcher == "LargeBlob" {
				t.Skip("streams 256 MiB")
			}
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenDriver$/^"+tt.catcher+"$")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.bug)
			if tt.pathKeys {
				cmd.Env = append(cmd.Env, pathKeysEnv+"=1")
			}
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "--- FAIL: TestBrokenDriver/"+tt.catcher) {
				t.Errorf("a driver that %s: %s did not fail (%v):\n%s", tt.bug, tt.catcher, err, out)
			}
		})
	}
}

const (
	brokenEnv   = "STORAGETEST_BROKEN"
	pathKeysEnv = "STORAGETEST_PATHKEYS"
)

// TestBrokenDriver runs the suite on a broken driver; only
// TestSuiteCatchesBrokenDrivers runs it.
func TestBrokenDriver(t *testing.T) {
	bug := os.Getenv(brokenEnv)
	if bug == "" {
		t.Skip("run by TestSuiteCatchesBrokenDrivers")
	}
	var residue []string
	storagetest.RunConformanceTests(t, storagetest.Harness{
		New: func(testing.TB) *storage.Bucket {
			residue = nil
			return storage.NewBucket(&broken{Driver: memory.New().Driver(), bug: bug, residue: &residue,
				extras: map[string]map[string]string{}, dirs: map[string]bool{}})
		},
		Residue:  func(testing.TB, *storage.Bucket) []string { return residue },
		PathKeys: os.Getenv(pathKeysEnv) != "",
	})
}

// gap is how long a racy bug leaves its window open when no Get comes to
// look through it. That happens once the suite's readers have stopped, and
// from then on no window is held: it costs time once, never a catch.
const gap = time.Second

// broken is the memory driver with one bug.
type broken struct {
	storage.Driver
	bug     string
	residue *[]string
	mu      sync.Mutex
	extras  map[string]map[string]string
	dirs    map[string]bool // the directories of deleted keys, kept
	wmu     sync.Mutex      // serialises the racy bugs' Puts, so no other writer closes a window
	windows []window        // racy windows open, closed by the next Get
	alone   bool            // a window saw no Get for gap: no reader is left
}

// window is a racy bug's window, waiting for a Get to look through it.
type window struct {
	looked chan struct{}
	found  bool // only a Get that finds the blob counts
}

// hold holds a racy bug's window open until a Get that started after it
// opened has returned (one that found the blob, when found is set), so the
// suite's readers look through it however busy the machine is (a fixed
// sleep let them miss it there), or for gap when no Get comes.
func (b *broken) hold(found bool) {
	w := window{looked: make(chan struct{}), found: found}
	b.mu.Lock()
	if b.alone {
		b.mu.Unlock()
		return
	}
	b.windows = append(b.windows, w)
	b.mu.Unlock()
	t := time.NewTimer(gap)
	defer t.Stop()
	select {
	case <-w.looked:
	case <-t.C:
		b.mu.Lock()
		b.alone = true
		b.mu.Unlock()
	}
}

func (b *broken) Put(ctx context.Context, key string, r io.Reader, m storage.Metadata) (storage.Info, error) {
	switch b.bug {
	case "ignores the context":
		ctx = context.Background()
	case "stores what a failing source gave":
		var buf bytes.Buffer
		buf.ReadFrom(r)
		r = &buf
	case "leaves residue":
		info, err := b.Driver.Put(ctx, key, r, m)
		if err != nil {
			*b.residue = append(*b.residue, "tmp-"+key)
		}
		return info, err
	case "deletes before it writes":
		b.wmu.Lock()
		defer b.wmu.Unlock()
		if _, err := b.Driver.Stat(ctx, key); err == nil {
			b.hold(true) // a reader has seen the blob: it must never vanish now
		}
		b.Driver.Delete(ctx, key)
		b.hold(false)
	case "shows half a blob first", "buffers the whole blob":
		data, err := io.ReadAll(r)
		if err != nil {
			return storage.Info{}, err
		}
		if b.bug == "shows half a blob first" {
			b.wmu.Lock()
			defer b.wmu.Unlock()
			b.Driver.Put(ctx, key, bytes.NewReader(data[:len(data)/2]), m)
			b.hold(true)
		}
		r = bytes.NewReader(data)
	case "keeps the caller's Extra map":
		b.mu.Lock()
		b.extras[key] = m.Extra
		b.mu.Unlock()
	case "keeps a deleted key's directories":
		b.mu.Lock()
		dir := b.dirs[key]
		b.mu.Unlock()
		if dir {
			return storage.Info{}, errors.New("is a directory")
		}
	}
	return b.Driver.Put(ctx, key, r, m)
}

func (b *broken) Delete(ctx context.Context, key string) error {
	switch b.bug {
	case "deletes the keys it prefixes":
		p, err := b.Driver.List(ctx, key, "", 1000)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			b.Driver.Delete(ctx, it.Key)
		}
	case "keeps a deleted key's directories":
		b.mu.Lock()
		for i, c := range key {
			if c == '/' {
				b.dirs[key[:i]] = true
			}
		}
		b.mu.Unlock()
	}
	return b.Driver.Delete(ctx, key)
}

func (b *broken) Get(ctx context.Context, key string, off, n int64) (io.ReadCloser, storage.Info, error) {
	if b.bug == "reads one byte short" && n > 0 {
		n--
	}
	b.mu.Lock()
	open := b.windows
	b.windows = nil
	b.mu.Unlock()
	rc, info, err := b.Driver.Get(ctx, key, off, n)
	for _, w := range open {
		if w.found && err != nil {
			b.mu.Lock()
			b.windows = append(b.windows, w) // for a later Get
			b.mu.Unlock()
			continue
		}
		close(w.looked)
	}
	if b.bug == "keeps the caller's Extra map" {
		b.mu.Lock()
		info.Metadata.Extra = b.extras[key]
		b.mu.Unlock()
	}
	return rc, info, err
}

func (b *broken) List(ctx context.Context, prefix, token string, size int) (storage.Page, error) {
	if b.bug == "ignores the page token" {
		token = ""
	}
	return b.Driver.List(ctx, prefix, token, size)
}
