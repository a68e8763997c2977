package attachments

import (
	"context"
	"errors"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
)

// DownloadMedia returns a temporary link to a message's media: it works for
// Config.LinkLifetime (default 5 minutes) and never again.
//
// Guard: the requester's role in the channel must grant downloadMedia
// (customers, agents and supervisors by default: a supervisor downloads what
// it monitors), its side must have attachments enabled, and the media must
// belong to a message of that channel — or, for a file still in a draft, to
// the requester.
const DownloadMedia Action[DownloadMediaPayload, DownloadMediaResult] = "DownloadMedia"

// DownloadMediaPayload is DownloadMedia's payload. Name the media by its
// message, by its SID, or both (for a message with several files).
type DownloadMediaPayload struct {
	Channel    string
	Requester  Member
	MessageSID string
	MediaSID   string
	// Disposition asks for the file to be shown (links.Inline) or saved
	// (links.Attachment, the default). Inline is granted only to types that
	// cannot run script.
	Disposition links.Disposition
}

// DownloadMediaResult is DownloadMedia's result.
type DownloadMediaResult struct {
	Media Media
	Link  links.Link
}

func (c *Client) guardDownloadMedia(ctx context.Context, p DownloadMediaPayload) error {
	if p.Channel == "" || (p.MessageSID == "" && p.MediaSID == "") {
		return &errs.Error{Code: errs.InvalidPayload, Message: "say which file to download"}
	}
	if _, err := c.require(ctx, p.Channel, p.Requester, PermDownloadMedia); err != nil {
		return err
	}
	if !c.cfg.Policy(p.Requester.Side).Enabled {
		return &errs.Error{Code: errs.AttachmentsDisabled}
	}
	_, err := c.resolveMedia(ctx, p)
	return err
}

// resolveMedia finds the media p names and checks it belongs to p.Channel.
func (c *Client) resolveMedia(ctx context.Context, p DownloadMediaPayload) (Media, error) {
	notFound := &errs.Error{Code: errs.NotFound, Message: "the file is no longer available"}
	if p.MessageSID != "" {
		m, err := c.fetchInChannel(ctx, p.Channel, p.MessageSID)
		if err != nil {
			return Media{}, err
		}
		media, err := m.Media()
		if err != nil {
			return Media{}, err
		}
		for _, md := range media {
			if p.MediaSID == "" || md.SID == p.MediaSID {
				return md, nil
			}
		}
		return Media{}, notFound
	}
	if !IsMediaSID(p.MediaSID) {
		return Media{}, &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
	}
	info, err := c.store.Stat(ctx, mediaKey(p.MediaSID))
	if errors.Is(err, errs.NotFound) {
		return Media{}, notFound
	}
	if err != nil {
		return Media{}, err
	}
	md := info.Metadata
	if md.Channel != p.Channel {
		return Media{}, notFound
	}
	if md.Owner != p.Requester.Identity && c.drafts.holds(p.MediaSID) {
		return Media{}, notFound // someone else's unsent file
	}
	return Media{SID: p.MediaSID, FileName: md.FileName, ContentType: md.ContentType, Size: info.Size}, nil
}

func (c *Client) downloadMedia(ctx context.Context, p DownloadMediaPayload) (DownloadMediaResult, error) {
	md, err := c.resolveMedia(ctx, p)
	if err != nil {
		return DownloadMediaResult{}, err
	}
	opts := &links.IssueOptions{Disposition: p.Disposition, Lifetime: c.cfg.LinkLifetime}
	if c.bindLinks {
		opts.Member = p.Requester.Identity
	}
	link, err := c.links.Issue(ctx, mediaKey(md.SID), opts)
	if err != nil {
		return DownloadMediaResult{}, err
	}
	return DownloadMediaResult{Media: md, Link: link}, nil
}
