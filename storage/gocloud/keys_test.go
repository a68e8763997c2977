package gocloud_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/storage"
)

// TestS3OddKeys: keys with characters that are special to URLs, S3's
// signing, shells or gocloud's own escaping round-trip exactly on a real S3
// server, list in byte order by any prefix, and delete exactly. (The
// conformance suite's odd keys that versitygw cannot hold are left out; see
// TestConformanceS3.)
func TestS3OddKeys(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	ctx := context.Background()
	keys := []string{
		"unicode/日本語/ファイル.png", "unicode/emoji-😀",
		"unicode/caf\u00e9", "unicode/cafe\u0301", // NFC and NFD: two keys
		"spaces/a b", "spaces/ leading", "spaces/trailing ",
		"case/Key", "case/key", "case/KEY",
		"chars/%2F", "chars/%", "chars/+plus", "chars/?q=1&r", "chars/#frag", `chars/back\slash`,
		"chars/colon:star*", `chars/quote"<>|`, "chars/...", "chars/.hidden", "chars/~tilde", "chars/a.b.",
		"chars/__0x2f__", "chars/__0x", // gocloud's escape sequences, literally
		"long/" + strings.Repeat("segment-", 30),
	}
	for _, k := range keys {
		if _, err := b.Put(ctx, k, strings.NewReader("blob:"+k), storage.Metadata{}); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	for _, k := range keys {
		rc, info, err := b.Get(ctx, k, nil)
		if err != nil {
			t.Fatalf("Get(%q): %v", k, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "blob:"+k || info.Key != k {
			t.Errorf("Get(%q) = key %q content %q, want the key's own", k, info.Key, got)
		}
	}
	slices.Sort(keys)
	for _, prefix := range []string{"", "unicode/caf", "spaces/", "case/K", "chars/.", "chars/%", "chars/__0x"} {
		var want []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := list(t, b.Bucket, prefix); !slices.Equal(got, want) {
			t.Errorf("List(%q) =\n%q\nwant\n%q", prefix, got, want)
		}
	}
	if err := b.Delete(ctx, "case/Key"); err != nil {
		t.Fatal(err)
	}
	if got, want := list(t, b.Bucket, "case/"), []string{"case/KEY", "case/key"}; !slices.Equal(got, want) {
		t.Errorf("List(case/) after Delete(case/Key) = %q, want %q", got, want)
	}
}

// list returns the keys under prefix.
func list(t *testing.T, b *storage.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for info, err := range b.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		keys = append(keys, info.Key)
	}
	return keys
}
