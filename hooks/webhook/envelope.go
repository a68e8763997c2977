package webhook

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/attachkit/attachments/hooks"
)

// Phase says when an Envelope was sent: before its action ran, or after.
type Phase string

// The phases.
const (
	PhaseBefore Phase = "before"
	PhaseAfter  Phase = "after"
)

// Envelope is the JSON body of every webhook request: the event, flattened,
// with an ID, a phase and a time. A receiver decodes it with
// encoding/json after VerifyRequest.
type Envelope struct {
	// ID identifies the event: "evt_" and 32 hex digits. Every attempt to
	// deliver one post-event carries the same ID, so a receiver can act on
	// it once.
	ID string `json:"id"`
	// Phase is PhaseBefore for a Gate's question, PhaseAfter for a
	// Notifier's report.
	Phase Phase `json:"phase"`
	// Time is when the event happened, in UTC.
	Time time.Time `json:"time"`
	hooks.Event
}

// Reply is the JSON body a service answers a pre-event with. An empty 2xx
// answer, or a JSON object without "allow", allows the action; only
// "allow": false refuses it, with Reason shown to the member who asked.
type Reply struct {
	Allow  bool   `json:"allow"`
	Reason string `json:"reason,omitempty"`
}

func newEnvelope(phase Phase, e hooks.Event) Envelope {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	return Envelope{ID: "evt_" + hex.EncodeToString(id[:]), Phase: phase, Time: time.Now().UTC(), Event: e}
}
