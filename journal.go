package attachments

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
)

// JournalEntry records one action's outcome. It holds personal data (the
// actor's identity, a file name), so the Client purges entries older than
// Config.LogRetention.
type JournalEntry struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Actor    string    `json:"actor"`             // the identity that invoked the action
	Channel  string    `json:"channel,omitempty"` // where
	FileName string    `json:"fileName,omitempty"`
	MediaSID string    `json:"mediaSid,omitempty"`
	// Code is the outcome: "ok", or the error's code.
	Code string `json:"code"`
}

// Journal keeps JournalEntry records. A Client feeds it from an
// after-listener on every built-in action, and purges it (see
// Client.PurgeJournal).
type Journal interface {
	// Record stores e.
	Record(ctx context.Context, e JournalEntry) error
	// Purge deletes every entry older than before and reports how many.
	Purge(ctx context.Context, before time.Time) (int, error)
}

// MemoryJournal is the default in-memory Journal. It is lost on restart. The
// zero value is empty and ready to use.
type MemoryJournal struct {
	mu      sync.Mutex
	entries []JournalEntry // in the order recorded
}

// Record implements Journal.
func (j *MemoryJournal) Record(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

// Purge implements Journal.
func (j *MemoryJournal) Purge(_ context.Context, before time.Time) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := len(j.entries)
	j.entries = slices.DeleteFunc(j.entries, func(e JournalEntry) bool { return e.Time.Before(before) })
	return n - len(j.entries), nil
}

// Entries returns a copy of the entries, oldest first.
func (j *MemoryJournal) Entries() []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// PurgeJournal deletes the journal's entries older than Config.LogRetention
// and reports how many. The janitor (Options.JanitorInterval) calls it too.
func (c *Client) PurgeJournal(ctx context.Context) (int, error) {
	return c.journal.Purge(ctx, c.now().Add(-c.cfg.LogRetention))
}

// journalAfter returns an after-listener that records each outcome of a.
func journalAfter[P, R any](c *Client, a Action[P, R], describe func(P, R) JournalEntry) AfterListener[P, R] {
	return func(ctx context.Context, p P, r R, err error) {
		e := describe(p, r)
		e.Time = c.now().UTC()
		e.Action = string(a)
		e.Code = "ok"
		if err != nil {
			e.Code = string(errs.CodeOf(err))
		}
		if jerr := c.journal.Record(context.WithoutCancel(ctx), e); jerr != nil {
			c.log.Error("attachments: journal record failed", "action", string(a), "err", jerr)
		}
	}
}
