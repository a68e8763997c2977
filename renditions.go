package attachments

import (
	"context"
	"errors"
	"io"
	"regexp"
	"slices"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

// renditionsPrefix holds renditions: renditions/<SID>/<name>. They live in
// the library's storage whatever store holds the original.
const renditionsPrefix = "renditions/"

func renditionKey(sid, name string) string { return renditionsPrefix + sid + "/" + name }

var renditionName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// PutRendition stores a rendition of the media with the given SID (a
// thumbnail, a preview: package preview makes them) beside it, and records
// it in the ledger, replacing a rendition of the same name. The media must
// be live. Its renditions are the library's: they live in its storage
// whatever store holds the original, are downloaded with
// DownloadMediaPayload.Rendition, and are deleted with the original.
//
// The rendition is recorded, pending, before its blob is written, so Check
// never finds a blob no record explains, and recorded again once stored;
// each record is one edit of the list where the ledger keeps it, so
// renditions put at once (on any instance) are all kept. A pending
// rendition is not served; one left pending by a process that died is
// removed by Check after a while.
//
// r.Name is 1 to 32 lower-case letters, digits and dashes; r.ContentType
// must be an image type a browser shows inline (image/jpeg, image/png,
// image/webp, image/gif). Size is set from what body holds.
func (c *Client) PutRendition(ctx context.Context, sid string, r ledger.Rendition, body io.Reader) error {
	const op = "put rendition"
	switch {
	case !isMediaSID(sid):
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "invalid media reference"}
	case !renditionName.MatchString(r.Name):
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "a rendition needs a name of lower-case letters, digits and dashes"}
	case !slices.Contains([]string{"image/jpeg", "image/png", "image/webp", "image/gif"}, r.ContentType):
		return &errs.Error{Code: errs.InvalidArgument, Op: op, Message: "a rendition must be a JPEG, PNG, WebP or GIF image"}
	}
	pending := ledger.Rendition{Name: r.Name, ContentType: r.ContentType, Pending: c.now()}
	if err := c.editRenditions(ctx, sid, ledger.Change{AddRendition: &pending}); err != nil {
		return err
	}
	key := renditionKey(sid, r.Name)
	info, err := c.store.Put(ctx, key, body, storage.Metadata{ContentType: r.ContentType, FileName: r.Name + extensionOf(r.ContentType)})
	if err != nil {
		c.dropRendition(ctx, sid, r.Name, "")
		return err
	}
	r.Size, r.Pending = info.Size, time.Time{}
	if err := c.editRenditions(ctx, sid, ledger.Change{AddRendition: &r}); err != nil {
		// Deleted meanwhile, or the ledger failed: the blob goes (a
		// delete of the file may have missed it), the entry too.
		c.dropRendition(ctx, sid, r.Name, key)
		return err
	}
	return nil
}

// editRenditions applies ch (AddRendition or DropRendition) to the live
// record of sid.
func (c *Client) editRenditions(ctx context.Context, sid string, ch ledger.Change) error {
	ch.SID, ch.From, ch.Now = sid, ledger.Live, c.now()
	_, err := c.ledger.Apply(ctx, ch)
	if errs.CodeOf(err) == errs.Conflict {
		return &errs.Error{Code: errs.NotFound, Op: "put rendition", Message: "the file is no longer available", Err: err}
	}
	return err
}

// dropRendition undoes a rendition that could not be stored or recorded:
// its entry, and its blob when key is set, on a context that outlives the
// request. Whatever is left, Check finds.
func (c *Client) dropRendition(ctx context.Context, sid, name, key string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if key != "" {
		if err := c.store.Delete(cctx, key); err != nil && !errors.Is(err, errs.NotFound) {
			c.log.WarnContext(ctx, "attachments: could not delete an unrecorded rendition; Check will find it", "key", key, "err", err)
		}
	}
	if err := c.editRenditions(cctx, sid, ledger.Change{DropRendition: name}); err != nil && !errors.Is(err, errs.NotFound) {
		c.log.WarnContext(ctx, "attachments: could not drop a pending rendition; Check will", "media", sid, "rendition", name, "err", err)
	}
}

func extensionOf(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	}
	return ".jpg"
}
