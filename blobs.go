package attachments

import (
	"context"
	"errors"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// mediaPrefix holds the media bytes: media/<SID>. Keys are the library's
// own, never a client's file name or identity. Who owns a file and where it
// belongs is the ledger's to say, not the key's or the blob's metadata.
const mediaPrefix = "media/"

func mediaKey(sid string) string { return mediaPrefix + sid }

// destroy deletes a file if change ch holds for its record: the record goes
// to Deleted first, so nothing serves or sends the file from then on, then
// its bytes, then the record. A process that dies half way leaves a Deleted
// record, which the sweep finishes.
func (c *Client) destroy(ctx context.Context, ch ledger.Change) (ledger.Record, error) {
	ch.To = ledger.Deleted
	ch.Now = c.now()
	recs, err := c.ledger.Apply(ctx, ch)
	if err != nil {
		return ledger.Record{}, err
	}
	return recs[0], c.purge(ctx, recs[0])
}

// purge deletes the bytes of a Deleted record, wherever they are, then the
// record.
func (c *Client) purge(ctx context.Context, r ledger.Record) error {
	for _, rd := range r.Renditions {
		if err := c.store.Delete(ctx, renditionKey(r.SID, rd.Name)); err != nil && !errors.Is(err, errs.NotFound) {
			return err
		}
	}
	var err error
	switch r.Store {
	case "":
		err = c.store.Delete(ctx, mediaKey(r.SID))
	case urlStore:
		// the host's own URL: nothing of the library's to delete
	default:
		host := c.stores[r.Store]
		if host == nil {
			return &errs.Error{Code: errs.Unavailable, Op: "delete " + r.SID,
				Message: "the file's store is not configured", Details: errs.Details{Reason: r.Store}}
		}
		err = host.Delete(ctx, r.SID)
	}
	if err != nil && !errors.Is(err, errs.NotFound) {
		return err
	}
	return c.ledger.Remove(ctx, r.SID)
}

// media is the reference a message carries for record r: its renditions
// that are stored, not those pending.
func ledgerMedia(r ledger.Record) Media {
	m := Media{SID: r.SID, FileName: r.FileName, ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256}
	for _, rd := range r.Renditions {
		if rd.Pending.IsZero() {
			m.Renditions = append(m.Renditions, rd)
		}
	}
	if r.Store == urlStore {
		m.URL = r.Location
	}
	return m
}

// unavailable is what a member is told about a file it may not have, or
// that is gone: the same words either way, so a refusal reveals nothing.
func unavailable(op string, cause error) error {
	return &errs.Error{Code: errs.NotFound, Op: op, Message: "the file is no longer available", Err: cause}
}

// ledgerError keeps a ledger failure's code (unavailable, canceled) and
// turns a lost race or a missing record into the words a member is shown.
func ledgerError(op string, err error) error {
	switch errs.CodeOf(err) {
	case errs.NotFound, errs.Conflict:
		return unavailable(op, err)
	}
	return err
}

// cleanupContext is the context cleanup runs on: it outlives a caller that
// went away, for long enough to finish.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
