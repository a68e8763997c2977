// Package s3 stores attachments in Amazon S3 and S3-compatible servers
// (MinIO, versitygw, Ceph, R2, …): package gocloud's driver with what S3
// needs beyond gocloud.dev's portable API (see gocloud.Backend). It is the
// only package of the module that links the AWS SDK, so a host on GCS or
// Azure links none of it.
//
//	// Credentials from the environment, the shared config files or the
//	// instance role, as the AWS SDK finds them.
//	b, err := s3.Open(ctx, "s3://media?region=eu-west-1", nil)
//
//	// An S3-compatible server.
//	b, err := s3.Open(ctx, "s3://media?endpoint=https://s3.internal:9000&use_path_style=true&region=us-east-1", nil)
//
// A host that builds its own client (custom HTTP transport, credentials
// from a vault) opens the gocloud bucket itself and hands it to New:
//
//	client := awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = true })
//	bkt, err := s3blob.OpenBucket(ctx, client, "media", nil)
//	b := s3.New(bkt, &gocloud.Options{PartSize: 8 << 20})
//
// Package gocloud's doc says what the driver does on S3: multipart uploads
// that never leave a part behind, one GET for the bytes and their info,
// pre-signed URLs that set the response's headers.
package s3

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3://

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
)

// cleanupTimeout bounds the abort of a failed upload, which runs even when
// the Put's context is done.
const cleanupTimeout = 30 * time.Second

// Open opens the S3 bucket that urlstr names, such as
// "s3://media?region=eu-west-1", as gocloud.Open does: it checks that the
// bucket exists and accepts the credentials, or returns an
// errs.InvalidConfig error.
func Open(ctx context.Context, urlstr string, opts *gocloud.Options) (*storage.Bucket, error) {
	return gocloud.Open(ctx, urlstr, withBackend(opts))
}

// New returns a *storage.Bucket that stores blobs in bucket, an S3 bucket
// (s3blob.OpenBucket), as gocloud.New does. It takes ownership of bucket.
func New(bucket *blob.Bucket, opts *gocloud.Options) *storage.Bucket {
	return gocloud.New(bucket, withBackend(opts))
}

// withBackend returns opts with S3's Backend.
func withBackend(opts *gocloud.Options) *gocloud.Options {
	var o gocloud.Options
	if opts != nil {
		o = *opts
	}
	o.Backend = func(bucket *blob.Bucket) gocloud.Backend {
		var client *s3.Client
		if !bucket.As(&client) {
			return nil
		}
		return backend{client}
	}
	return &o
}

// backend is S3's gocloud.Backend.
type backend struct{ s3 *s3.Client }

// TuneUpload is a blob.WriterOptions.BeforeWrite hook. It replaces
// the settings of the transfer manager that gocloud made for the upload
// (gocloud hands it out for this) with the driver's:
//
//   - multipart from the first part on: the manager reads its whole
//     multipart threshold (16 MiB by default) into memory before it starts,
//     more than the parts themselves;
//   - the failed upload's abort runs with a context of its own: with the
//     default, a cancelled Put's abort is cancelled too, and its parts stay
//     behind, billed and invisible;
//   - the part size, concurrency and checksum setting gocloud would have
//     set (the checksums as the client is configured, as gocloud's URL
//     opener does).
func (d backend) TuneUpload(as func(any) bool, partSize, concurrency int) error {
	var tm *transfermanager.Client
	if !as(&tm) {
		return nil
	}
	*tm = *transfermanager.New(d.s3, func(o *transfermanager.Options) {
		o.PartSizeBytes = int64(partSize)
		o.MultipartUploadThreshold = int64(partSize)
		o.Concurrency = concurrency
		o.FailTimeout = cleanupTimeout
		o.RequestChecksumCalculation = d.s3.Options().RequestChecksumCalculation
	})
	return nil
}

// ReaderInfo returns the info of the blob that r, an S3 GET, reads: the
// GET's response carries it all, so it matches the bytes even when the blob
// is being replaced.
func (backend) ReaderInfo(r *blob.Reader) (etag, contentType string, metadata map[string]string, ok bool) {
	var out s3.GetObjectOutput
	if !r.As(&out) {
		return "", "", nil, false
	}
	md := make(map[string]string, len(out.Metadata))
	for k, v := range out.Metadata {
		// gocloud URL-escapes values for S3 (see s3blob's package doc); our
		// keys are lower-case letters, digits and '-', which it leaves as
		// they are.
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		md[strings.ToLower(k)] = v
	}
	return aws.ToString(out.ETag), aws.ToString(out.ContentType), md, true
}

// ListETag returns a listed blob's ETag, the same that Stat returns.
func (backend) ListETag(o *blob.ListObject) string {
	var obj types.Object
	if o.As(&obj) {
		return aws.ToString(obj.ETag)
	}
	return ""
}

// BeforeSign returns a blob.SignedURLOptions.BeforeSign hook that makes an
// S3 pre-signed GET answer with the given Content-Type and
// Content-Disposition.
func (backend) BeforeSign(contentType, disposition string) func(func(any) bool) error {
	return func(as func(any) bool) error {
		if contentType == "" && disposition == "" {
			return nil
		}
		var in *s3.GetObjectInput
		if !as(&in) {
			return &errs.Error{Code: errs.Unsupported, Message: "this storage cannot set the headers of a signed URL"}
		}
		if contentType != "" {
			in.ResponseContentType = aws.String(contentType)
		}
		if disposition != "" {
			in.ResponseContentDisposition = aws.String(disposition)
		}
		return nil
	}
}
