package hooks

import (
	"context"
	"io"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// Event describes one invocation of a built-in action: which action, where,
// by whom, about which message and media, and, for an after-listener, how it
// ended. It never holds file bytes, message text, attributes or download
// links. Its JSON form is what package webhook sends.
type Event struct {
	// Action is the action's name, such as "SendMediaMessage".
	Action string `json:"action"`
	// Channel is the channel the action is in.
	Channel string `json:"channel"`
	// Actor is the member who invoked the action: its sender or requester.
	Actor attachments.Member `json:"actor"`
	// Side is the side whose policy applies to Actor: the side of its role
	// in the channel, from the host's directory (Client.SideOf), never from
	// the caller. It is empty for a role that is none of the built-in ones,
	// and in an after-event of an action refused to a non-member.
	Side attachments.Side `json:"side,omitempty"`
	// Target is BlockMember's and UnblockMember's target identity.
	Target string `json:"target,omitempty"`
	// MessageSID is the message the action sent, downloads from or deletes,
	// when known.
	MessageSID string `json:"messageSid,omitempty"`
	// Media are the files the action is about, as far as they are known:
	// the file being sent or attached (as stored, with its sniffed type and
	// SHA-256), a draft's files, the file being downloaded or detached.
	Media []attachments.Media `json:"media,omitempty"`
	// FromDraft is set when SendMediaMessage sends the sender's draft. Its
	// files were checked when they were attached, and cannot be opened from
	// the Event.
	FromDraft bool `json:"fromDraft,omitempty"`

	// Code is the outcome, in after-listeners only: "ok", or the error's
	// code.
	Code string `json:"code,omitempty"`
	// Message is the error's message, fit to show the actor, in
	// after-listeners only.
	Message string `json:"message,omitempty"`
	// Reason is the error's Details.Reason (a cancel reason, a signature
	// name), in after-listeners only.
	Reason string `json:"reason,omitempty"`

	open func(ctx context.Context) (io.ReadCloser, error)
}

// OK is the Code of an after-event whose action succeeded.
const OK = "ok"

// HasFile reports whether Open can read the event's file: in a
// before-listener of SendMediaMessage sending one file, AttachFile, and
// DownloadMedia.
func (e Event) HasFile() bool { return e.open != nil }

// Open returns the stored bytes of the event's file from its first byte, as
// often as needed; the caller closes the reader. It reads what the library
// stored (and would serve), never the client's stream, and never holds the
// file in memory. Without a file (see HasFile) it returns an
// errs.InvalidArgument error.
func (e Event) Open(ctx context.Context) (io.ReadCloser, error) {
	if e.open == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "hooks open " + e.Action, Message: "the event has no file to open"}
	}
	return e.open(ctx)
}

// outcome sets the after-event fields from err.
func (e *Event) outcome(err error) {
	if err == nil {
		e.Code = OK
		return
	}
	e.Code = string(errs.CodeOf(err))
	if x := errs.As(err); x != nil {
		e.Message = x.Text()
		e.Reason = x.Details.Reason
	}
}
