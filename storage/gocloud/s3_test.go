package gocloud_test

import (
	"context"
	"testing"

	"github.com/attachkit/attachments/internal/s3test"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
	s3store "github.com/attachkit/attachments/storage/gocloud/s3"
)

// s3Bucket is a bucket of its own on a versitygw that the test started.
type s3Bucket struct {
	srv  *s3test.Server
	name string
	*storage.Bucket
}

// newS3Bucket starts versitygw (or uses srv when it is not nil) and opens a
// new, empty bucket on it through the driver. It closes the bucket when t
// ends.
func newS3Bucket(t testing.TB, srv *s3test.Server, opts *gocloud.Options) s3Bucket {
	t.Helper()
	if srv == nil {
		srv = s3test.Start(t)
	}
	name := srv.CreateBucket(t)
	b := s3store.New(srv.OpenBucket(t, srv.Client(), name), opts)
	t.Cleanup(func() { _ = b.Close() })
	return s3Bucket{srv: srv, name: name, Bucket: b}
}

// residue lists the bucket's objects and pending multipart uploads, as
// "KEY" and "upload KEY ID".
func (b s3Bucket) residue(t testing.TB) []string {
	t.Helper()
	keys, err := b.srv.Objects(context.Background(), b.name)
	if err != nil {
		t.Fatalf("objects of %s: %v", b.name, err)
	}
	return append(keys, b.pending(t)...)
}

// pending lists the bucket's pending multipart uploads as "upload KEY ID".
func (b s3Bucket) pending(t testing.TB) []string {
	t.Helper()
	uploads, err := b.srv.PendingUploads(context.Background(), b.name)
	if err != nil {
		t.Fatalf("pending uploads of %s: %v", b.name, err)
	}
	return uploads
}
