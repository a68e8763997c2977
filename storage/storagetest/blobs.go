package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// testRoundTrip: what Put stores, Get and Stat return, bytes and metadata,
// and the three agree on the blob's info.
func testRoundTrip(t *testing.T, _ Harness, b *storage.Bucket) {
	const key = "media/CH8f1a2b/3f2c9a.png"
	data := patternBytes(1, 300<<10+7)
	md := meta()

	pinfo := put(t, b, key, data, md)
	if pinfo.Key != key || pinfo.Size != int64(len(data)) || pinfo.ETag == "" {
		t.Errorf("Put info: got key %q size %d etag %q, want key %q size %d and an etag", pinfo.Key, pinfo.Size, pinfo.ETag, key, len(data))
	}
	if !sameMetadata(pinfo.Metadata, md) {
		t.Errorf("Put metadata: got %+v, want %+v", pinfo.Metadata, md)
	}

	sinfo, err := b.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	got, ginfo := get(t, b, key, nil)
	if !bytes.Equal(got, data) {
		t.Errorf("Get: got %d bytes, want the %d put (first difference at %d)", len(got), len(data), firstDiff(got, data))
	}
	for _, c := range []struct {
		name string
		info storage.Info
	}{{"Stat", sinfo}, {"Get", ginfo}} {
		if c.info.Key != key || c.info.Size != int64(len(data)) {
			t.Errorf("%s: got key %q size %d, want %q %d", c.name, c.info.Key, c.info.Size, key, len(data))
		}
		if c.info.ETag != pinfo.ETag {
			t.Errorf("%s: got etag %q, want Put's %q", c.name, c.info.ETag, pinfo.ETag)
		}
		if c.info.ModTime.IsZero() {
			t.Errorf("%s: got a zero ModTime", c.name)
		}
		if !sameMetadata(c.info.Metadata, md) {
			t.Errorf("%s metadata: got %+v, want %+v", c.name, c.info.Metadata, md)
		}
	}

	// Bare metadata stays bare: nothing invented, nothing lost.
	bare := storage.Metadata{ContentType: "application/octet-stream"}
	put(t, b, "bare", []byte("x"), bare)
	if info, err := b.Stat(t.Context(), "bare"); err != nil || !sameMetadata(info.Metadata, bare) {
		t.Errorf("Stat(bare): got %+v, %v; want metadata %+v", info.Metadata, err, bare)
	}
}

// testEmptyBlob: a zero-byte blob is a blob, not an absence.
func testEmptyBlob(t *testing.T, _ Harness, b *storage.Bucket) {
	info := put(t, b, "empty", nil, meta())
	if info.Size != 0 || info.ETag == "" {
		t.Errorf("Put: got size %d etag %q, want 0 and an etag", info.Size, info.ETag)
	}
	got, ginfo := get(t, b, "empty", nil)
	if len(got) != 0 || ginfo.Size != 0 {
		t.Errorf("Get: got %d bytes, size %d; want none", len(got), ginfo.Size)
	}
	if keys := keysOf(listAll(t, b, "")); len(keys) != 1 || keys[0] != "empty" {
		t.Errorf("List: got %q, want [empty]", keys)
	}
}

// testPutCopiesItsInput: changing the caller's buffer or Extra map after Put
// changes nothing stored.
func testPutCopiesItsInput(t *testing.T, _ Harness, b *storage.Bucket) {
	data := patternBytes(2, 64<<10)
	want := bytes.Clone(data)
	md := meta()
	wantMD := meta()
	put(t, b, "k", data, md)
	clear(data)
	md.Extra["scan"] = "infected"
	md.Extra["added"] = "later"

	got, info := get(t, b, "k", nil)
	if !bytes.Equal(got, want) {
		t.Errorf("Get after the caller reused its buffer: content changed (first difference at %d)", firstDiff(got, want))
	}
	if !sameMetadata(info.Metadata, wantMD) {
		t.Errorf("Get after the caller changed its Extra map: got %+v, want %+v", info.Metadata.Extra, wantMD.Extra)
	}
}

