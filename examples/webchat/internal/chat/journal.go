package chat

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
)

// The supervisor's audit trail is the library's own journal
// (the ledger's Entries): every built-in action records its outcome there,
// refusals included, in the ledger, so the trail survives a reload of the
// page and, with -data, a restart. The page reads it with GET
// /api/supervisor/journal and follows it live on the event stream.

// journalPage is how many entries the page asks for when it does not say.
const journalPage = 100

// maxJournalPage bounds one page of the journal.
const maxJournalPage = 500

// maxEntryText bounds the message text an entry shows, in characters.
const maxEntryText = 60

// clip cuts s to n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// entryView is one journal entry as the audit trail shows it: who did what,
// what it touched (the message, its files, the member blocked) and, for a
// refusal, the code and the full text the member was shown.
type entryView struct {
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Actor      string    `json:"actor"`
	ActorName  string    `json:"actorName"`
	Target     string    `json:"target,omitempty"`
	TargetName string    `json:"targetName,omitempty"`
	MessageSID string    `json:"messageSid,omitempty"`
	// MessageText is the start of the message's text, while the message is
	// still in the chat.
	MessageText string `json:"messageText,omitempty"`
	// MessageGone says the message has been deleted since.
	MessageGone bool     `json:"messageGone,omitempty"`
	FileNames   []string `json:"fileNames"`
	OK          bool     `json:"ok"`
	Code        string   `json:"code"`
	Message     string   `json:"message,omitempty"`
}

func (s *Server) entryView(e ledger.Entry) entryView {
	v := entryView{Time: e.Time, Action: e.Action, Actor: e.Actor, ActorName: e.Actor, Target: e.Target,
		MessageSID: e.MessageSID, FileNames: e.FileNames, OK: e.Code == "ok", Code: e.Code, Message: e.Message}
	if v.FileNames == nil {
		v.FileNames = []string{}
	}
	if p, ok := s.personByIdentity(e.Actor); ok {
		v.ActorName = p.Name
	}
	if e.MessageSID != "" {
		if m, err := s.hub.Fetch(context.Background(), e.MessageSID); err == nil {
			v.MessageText = clip(m.Body, maxEntryText)
		} else {
			v.MessageGone = true
		}
	}
	if p, ok := s.personByIdentity(e.Target); ok {
		v.TargetName = p.Name
	} else {
		v.TargetName = e.Target
	}
	return v
}

// journalReply is a page of the journal, newest first. Before is the
// cursor of the next (older) page, ?before=, absent when there is none: the
// Seq of this page's oldest entry, since pages by time would skip entries
// appended at once or by instances whose clocks differ.
type journalReply struct {
	Entries []entryView `json:"entries"`
	Before  int64       `json:"before,omitempty"`
}

// handleJournal answers the supervisor with a page of the journal, newest
// first: ?limit= entries (default 100) older than the cursor ?before=.
// Other views are refused: the audit trail is the supervisor's.
func (s *Server) handleJournal(w http.ResponseWriter, r *http.Request, p Person) {
	if p.View != ViewSupervisor {
		s.fail(w, r, &errs.Error{Code: errs.PermissionDenied, Message: "only the supervisor sees the audit trail"})
		return
	}
	q := ledger.EntryQuery{Channel: Channel, Limit: journalPage}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, r, &errs.Error{Code: errs.InvalidPayload, Message: "limit is a positive number"})
			return
		}
		q.Limit = min(n, maxJournalPage)
	}
	if v := r.URL.Query().Get("before"); v != "" {
		seq, err := strconv.ParseInt(v, 10, 64)
		if err != nil || seq < 1 {
			s.fail(w, r, &errs.Error{Code: errs.InvalidPayload, Message: "before is the cursor a previous page returned"})
			return
		}
		q.BeforeSeq = seq
	}
	entries, err := s.ledger.Entries(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep := journalReply{Entries: make([]entryView, 0, len(entries))}
	for _, e := range entries {
		rep.Entries = append(rep.Entries, s.entryView(e))
	}
	if len(entries) == q.Limit {
		rep.Before = entries[len(entries)-1].Seq
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
}

// journalFeed is the ledger the Client writes to, which also reports each
// journal entry, once it is recorded, on the event stream: the live audit
// trail shows exactly what the journal holds, in the journal's words.
type journalFeed struct {
	ledger.Ledger
	hub *Hub
}

// Append implements ledger.Ledger: it appends e, then publishes it.
func (f journalFeed) Append(ctx context.Context, e ledger.Entry) error {
	if err := f.Ledger.Append(ctx, e); err != nil {
		return err
	}
	if mark, ok := ctx.Value(journaledKey{}).(*atomic.Bool); ok {
		mark.Store(true) // audit need not record the request's refusal
	}
	if e.Channel == Channel {
		f.hub.Publish(Event{Kind: EventActivity, Channel: e.Channel, Entry: e})
	}
	return nil
}
