// Package ledger is the authoritative record of every file the library
// holds: who owns it, which channel it belongs to, and whether it is staged,
// in a draft, being sent, sent in a message or deleted. Decisions that grant
// access (sending, downloading, deleting, sweeping) are made from these
// records, never from message attributes a client wrote, and never from one
// process's memory, so many instances can share one ledger.
//
// A Ledger is a driver: package ledger/memory keeps records in memory (tests,
// the zero-config default); the nested module ledger/sqlledger keeps them in
// SQLite or PostgreSQL. Every driver passes the conformance suite in
// ledger/ledgertest.
//
// # Transitions
//
// Every change of state is a conditional transition (Apply): it takes effect
// only when the record is in one of the expected states and every condition
// holds, atomically, across goroutines and processes. Two instances racing
// for the same record get one winner; the loser gets an errs.Conflict error.
//
//	uploading ──▶ staged ──▶ drafted ──▶ sending ──▶ sent(message SID)
//	    │            │          │           │            │
//	    └────────────┴──────────┴───────────┴────────────┴──▶ deleted ──▶ (removed)
//
// # Usage and quotas
//
// A driver keeps each owner's Usage as counters, changed in the same
// transaction as the records, so reading it costs the same whatever the
// owner holds. A Create or a Change may carry a Quota: it then takes effect
// only if it leaves the owner's usage within it, checked in that same
// transaction, so no interleaving of writers on any number of handles
// passes it. An upload is recorded (Uploading) before its first byte, with
// the bytes it has reserved as its Size, and grows its reservation under
// its Quota as its bytes arrive.
//
// # Errors
//
// Drivers return *errs.Error values: errs.NotFound for a record that is not
// there, errs.Conflict when a transition's conditions do not hold,
// errs.InvalidArgument for a malformed call, errs.Canceled for a done
// context and errs.Unavailable when the backend cannot be reached.
package ledger

import (
	"context"
	"time"

	"github.com/attachkit/attachments/errs"
)

// State is where a file is in its life.
type State string

// The states. Their string values are stored, so they never change.
const (
	// Uploading: recorded before its first byte; its bytes are arriving.
	// Its Size is what it has reserved so far. It counts in its owner's
	// Usage like a staged file, and is swept when it stops changing.
	Uploading State = "uploading"
	// Staged: stored by an action's guard, not yet in a draft or a message.
	Staged State = "staged"
	// Drafted: in its owner's draft for its channel.
	Drafted State = "drafted"
	// Sending: taken out of its draft (or staging) by a send in flight.
	Sending State = "sending"
	// Sent: carried by a message (MessageSID; empty when a process died
	// between sending the message and recording it, see Client.Sweep).
	Sent State = "sent"
	// Deleted: no longer served; its bytes are being deleted. The record is
	// removed once they are gone.
	Deleted State = "deleted"
)

// Live is every state of a stored file: not Uploading, not Deleted.
var Live = []State{Staged, Drafted, Sending, Sent}

// Record is one file.
type Record struct {
	// SID is the media SID, the record's key.
	SID string
	// Owner is the identity that uploaded the file; Side the side its role
	// acted for.
	Owner string
	Side  string
	// Channel is the channel the file was uploaded in. It never changes.
	Channel string
	State   State
	// MessageSID is the message that carries the file, once Sent.
	MessageSID string
	// Store names where the bytes are: "" for the library's own storage, or
	// the name of a host store the Client knows. Location is the host store's
	// own reference (a key or URL); empty for the library's storage.
	Store    string
	Location string
	// FileName is the sanitised name; ContentType the sniffed type.
	FileName    string
	ContentType string
	Size        int64
	SHA256      string // lower-case hex; empty until the bytes are stored
	// Renditions are derived files (thumbnails, previews) stored beside it.
	Renditions []Rendition
	// Created is when the record was created; Updated when it last changed.
	Created time.Time
	Updated time.Time
	// Seq orders records by creation within one ledger; drivers assign it.
	Seq int64
}

