// Package webhook tells a remote service about attachment actions, before
// and after they run, over signed HTTP POSTs.
//
// A pre-event webhook (Gate) asks the service before an action runs and
// lets it veto: a host puts its business rules, or a content-moderation
// service, in front of every upload in one line. A post-event webhook
// (Notifier) tells the service how each action ended, so bots and flows can
// react to media messages, from a queue that never holds up the action.
//
//	remove, err := webhook.Gate(c, "https://rules.example.com/attachkit", secret, nil)
//
//	n, err := webhook.NewNotifier(c, "https://bots.example.com/attachkit", secret, nil)
//	defer n.Close(ctx)
//
// Both POST an Envelope as JSON: an event ID, the phase ("before" or
// "after"), the time, and the hooks.Event (action, channel, actor, message
// and media metadata, and after the action its outcome). The service
// answers a pre-event with any 2xx status to allow it, or with
//
//	{"allow": false, "reason": "files are not accepted outside office hours"}
//
// (as a 2xx or any other status) to refuse it; the reason is shown to the
// member who asked.
//
// # Security
//
// Every request carries an HMAC-SHA256 signature of its timestamp and body
// in the SignatureHeader header ("t=<unix seconds>,v1=<hex>"). A receiver
// checks it with Verify or VerifyRequest before trusting the body: they
// compare in constant time and refuse a timestamp outside the allowed clock
// skew, so a recorded request cannot be replayed later. Within the window a
// replay carries the same Envelope.ID; a receiver that must act once
// deduplicates on it (a post-event's retries carry the same ID too).
//
// Requests carry metadata only, never file bytes, message text or download
// links. They do carry identities, channel and file names, which are
// personal data: send them only to a service the host controls, over HTTPS.
//
// Redirects are not followed, so a signed request is never replayed to
// another address; a 3xx answer to a pre-event refuses the action. A reason
// from the service is cut to MaxReasonLen runes and stripped of control and
// bidirectional characters before a member sees it.
//
// A Gate fails closed by default: when the service cannot be reached, is
// slower than the timeout, answers 5xx or answers something that is not a
// reply, the action is refused with errs.Unavailable. GateOptions.FailOpen
// lets it through instead; an explicit refusal, a 4xx, and a caller that
// gave up are never let through.
//
// # Errors
//
// A Gate cancels with errs.Canceled (the service refused, with its reason
// as the message) or errs.Unavailable (the service failed, fail-closed).
// Verify and VerifyRequest return errs.PermissionDenied errors whose
// Details.Reason says why ("malformed", "expired", "mismatch"), and
// errs.InvalidArgument for a body over the limit. Constructors return
// errs.InvalidConfig for a bad URL, secret or option.
package webhook
