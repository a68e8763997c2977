package attachments

import (
	"context"
	"slices"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
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
	// Rendition, when set, asks for a rendition of the file (such as
	// "thumbnail" or "preview", see Client.PutRendition) instead of the
	// file itself, under the same checks. A rendition not made (yet) is
	// not_found. Fetching a rendition is showing the file, not handing it
	// out: it is not journalled.
	Rendition string
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
	r, err := c.require(ctx, p.Channel, p.Requester, PermDownloadMedia)
	if err != nil {
		return err
	}
	if !c.cfg.policy(r.side()).Enabled {
		return &errs.Error{Code: errs.AttachmentsDisabled}
	}
	_, err = c.resolveMedia(ctx, p)
	return err
}

// resolveMedia finds the record of the media p names, if the requester may
// have it: a file sent in p.Channel (in the message p names, when it names
// one), or the requester's own unsent file in that channel. Everything else
// is not found, in the same words, whatever the reason.
func (c *Client) resolveMedia(ctx context.Context, p DownloadMediaPayload) (ledger.Record, error) {
	const op = "resolve media"
	if p.MediaSID != "" && !isMediaSID(p.MediaSID) {
		return ledger.Record{}, &errs.Error{Code: errs.InvalidPayload, Message: "invalid media reference"}
	}
	if p.MessageSID != "" {
		m, err := c.fetchInChannel(ctx, p.Channel, p.MessageSID)
		if err != nil {
			return ledger.Record{}, err
		}
		recs, err := c.messageFiles(ctx, m)
		if err != nil {
			return ledger.Record{}, err
		}
		for _, r := range recs {
			if r.State == ledger.Sent && (p.MediaSID == "" || r.SID == p.MediaSID) {
				return r, nil
			}
		}
		return ledger.Record{}, unavailable(op, nil)
	}
	r, err := c.ledger.Get(ctx, p.MediaSID)
	if err != nil {
		return ledger.Record{}, ledgerError(op, err)
	}
	switch {
	case r.Channel != p.Channel:
	case r.State == ledger.Sent:
		return r, nil
	case (r.State == ledger.Staged || r.State == ledger.Drafted) && r.Owner == p.Requester.Identity:
		return r, nil
	}
	return ledger.Record{}, unavailable(op, nil)
}

func (c *Client) downloadMedia(ctx context.Context, p DownloadMediaPayload) (DownloadMediaResult, error) {
	if err := checkSeal(ctx, string(DownloadMedia), p.seal()); err != nil {
		return DownloadMediaResult{}, err
	}
	r, err := c.resolveMedia(ctx, p)
	if err != nil {
		return DownloadMediaResult{}, err
	}
	key := mediaKey(r.SID)
	switch {
	case p.Rendition != "":
		if !slices.ContainsFunc(r.Renditions, func(rd ledger.Rendition) bool { return rd.Name == p.Rendition && rd.Pending.IsZero() }) {
			return DownloadMediaResult{}, unavailable("rendition", nil)
		}
		key = renditionKey(r.SID, p.Rendition)
	case r.Store == urlStore:
		// The host serves it: the link is the URL it trusted.
		return DownloadMediaResult{Media: ledgerMedia(r), Link: links.Link{URL: r.Location}}, nil
	}
	// The link server binds the link to the requester when it can tell who
	// asks (links.Options.MemberOf).
	opts := &links.IssueOptions{Disposition: p.Disposition, Lifetime: c.cfg.LinkLifetime, Member: p.Requester.Identity}
	link, err := c.links.Issue(ctx, key, opts)
	if err != nil {
		return DownloadMediaResult{}, err
	}
	return DownloadMediaResult{Media: ledgerMedia(r), Link: link}, nil
}