// Rendition is a file derived from a record's file, such as a thumbnail.
type Rendition struct {
	Name        string `json:"name"` // "thumbnail", "preview"
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	// BlurHash is a placeholder a client paints before the rendition
	// arrives (https://blurha.sh); empty when the renderer made none.
	BlurHash string `json:"blurHash,omitempty"`
	// Pending, when set, is when the rendition was recorded before its
	// blob was written: it is not served yet. A rendition is recorded
	// pending first, so a blob is never without a record that explains it,
	// then recorded again once stored, with Pending zero.
	Pending time.Time `json:"pending,omitzero"`
}

// Change is a conditional transition of one record. It applies only when the
// record is in one of From and every condition that is set holds; then the
// record takes state To (unchanged when To is empty), the values that are
// set, and Updated = Now.
type Change struct {
	SID  string
	From []State
	To   State

	// Conditions; the zero value of each means "any".
	Owner   string
	Channel string
	// MessageSID must match the record's.
	MessageSID string
	// UpdatedBefore: the record last changed before this time.
	UpdatedBefore time.Time
	// Limit, when positive, requires that fewer than Limit other records of
	// the same owner and channel are in state To: a draft's file limit.
	Limit int

	// Values set by the change.
	SetMessageSID string // with To == Sent
	Size          int64  // when positive
	SHA256        string // when not empty
	// AddRendition, when set, is added to the record's renditions,
	// replacing the one of the same name; DropRendition, when set, removes
	// the one of that name. Each edits the list as the record holds it when
	// the change is made, never a copy read earlier: two renditions added
	// at once are both kept.
	AddRendition  *Rendition
	DropRendition string
	Now           time.Time // the new Updated; required

	// Quota, when not zero, bounds the usage of the record's owner as the
	// change leaves it (see Quota.Check): a reservation that grows.
	Quota Quota
}

// Query selects records. Conditions that are zero are not applied. Results
// come in Seq order (in SID order with BySID), at most Limit of them (a
// driver may cap Limit).
type Query struct {
	Owner         string
	Channel       string
	States        []State
	MessageSID    string
	UpdatedBefore time.Time
	// AfterSeq pages: only records with a larger Seq.
	AfterSeq int64
	// BySID returns the records in SID order, byte by byte, as a storage
	// listing returns their keys, so the two can be compared as sorted
	// streams (Client.Check); AfterSID pages it: only records with a
	// larger SID.
	BySID    bool
	AfterSID string
	Limit    int
}