// testInfoIsACopy: changing what Get, Stat or List returned changes nothing
// stored.
func testInfoIsACopy(t *testing.T, _ Harness, b *storage.Bucket) {
	data := patternBytes(3, 4096)
	put(t, b, "k", data, meta())

	info, err := b.Stat(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	info.Metadata.Extra["scan"] = "tampered"
	got, ginfo := get(t, b, "k", nil)
	ginfo.Metadata.Extra["scan"] = "tampered too"
	clear(got)
	for _, it := range listAll(t, b, "") {
		if it.Metadata.Extra != nil {
			it.Metadata.Extra["scan"] = "tampered by list"
		}
	}

	again, info2 := get(t, b, "k", nil)
	if !bytes.Equal(again, data) {
		t.Errorf("Get after the caller changed a returned buffer: content changed")
	}
	if got, want := info2.Metadata.Extra["scan"], meta().Extra["scan"]; got != want {
		t.Errorf("Extra[scan] after the caller changed a returned map: got %q, want %q", got, want)
	}
}

// testNotFound: a missing key is errs.NotFound for Get (with or without a
// range) and Stat.
func testNotFound(t *testing.T, _ Harness, b *storage.Bucket) {
	put(t, b, "present", []byte("x"), meta())
	ctx := t.Context()
	_, err := b.Stat(ctx, "missing")
	wantCode(t, "Stat(missing)", err, errs.NotFound)
	for _, rng := range []*storage.Range{nil, {Offset: 0, Length: 1}, {Offset: -1, Length: -1}} {
		rc, _, err := b.Get(ctx, "missing", rng)
		if rc != nil {
			rc.Close()
		}
		wantCode(t, fmt.Sprintf("Get(missing, %+v)", rng), err, errs.NotFound)
	}
	// A prefix of a key, or a key extended, is not the key.
	for _, k := range []string{"presen", "present/", "present0"} {
		_, err := b.Stat(ctx, k)
		wantCode(t, fmt.Sprintf("Stat(%q)", k), err, errs.NotFound)
	}
}

// testOverwrite: a second Put replaces the bytes and the metadata whole,
// including with a shorter blob.
func testOverwrite(t *testing.T, _ Harness, b *storage.Bucket) {
	first := patternBytes(4, 100<<10)
	second := patternBytes(5, 10<<10)
	i1 := put(t, b, "k", first, meta())
	md2 := storage.Metadata{ContentType: "text/plain", FileName: "second.txt", Owner: "agent:bob"}
	i2 := put(t, b, "k", second, md2)
	if i1.ETag == i2.ETag {
		t.Errorf("ETag: got %q for both versions, want it to change with the content", i1.ETag)
	}
	got, info := get(t, b, "k", nil)
	if !bytes.Equal(got, second) {
		t.Errorf("Get after overwrite: got %d bytes, want the second blob's %d (first difference at %d)", len(got), len(second), firstDiff(got, second))
	}
	if info.Size != int64(len(second)) || info.ETag != i2.ETag || !sameMetadata(info.Metadata, md2) {
		t.Errorf("Get info after overwrite: got size %d etag %q meta %+v, want %d %q %+v", info.Size, info.ETag, info.Metadata, len(second), i2.ETag, md2)
	}
	if n := len(listAll(t, b, "")); n != 1 {
		t.Errorf("List after overwrite: got %d blobs, want 1", n)
	}
}

// testDelete: Delete removes exactly the key, not the keys it is a prefix
// of; deleting it again, or a key that never was, is not an error.
func testDelete(t *testing.T, h Harness, b *storage.Bucket) {
	keys, want := []string{"a", "ab", "b"}, "ab b"
	if !h.PathKeys {
		keys, want = append(keys, "a/b"), "a/b ab b"
	}
	for _, k := range keys {
		put(t, b, k, []byte(k), meta())
	}
	ctx := t.Context()
	for i := range 2 {
		if err := b.Delete(ctx, "a"); err != nil {
			t.Errorf("Delete(a) #%d: %v", i+1, err)
		}
	}
	if err := b.Delete(ctx, "never-was"); err != nil {
		t.Errorf("Delete(never-was): %v", err)
	}
	_, err := b.Stat(ctx, "a")
	wantCode(t, "Stat after Delete", err, errs.NotFound)
	if got := strings.Join(keysOf(listAll(t, b, "")), " "); got != want {
		t.Errorf("List after Delete(a): got %q, want %q", got, want)
	}
}

// testKeysAreNotPaths: a key's place is no directory. Whatever the backend,
// a key may follow one it is under, or over, once that one is deleted, with
// nothing left behind to refuse the Put or show in a List. And, unless
// PathKeys, a key may be both a blob and the prefix of others at a '/', the
// way object stores have it and directories do not.
func testKeysAreNotPaths(t *testing.T, h Harness, b *storage.Bucket) {
	ctx := t.Context()
	for _, k := range []string{"p/q/r", "p/q", "p", "p/q/r", "p"} {
		put(t, b, k, []byte("blob "+k), meta())
		if got, _ := get(t, b, k, nil); string(got) != "blob "+k {
			t.Errorf("Get(%q): got %q, want %q", k, got, "blob "+k)
		}
		if got := keysOf(listAll(t, b, "")); !slices.Equal(got, []string{k}) {
			t.Errorf("List after Put(%q) alone: got %q, want [%s]", k, got, k)
		}
		if err := b.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if got := keysOf(listAll(t, b, "")); len(got) > 0 {
		t.Errorf("List after deleting every key: got %q, want nothing", got)
	}
	if h.PathKeys {
		t.Log("PathKeys: not storing keys that are prefixes of others at a '/'")
		return
	}

	keys := []string{"p/q/r", "p/q", "p", "p/q/", "p//q"}
	for _, k := range keys {
		put(t, b, k, []byte("blob "+k), meta())
	}
	for _, k := range keys {
		if got, _ := get(t, b, k, nil); string(got) != "blob "+k {
			t.Errorf("Get(%q): got %q, want %q", k, got, "blob "+k)
		}
	}
	if err := b.Delete(ctx, "p/q"); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(keysOf(listAll(t, b, "p")), " "), "p p//q p/q/ p/q/r"; got != want {
		t.Errorf("List(p) after Delete(p/q): got %q, want %q", got, want)
	}
}

// testInvalidKeys: every operation refuses an invalid key with
// errs.InvalidKey and stores nothing.
func testInvalidKeys(t *testing.T, _ Harness, b *storage.Bucket) {
	bad := []string{
		"", "/abs", "..", ".", "a/../b", "a/./b", "a/..", "./a",
		"nul\x00byte", "new\nline", "del\x7f", "c1\u0085control",
		"bad\xffutf8", strings.Repeat("k", storage.MaxKeyLen+1),
	}
	for _, k := range bad {
		wantCallsFail(t, t.Context(), b, k, errs.InvalidKey, false)
	}
	if keys := keysOf(listAll(t, b, "")); len(keys) > 0 {
		t.Errorf("List after invalid Puts: got %q, want nothing stored", keys)
	}
}

// testCanceledContext: a context that is done before the call fails it with
// errs.Canceled, without touching the blob.
func testCanceledContext(t *testing.T, _ Harness, b *storage.Bucket) {
	put(t, b, "k", []byte("kept"), meta())
	wantCallsFail(t, canceled(t), b, "k", errs.Canceled, true)
	if got, _ := get(t, b, "k", nil); string(got) != "kept" {
		t.Errorf("Get after cancelled calls: got %q, want %q", got, "kept")
	}
}

// testClosed: after Close every call fails with errs.Closed, and Close again
// is not an error.
func testClosed(t *testing.T, h Harness, _ *storage.Bucket) {
	// A bucket of its own, so that the residue check still sees the shared
	// one open.
	b := h.New(t)
	put(t, b, "k", []byte("x"), meta())
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	wantCallsFail(t, t.Context(), b, "k", errs.Closed, true)
}

// wantCallsFail fails t unless Put, Get, Stat and Delete of key, and
// ListPage when list is set, each fail with code.
func wantCallsFail(t *testing.T, ctx context.Context, b *storage.Bucket, key string, code errs.Code, list bool) {
	t.Helper()
	_, err := b.Put(ctx, key, strings.NewReader("lost"), meta())
	wantCode(t, fmt.Sprintf("Put(%q)", key), err, code)
	rc, _, err := b.Get(ctx, key, nil)
	if rc != nil {
		rc.Close()
	}
	wantCode(t, fmt.Sprintf("Get(%q)", key), err, code)
	_, err = b.Stat(ctx, key)
	wantCode(t, fmt.Sprintf("Stat(%q)", key), err, code)
	wantCode(t, fmt.Sprintf("Delete(%q)", key), b.Delete(ctx, key), code)
	if list {
		_, err = b.ListPage(ctx, "", "", 10)
		wantCode(t, "ListPage", err, code)
	}
}

// testMetadataAtTheLimit: metadata of MaxMetadataLen bytes, with a long
// unicode file name and every character an encoder might trip on, is stored
// faithfully; one byte more is refused before anything is stored.
func testMetadataAtTheLimit(t *testing.T, _ Harness, b *storage.Bucket) {
	md := storage.Metadata{
		ContentType: "text/plain; charset=utf-8",
		FileName:    strings.Repeat("写真", 40) + " \"quoted\" 100% a+b=c; ümlaut.txt",
		Owner:       "agent:bob@example.com",
		Channel:     "CH/with/slashes",
		Extra:       map[string]string{"a": "x=y&z", "b-2": " spaced  out ", "empty": ""},
	}
	n := len(md.ContentType) + len(md.FileName) + len(md.Owner) + len(md.Channel) + len("a") + len("x=y&z") + len("b-2") + len(" spaced  out ") + len("empty")
	md.Extra["fill"] = strings.Repeat("f", storage.MaxMetadataLen-n-len("fill"))
	put(t, b, "limit", []byte("x"), md)
	info, err := b.Stat(t.Context(), "limit")
	if err != nil || !sameMetadata(info.Metadata, md) {
		t.Errorf("Stat: got %+v, %v; want %+v", info.Metadata, err, md)
	}

	md.Extra["fill"] += "f"
	_, err = b.Put(t.Context(), "over", strings.NewReader("x"), md)
	wantCode(t, "Put with metadata over the limit", err, errs.InvalidArgument)
	_, err = b.Put(t.Context(), "over", strings.NewReader("x"), storage.Metadata{Extra: map[string]string{"Upper": "x"}})
	wantCode(t, "Put with an upper-case extra key", err, errs.InvalidArgument)
	_, err = b.Stat(t.Context(), "over")
	wantCode(t, "Stat after refused Puts", err, errs.NotFound)
}
