package gocloud

import (
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// This file holds what S3 needs beyond gocloud's portable API, reached
// through gocloud's As hooks. Other backends pass through it untouched.

// tuneS3Upload is a blob.WriterOptions.BeforeWrite hook. On S3 it replaces
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
func (d *driver) tuneS3Upload(as func(any) bool) error {
	var tm *transfermanager.Client
	if d.s3 == nil || !as(&tm) {
		return nil
	}
	*tm = *transfermanager.New(d.s3, func(o *transfermanager.Options) {
		o.PartSizeBytes = int64(d.partSize)
		o.MultipartUploadThreshold = int64(d.partSize)
		o.Concurrency = d.concurrency
		o.FailTimeout = cleanupTimeout
		o.RequestChecksumCalculation = d.s3.Options().RequestChecksumCalculation
	})
	return nil
}

// s3Info returns the info of the blob that r, an S3 GET, reads: the GET's
// response carries it all, so it matches the bytes even when the blob is
// being replaced. It reports false for other backends.
func s3Info(key string, r *blob.Reader) (storage.Info, bool) {
	var out s3.GetObjectOutput
	if !r.As(&out) {
		return storage.Info{}, false
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
	return storage.Info{
		Key:      key,
		Size:     r.Size(),
		ETag:     aws.ToString(out.ETag),
		ModTime:  r.ModTime(),
		Metadata: decodeMetadata(aws.ToString(out.ContentType), md),
	}, true
}

// listETag returns a listed blob's ETag, the same that Stat returns.
func listETag(o *blob.ListObject) string {
	var obj types.Object
	if o.As(&obj) {
		return etag(aws.ToString(obj.ETag), o.MD5)
	}
	return etag("", o.MD5)
}

// responseHeaders returns a blob.SignedURLOptions.BeforeSign hook that makes
// an S3 pre-signed GET answer with the given Content-Type and
// Content-Disposition. On another backend it refuses to sign a URL that
// would have to set them, rather than sign one that silently does not: the
// caller then serves the download itself.
func responseHeaders(contentType, disposition string) func(func(any) bool) error {
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
