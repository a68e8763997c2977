package attachments

import (
	"context"
	"io"

	"github.com/attachkit/attachments/errs"
)

// ResolveMedia returns the media p names, found and checked exactly as
// DownloadMedia finds it: by its message or its SID, in p.Channel, and a
// file still in a draft only for its owner. It returns an errs.NotFound
// error for media that is not there, an errs.InvalidPayload error for a
// payload that names none.
//
// It checks none of the requester's permissions: DownloadMedia's guard does
// that before any before-listener runs. It is for those listeners (a virus
// re-check, a webhook), which need to know which file is about to be handed
// out, and for host code that has made its own checks.
func (c *Client) ResolveMedia(ctx context.Context, p DownloadMediaPayload) (Media, error) {
	if p.Channel == "" || (p.MessageSID == "" && p.MediaSID == "") {
		return Media{}, &errs.Error{Code: errs.InvalidPayload, Op: "resolve media", Message: "say which file to download"}
	}
	r, err := c.resolveMedia(ctx, p)
	return ledgerMedia(r), err
}

// OpenMedia opens the stored bytes of the media with the given SID, from the
// first byte; the caller closes the reader. It returns an errs.NotFound error
// when the media is gone and an errs.InvalidPayload error for a malformed SID.
//
// It checks no permission and no channel. It is for listeners and host code
// that read a file (to scan it again, say), never a way to serve a member:
// members download through DownloadMedia's links.
func (c *Client) OpenMedia(ctx context.Context, sid string) (io.ReadCloser, error) {
	if !isMediaSID(sid) {
		return nil, &errs.Error{Code: errs.InvalidPayload, Op: "open media", Message: "invalid media reference"}
	}
	rc, _, err := c.media.Get(ctx, mediaKey(sid), nil)
	return rc, err
}