// Entry is one action's outcome in the journal. It holds personal data (an
// identity, a file name), so it is purged after the retention period.
type Entry struct {
	// Seq is the entry's place in the journal, set by the driver when it
	// appends the entry: increasing, and the journal's only cursor. Time
	// comes from each instance's clock, which may be skewed, so it orders
	// nothing.
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Actor      string    `json:"actor"`
	Channel    string    `json:"channel,omitempty"`
	MessageSID string    `json:"messageSid,omitempty"`
	// Target is the member an action was about (a block), if any.
	Target    string   `json:"target,omitempty"`
	MediaSIDs []string `json:"mediaSids,omitempty"`
	FileNames []string `json:"fileNames,omitempty"`
	// Code is "ok" or the error's code; Message the text the member was shown.
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// EntryQuery selects journal entries and pages through them by Seq, never
// by time. Entries come newest first, or oldest first with Forward.
//
// A page is exact: an entry appended while a reader pages (on any instance)
// gets a Seq greater than every entry any reader has seen, so a reader going
// back from BeforeSeq, or forward from AfterSeq, never skips one.
type EntryQuery struct {
	Channel string // "" for every channel
	// BeforeSeq, when positive, selects entries with a smaller Seq;
	// AfterSeq entries with a larger one.
	BeforeSeq int64
	AfterSeq  int64
	// Forward returns the oldest entries first (a tail: AfterSeq is the
	// last Seq seen) rather than the newest.
	Forward bool
	Limit   int
}

// Usage is what a member stores: its records but Deleted ones and their
// bytes (an upload's reserved so far), and how many of them are pending
// (uploading, staged or in a draft: not sent).
type Usage struct {
	Files   int64
	Bytes   int64
	Pending int64
}

// Counted returns what r counts for in its owner's Usage.
func Counted(r Record) Usage {
	switch r.State {
	case Deleted:
		return Usage{}
	case Uploading, Staged, Drafted:
		return Usage{Files: 1, Bytes: r.Size, Pending: 1}
	}
	return Usage{Files: 1, Bytes: r.Size}
}

// Add returns u plus v.
func (u Usage) Add(v Usage) Usage {
	return Usage{Files: u.Files + v.Files, Bytes: u.Bytes + v.Bytes, Pending: u.Pending + v.Pending}
}

// Neg returns -u, to take a record's count away.
func (u Usage) Neg() Usage { return Usage{Files: -u.Files, Bytes: -u.Bytes, Pending: -u.Pending} }

// Quota bounds what one owner holds, in every channel: a field that is
// zero (or less) is no bound.
type Quota struct {
	Files   int64
	Bytes   int64
	Pending int64
}

// Check reports whether a write that takes an owner's usage from before to
// after keeps within q: errs.QuotaExceeded when it takes a count past its
// bound, or further past it (a bound lowered under what the owner holds
// still lets it shrink). The error's Details say which bound, and where the
// write would have taken it.
func (q Quota) Check(before, after Usage) error {
	over := func(limit, was, now int64) bool { return limit > 0 && now > limit && now > was }
	refuse := func(limit, now int64, msg string) error {
		return &errs.Error{Code: errs.QuotaExceeded, Message: msg, Details: errs.Details{Limit: limit, Size: now}}
	}
	switch {
	case over(q.Files, before.Files, after.Files):
		return refuse(q.Files, after.Files, "you have too many files stored; delete some first")
	case over(q.Pending, before.Pending, after.Pending):
		return refuse(q.Pending, after.Pending, "you have too many files waiting to be sent")
	case over(q.Bytes, before.Bytes, after.Bytes):
		return refuse(q.Bytes, after.Bytes, "you have no room left for this file")
	}
	return nil
}

// Ledger is the interface a ledger driver implements. Every method takes a
// context first and honours its cancellation. Implementations must be safe
// for concurrent use, and two handles on one backing store must behave as
// one ledger (the conditional transitions hold across them).
type Ledger interface {
	// Create adds r. Its SID must be new: an existing SID is errs.Conflict.
	// Drivers set Seq; Created and Updated are taken from r. With a quota
	// (at most one), r is added only if it leaves its owner's usage within
	// it (errs.QuotaExceeded otherwise), in the same transaction.
	Create(ctx context.Context, r Record, quota ...Quota) error
	// Get returns the record with the given SID, or errs.NotFound.
	Get(ctx context.Context, sid string) (Record, error)
	// Apply makes every change, all or none. A change whose record is
	// missing is errs.NotFound; one whose conditions do not hold is
	// errs.Conflict; one that takes its owner past its Quota is
	// errs.QuotaExceeded; either way nothing changed. It returns the records as
	// they are after the changes, in the changes' order.
	Apply(ctx context.Context, changes ...Change) ([]Record, error)
	// List returns the records q selects.
	List(ctx context.Context, q Query) ([]Record, error)
	// Remove deletes the record of a file whose bytes are gone. Only a
	// Deleted record can be removed (errs.Conflict otherwise); removing one
	// that is not there is not an error.
	Remove(ctx context.Context, sid string) error
	// Usage returns what owner stores, Deleted records excluded, from
	// counters kept with the records: its cost does not grow with them.
	Usage(ctx context.Context, owner string) (Usage, error)

	// DraftText returns owner's draft text in channel ("" when none).
	DraftText(ctx context.Context, channel, owner string) (string, error)
	// SetDraftText sets it; "" deletes it.
	SetDraftText(ctx context.Context, channel, owner, text string) error
	// ForgetOwner deletes owner's draft texts in every channel.
	ForgetOwner(ctx context.Context, owner string) error

	// Append appends e to the journal, with a Seq greater than every
	// entry's before it (e.Seq is ignored). Once an entry with Seq n is
	// visible to Entries, so is every entry with a smaller Seq that will
	// ever be: a driver whose writes commit out of order must make readers
	// wait for them.
	Append(ctx context.Context, e Entry) error
	// Entries returns journal entries q selects, in Seq order (newest
	// first unless q.Forward).
	Entries(ctx context.Context, q EntryQuery) ([]Entry, error)
	// Purge deletes journal entries older than before, reports how many.
	Purge(ctx context.Context, before time.Time) (int, error)
}
