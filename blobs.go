package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// Where media live in storage. Keys are the library's own: a media SID, or
// a hash of an identity, never a client's file name or identity as given.
const (
	mediaPrefix = "media/"
	// ownersPrefix indexes each member's media, so erasing a member lists
	// that member's keys only: owners/<identity hash>/<media SID>, empty.
	ownersPrefix = "owners/"
)

func mediaKey(sid string) string { return mediaPrefix + sid }

func ownerPrefix(identity string) string {
	sum := sha256.Sum256([]byte(identity))
	return ownersPrefix + hex.EncodeToString(sum[:16]) + "/"
}

func (c *Client) putOwnerMarker(ctx context.Context, identity, sid string) error {
	_, err := c.store.Put(ctx, ownerPrefix(identity)+sid, strings.NewReader(""), storage.Metadata{Owner: identity})
	return err
}

func (c *Client) deleteOwnerMarker(ctx context.Context, identity, sid string) {
	if err := c.store.Delete(ctx, ownerPrefix(identity)+sid); err != nil {
		c.log.Error("attachments: could not delete an owner index entry", "media", sid, "err", err)
	}
}

// deleteMedia deletes a media blob and its owner index entry. A blob that is
// already gone is not an error.
func (c *Client) deleteMedia(ctx context.Context, sid, owner string) error {
	if !IsMediaSID(sid) {
		return &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
	}
	if owner == "" {
		info, err := c.store.Stat(ctx, mediaKey(sid))
		if errors.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		owner = info.Metadata.Owner
	}
	if err := c.store.Delete(ctx, mediaKey(sid)); err != nil {
		return err
	}
	return c.store.Delete(ctx, ownerPrefix(owner)+sid)
}

// EraseMember deletes every media blob identity uploaded, in any channel,
// sent or still in a draft, and reports how many it deleted. It is how a
// host honours a request to erase a member's data (GDPR Article 17). The
// messages stay with the host; their media links stop working.
func (c *Client) EraseMember(ctx context.Context, identity string) (int, error) {
	if identity == "" {
		return 0, &errs.Error{Code: errs.InvalidArgument, Op: "erase", Message: "no identity to erase"}
	}
	// Draft markers hold no personal data, and a sweep clears any that
	// outlive their file; these are known, so they go now.
	for _, f := range c.drafts.dropOwner(identity) {
		if err := c.store.Delete(ctx, draftMarker(f)); err != nil {
			return 0, err
		}
	}
	n := 0
	prefix := ownerPrefix(identity)
	for info, err := range c.store.List(ctx, prefix) {
		if err != nil {
			return n, err
		}
		sid := strings.TrimPrefix(info.Key, prefix)
		if err := c.deleteMedia(ctx, sid, identity); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
