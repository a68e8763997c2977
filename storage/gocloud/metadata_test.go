package gocloud_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// TestMetadataRoundTrip: whatever a blob's metadata holds (non-ASCII and
// look-alike-encoded file names, characters S3 headers cannot carry, an
// empty or unusual content type) comes back from Stat and Get as it went in.
func TestMetadataRoundTrip(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	ctx := context.Background()
	tests := []struct {
		name string
		meta storage.Metadata
	}{
		{"empty", storage.Metadata{}},
		{"everything", storage.Metadata{ContentType: "image/png", FileName: "cat.png", Owner: "customer-7", Channel: "CH42",
			Extra: map[string]string{"task-sid": "WT123", "empty": ""}}},
		{"non-ASCII file name", storage.Metadata{ContentType: "application/pdf", FileName: "Lebenslauf Müller – 履歴書 😀.pdf"}},
		{"header-hostile file name", storage.Metadata{FileName: ` 100% "quoted"; name=x, a\b:c.txt `}},
		{"encoded-word look-alike", storage.Metadata{FileName: "=?utf-8?q?evil?=.txt", Owner: "%41%42"}},
		{"long file name", storage.Metadata{FileName: strings.Repeat("é", 200) + ".txt"}},
		// URL-escaped, as gocloud stores values on S3, this would be 3 KiB:
		// more than S3's 2 KiB.
		{"limit of non-ASCII", storage.Metadata{FileName: strings.Repeat("😀", storage.MaxMetadataLen/4)}},
		{"base64 look-alike", storage.Metadata{FileName: "~b64~aGk", Owner: "~b64~"}},
		{"content type kept as given", storage.Metadata{ContentType: "text/plain;charset=UTF-8"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "media/" + string(rune('a'+i))
			put, err := b.Put(ctx, key, strings.NewReader("content"), tt.meta)
			if err != nil {
				t.Fatal(err)
			}
			stat, err := b.Stat(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			rc, got, err := b.Get(ctx, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			rc.Close()
			for what, m := range map[string]storage.Metadata{"Put": put.Metadata, "Stat": stat.Metadata, "Get": got.Metadata} {
				if !reflect.DeepEqual(m, tt.meta) {
					t.Errorf("%s metadata = %+v, want %+v", what, m, tt.meta)
				}
			}
		})
	}
}

// TestMetadataRefused: metadata that cannot be stored faithfully is an
// errs.InvalidArgument error, and nothing is stored.
func TestMetadataRefused(t *testing.T) {
	b := newS3Bucket(t, nil, nil)
	tests := []struct {
		name string
		meta storage.Metadata
	}{
		{"malformed content type", storage.Metadata{ContentType: "not a type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Put(context.Background(), "k", strings.NewReader("content"), tt.meta)
			if got := errs.CodeOf(err); got != errs.InvalidArgument {
				t.Errorf("Put error = %v (code %q), want %q", err, got, errs.InvalidArgument)
			}
			if r := b.residue(t); !slices.Equal(r, nil) {
				t.Errorf("bucket holds %q, want nothing", r)
			}
		})
	}
}
