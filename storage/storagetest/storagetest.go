// Package storagetest is the conformance suite every storage driver runs:
// the behaviour the library and hosts rely on, checked the same way for
// memory, a local directory and an object store.
//
// A driver's test file opens buckets for the suite and runs it:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunConformanceTests(t, storagetest.Harness{
//			New: func(testing.TB) *storage.Bucket { return memory.New() },
//		})
//	}
//
// RunConformanceTests runs one subtest per case, as testing/slogtest does, each on a new,
// empty bucket, so a failure names the broken promise: round trip and
// metadata (up to storage.MaxMetadataLen), ranges, not found, overwrite,
// delete, list (by prefix, across pages, odd keys), invalid keys, concurrent
// writers, cancelled and failing Puts (no blob, no residue, the previous
// blob intact) and a 256 MiB blob written and read back in bounded memory.
// With -short the 256 MiB case is skipped. Harness.PathKeys adapts the key
// cases to a backend that keeps keys as file paths.
//
// RunBenchmarks measures Put, Get, Stat and List on the same harness: New
// takes a testing.TB, so one function opens buckets for both.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// Harness tells the suite how to open a driver under test.
type Harness struct {
	// New returns a new, empty bucket for one test or benchmark. The suite
	// closes it.
	New func(t testing.TB) *storage.Bucket
	// Residue, if set, lists what a failed or cancelled Put may have left
	// outside the bucket's visible keys (temp files, pending multipart
	// uploads); the suite requires it be empty.
	Residue func(t testing.TB, b *storage.Bucket) []string
	// PathKeys says the backend keeps each key as a file path (versitygw's
	// posix backend, some S3 gateways), so it cannot hold a key that is also
	// a directory of another ("p" and "p/q"), an empty segment ("a//b"), a
	// trailing '/', or a segment longer than 255 bytes. With it set, every
	// case still runs, with keys such a backend can hold; only the
	// assertions about those shapes are left out. The default (false) is
	// what object stores and this module's drivers promise: any valid key.
	PathKeys bool
	// SkipLarge, if set, is why the LargeBlob case is skipped: for a test
	// double that is no store for 256 MiB.
	SkipLarge string
}

// testCase is one conformance case.
type testCase struct {
	name string
	run  func(t *testing.T, h Harness, b *storage.Bucket)
}

// cases are the conformance cases, in the order RunConformanceTests runs them.
func cases() []testCase {
	return []testCase{
		{"RoundTrip", testRoundTrip},
		{"EmptyBlob", testEmptyBlob},
		{"PutCopiesItsInput", testPutCopiesItsInput},
		{"InfoIsACopy", testInfoIsACopy},
		{"MetadataAtTheLimit", testMetadataAtTheLimit},
		{"Range", testRange},
		{"RangeOfEmptyBlob", testRangeOfEmptyBlob},
		{"NotFound", testNotFound},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"KeysAreNotPaths", testKeysAreNotPaths},
		{"OddKeys", testOddKeys},
		{"InvalidKeys", testInvalidKeys},
		{"ListByPrefix", testListByPrefix},
		{"ListPages", testListPages},
		{"ListResumesAfterDeletedKey", testListResumesAfterDeletedKey},
		{"ListIterator", testListIterator},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ReadDuringOverwrite", testReadDuringOverwrite},
		{"CanceledPut", testCanceledPut},
		{"FailingReader", testFailingReader},
		{"CanceledContext", testCanceledContext},
		{"Closed", testClosed},
		{"LargeBlob", testLargeBlob},
	}
}

// RunConformanceTests runs the conformance suite against the driver h opens, one subtest per
// case.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Helper()
	checkHarness(t, h)
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			b := open(t, h)
			c.run(t, h, b)
		})
	}
}

// checkHarness fails t when h cannot open a bucket.
func checkHarness(t testing.TB, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storagetest: Harness.New is nil")
	}
}

// open returns a new bucket from h, closed and checked for residue when t
// ends.
func open(t testing.TB, h Harness) *storage.Bucket {
	t.Helper()
	b := h.New(t)
	if b == nil {
		t.Fatal("Harness.New returned nil")
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	// Cleanups run last-in first-out: the residue check sees the bucket open.
	t.Cleanup(func() { checkResidue(t, h, b) })
	return b
}

func checkResidue(t testing.TB, h Harness, b *storage.Bucket) {
	t.Helper()
	if h.Residue == nil {
		return
	}
	if r := h.Residue(t, b); len(r) > 0 {
		t.Errorf("residue left outside the visible keys: %q", r)
	}
}

// meta is the metadata the suite stores by default: every field set, with
// unicode where a real upload has it.
func meta() storage.Metadata {
	return storage.Metadata{
		ContentType: "image/png",
		FileName:    "Résumé 2024 (final) – 日本.png",
		Owner:       "customer:alice@example.com",
		Channel:     "CH8f1a2b",
		Extra:       map[string]string{"scan": "clean", "sha256": "9f86d08188", "note": "café"},
	}
}

// put stores data under key with md and fails t on error.
func put(t *testing.T, b *storage.Bucket, key string, data []byte, md storage.Metadata) storage.Info {
	t.Helper()
	info, err := b.Put(t.Context(), key, bytes.NewReader(data), md)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

// get reads the bytes rng selects from key and fails t on error.
func get(t *testing.T, b *storage.Bucket, key string, rng *storage.Range) ([]byte, storage.Info) {
	t.Helper()
	rc, info, err := b.Get(t.Context(), key, rng)
	if err != nil {
		t.Fatalf("Get(%q, %+v): %v", key, rng, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q, %+v): reading: %v", key, rng, err)
	}
	return data, info
}

// wantCode fails t unless err is an *errs.Error with code.
func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want %s", what, code)
		return
	}
	if !errors.Is(err, code) || errs.As(err) == nil {
		t.Errorf("%s: got error %v (code %s), want an *errs.Error with code %s", what, err, errs.CodeOf(err), code)
	}
}

// sameMetadata reports whether a and b are equal, a nil Extra being equal to
// an empty one.
func sameMetadata(a, b storage.Metadata) bool {
	return a.ContentType == b.ContentType && a.FileName == b.FileName &&
		a.Owner == b.Owner && a.Channel == b.Channel &&
		maps.Equal(a.Extra, b.Extra)
}

// listAll returns every blob under prefix through the iterator, and fails t
// as soon as a key does not come after the one before: a driver that loses
// its place would otherwise loop for ever.
func listAll(t *testing.T, b *storage.Bucket, prefix string) []storage.Info {
	t.Helper()
	var out []storage.Info
	for info, err := range b.List(t.Context(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if n := len(out); n > 0 && info.Key <= out[n-1].Key {
			t.Fatalf("List(%q): %q after %q, want ascending keys", prefix, info.Key, out[n-1].Key)
		}
		out = append(out, info)
	}
	return out
}

func keysOf(infos []storage.Info) []string {
	keys := make([]string, len(infos))
	for i, info := range infos {
		keys[i] = info.Key
	}
	return keys
}

// canceled returns a context that is already done.
func canceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
