// Package gocloud stores attachments in cloud object storage (Amazon S3 and
// S3-compatible servers, Google Cloud Storage, Azure Blob Storage) through
// gocloud.dev/blob, as a *storage.Bucket.
//
// Object storage is what lets a host run on more than one machine: every
// instance opens the same bucket, and download links are either HMAC-signed
// (any instance holding the link key verifies them) or the bucket's own
// pre-signed URLs, so nothing else needs to be shared between instances.
//
// It lives in a module of its own, so that a host that keeps its media in
// memory or on disk pulls in no cloud SDK.
//
// # Opening a bucket
//
// A host on S3 opens its bucket with package storage/gocloud/s3, the only
// package of this module that links the AWS SDK (s3.Open, s3.New). A host on
// GCS or Azure imports the gocloud.dev driver of its backend for its side
// effect and opens the bucket by URL with Open, which also checks that the
// bucket exists and accepts the credentials:
//
//	import (
//		_ "gocloud.dev/blob/gcsblob"   // gs://
//		_ "gocloud.dev/blob/azureblob" // azblob://
//	)
//
//	// Google Cloud Storage: Application Default Credentials.
//	b, err := gocloud.Open(ctx, "gs://media", nil)
//
//	// Azure Blob Storage: AZURE_STORAGE_ACCOUNT plus a key, SAS token or
//	// managed identity from the environment.
//	b, err := gocloud.Open(ctx, "azblob://media", nil)
//
// A host that builds its own client (custom HTTP transport, credentials
// from a vault) opens the gocloud bucket itself and hands it to New
// (s3.New for S3).
//
// gocloud.dev's URL parameters (prefix=, and each driver's own) work as
// documented there; with prefix=attachments/ several applications can share
// one bucket.
//
// # Uploads and memory
//
// Put streams: it never holds a whole file. It goes through gocloud's
// blob.Writer, which on S3 uploads a blob of Options.PartSize or more as a
// multipart upload in parts of PartSize, Options.Concurrency at a time. A
// Put whose reader fails or whose context is cancelled aborts the upload:
// no object appears, any previous blob under the key is left as it was, and
// no multipart upload is left pending (the abort runs with a context of its
// own, so a cancelled Put's abort is not cancelled too). On S3 a failed Put
// first waits for the server's answer to each part it has in flight, at most
// a part's upload time, so that no part lands after the abort and brings the
// upload back; a cancelled Put returns when they are answered. Configure the
// bucket's lifecycle to abort incomplete multipart uploads after a day
// anyway, as a backstop for a process that dies mid-upload.
//
// The memory one Put holds does not grow with the file's size; it depends
// on the backend:
//
//   - S3: about (Concurrency+2) × PartSize. The AWS SDK's transfer manager
//     reads the first part whole to choose between one PUT and a multipart
//     upload, then keeps a pool of Concurrency+1 part buffers. The driver
//     sets the manager's multipart threshold to PartSize, so that the first
//     read is one part rather than the SDK's 16 MiB. With the defaults
//     (5 MiB, 2) that is 20 MiB of buffers, and the heap peaks 25 to 37
//     MiB over its base, with garbage not yet collected (the conformance
//     suite's 256 MiB blob; BenchmarkS3Put1GiB's peak-heap-MiB, which
//     measured about 21 MiB with concurrency 1, 30 to 37 with 2, 45 with 4,
//     and 69 with 16 MiB parts and concurrency 2).
//   - Google Cloud Storage: one chunk buffer of PartSize; Concurrency is
//     ignored.
//   - Azure: about Concurrency × PartSize.
//
// Multiply by the number of uploads a host lets run at once. Larger parts
// and more concurrency upload faster over long-distance links and cost
// memory; the S3 minimum part size (5 MiB) is the floor.
//
// # Metadata
//
// A blob's content type becomes the object's Content-Type, so that the
// backend serves it with signed URLs too. The whole Metadata is also kept
// as user metadata (x-amz-meta-* on S3): content-type as given, filename,
// owner, channel, and each Extra entry under "x-" plus its key
// (storage.Bucket requires Extra keys to be lower case, as object stores
// lower-case metadata keys). Values may be any text: gocloud URL-escapes
// them for S3, whose headers carry only ASCII, and a value that escaping
// would make longer than base64 is stored in base64 after a "~b64~" mark,
// so that storage.MaxMetadataLen bytes of any text fit S3's 2 KiB.
//
// # Signed URLs
//
// The driver implements storage.SignedURLer with the bucket's own signing:
// an S3 pre-signed GET, a GCS or Azure signed URL, valid for
// SignedURLOptions.Expiry. On S3 the URL also sets the response's
// Content-Type and Content-Disposition (response-content-type and
// response-content-disposition, covered by the signature). Other backends
// cannot set them through gocloud, so asking for them there is an
// errs.Unsupported error and the library serves the download through its
// own handler instead, never with headers it did not choose.
//
// # Errors
//
// The driver maps the backend's errors onto errs codes, and storage.Bucket
// adds the operation and key:
//
//   - errs.NotFound: no blob under the key.
//   - errs.InvalidRange: an offset past the end of the blob.
//   - errs.InvalidConfig: the credentials are refused or lack permission, or
//     the bucket does not exist. This is the deployment's fault, not the
//     member's, and Open reports it at once.
//   - errs.InvalidArgument: a malformed content type, metadata the backend
//     finds too large, or a bad page token.
//   - errs.InvalidKey: a key the backend finds too long once escaped.
//   - errs.Unsupported: signed URLs the backend cannot make.
//   - errs.Canceled: the context ended.
//   - errs.Unavailable: anything else (network, server errors), wrapping
//     the backend's error.
//
// # Security
//
// Keys are the library's own and are escaped by gocloud where a backend
// cannot hold a character, so no key can reach outside the bucket. Error
// messages never include the bucket URL's query or credentials. A signed
// URL grants whoever holds it the blob until it expires; keep expiries
// short (the library's default is 5 minutes).
//
// # Reading
//
// On S3 a Get is one GET whose response carries the blob's info, so the
// bytes and the info always belong together, even while the blob is being
// replaced. On other backends the info comes from a second request, and
// Get opens the blob again if it changed in between.
//
// # Testing
//
// The tests run the storagetest conformance suite, and the S3-only
// behaviour (signed URLs, aborted multipart uploads, refused credentials),
// against versitygw, a real S3 server that they start on 127.0.0.1 (see
// internal/s3test).
package gocloud
