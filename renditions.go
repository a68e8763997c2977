package attachments

import (
	"context"
	"errors"
	"io"
	"regexp"
	"slices"

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
	key := renditionKey(sid, r.Name)
	info, err := c.store.Put(ctx, key, body, storage.Metadata{ContentType: r.ContentType, FileName: r.Name + extensionOf(r.ContentType)})
	if err != nil {
		return err
	}
	r.Size = info.Size
	// The record may move on between the read and the write (staged to
	// sent, say): then try once more on the state it has now. A delete in
	// between makes both fail, and the rendition goes too.
	err = c.recordRendition(ctx, sid, r)
	if errs.CodeOf(err) == errs.Conflict {
		err = c.recordRendition(ctx, sid, r)
	}
	if err != nil {
		c.dropRendition(ctx, key)
	}
	return err
}

// recordRendition lists rendition r on the record of sid, replacing one of
// the same name, conditional on the state the record was read in.
func (c *Client) recordRendition(ctx context.Context, sid string, r ledger.Rendition) error {
	rec, err := c.ledger.Get(ctx, sid)
	if err != nil {
		return err
	}
	if rec.State == ledger.Deleted {
		return &errs.Error{Code: errs.NotFound, Op: "put rendition", Message: "the file is no longer available"}
	}
	list := slices.DeleteFunc(slices.Clone(rec.Renditions), func(o ledger.Rendition) bool { return o.Name == r.Name })
	_, err = c.ledger.Apply(ctx, ledger.Change{SID: sid, From: []ledger.State{rec.State}, Renditions: append(list, r), Now: c.now()})
	return err
}

func (c *Client) dropRendition(ctx context.Context, key string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := c.store.Delete(cctx, key); err != nil && !errors.Is(err, errs.NotFound) {
		c.log.ErrorContext(ctx, "attachments: could not delete an unrecorded rendition; Check will find it", "key", key, "err", err)
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
