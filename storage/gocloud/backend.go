package gocloud

import "gocloud.dev/blob"

// Backend is what one store needs beyond gocloud.dev's portable API,
// reached through gocloud's As hooks. Package storage/gocloud/s3 has S3's;
// GCS and Azure need none, so their hosts link no other store's SDK.
//
// With a Backend, a Put's writer is not cancelled when its reader fails or
// its context ends (for at most 30 seconds more): the Backend's uploader
// aborts the upload itself, once every part request in flight is answered.
type Backend interface {
	// TuneUpload is the blob.WriterOptions.BeforeWrite hook of every Put,
	// given the Put's part size and concurrency.
	TuneUpload(as func(any) bool, partSize, concurrency int) error
	// ReaderInfo returns the ETag, content type and metadata of the blob r
	// reads from the GET's own response, or false when it has none: then
	// Get reads them with a second request.
	ReaderInfo(r *blob.Reader) (etag, contentType string, metadata map[string]string, ok bool)
	// ListETag returns a listed blob's ETag as the store reports it, or "".
	ListETag(o *blob.ListObject) string
	// BeforeSign returns the blob.SignedURLOptions.BeforeSign hook that
	// makes a signed GET answer with these headers (either may be empty),
	// or that fails with an errs.Unsupported error when it cannot.
	BeforeSign(contentType, disposition string) func(as func(any) bool) error
}
