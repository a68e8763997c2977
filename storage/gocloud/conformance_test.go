package gocloud_test

import (
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
	"github.com/attachkit/attachments/storage/storagetest"
)

// TestConformanceS3 runs the conformance suite against versitygw, a real S3
// server, with its pending multipart uploads as the residue.
//
// versitygw's posix backend keeps each object as a file at its key's path,
// so it cannot hold a key that is also a prefix of another at a '/' ("p"
// and "p/q"), an empty segment ("a//b"), a trailing slash, or a segment
// longer than a file name may be; it answers 409 or 400. Real S3 holds them
// all. PathKeys has the suite use keys versitygw can hold; the driver hands
// keys to gocloud unchanged whatever the backend, and TestConformanceMemblob
// runs the suite's other keys through it.
func TestConformanceS3(t *testing.T) {
	srv := s3test.Start(t)
	buckets := map[*storage.Bucket]s3Bucket{}
	storagetest.RunConformanceTests(t, storagetest.Harness{
		New: func(t testing.TB) *storage.Bucket {
			b := newS3Bucket(t, srv, nil)
			buckets[b.Bucket] = b
			return b.Bucket
		},
		Residue: func(t testing.TB, b *storage.Bucket) []string {
			return buckets[b].pending(t)
		},
		PathKeys: true,
	})
}

// TestConformanceMemblob runs the conformance suite against gocloud's
// in-memory bucket, whose writer, unlike S3's, commits on Close unless its
// context is done.
func TestConformanceMemblob(t *testing.T) {
	storagetest.RunConformanceTests(t, storagetest.Harness{
		New: func(testing.TB) *storage.Bucket {
			return gocloud.New(memblob.OpenBucket(nil), nil)
		},
		SkipLarge: "memblob keeps a blob in a bytes.Buffer that doubles as it grows: a test double, not a store for 256 MiB",
	})
}
