package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
)

// DefaultGateTimeout is how long a Gate waits for an answer when
// GateOptions.Timeout is zero.
const DefaultGateTimeout = 5 * time.Second

// MaxReasonLen is the longest reason, in runes, a Gate shows a member; a
// longer one is cut.
const MaxReasonLen = 200

// DefaultReason is the reason a member is shown when the service refuses
// without giving one.
const DefaultReason = "the request was refused"

// GateOptions are Gate's optional arguments. A nil *GateOptions means every
// default.
type GateOptions struct {
	// Actions names the actions to ask about (see package hooks). Nil means
	// hooks.MediaActions(): SendMediaMessage, AttachFile, DownloadMedia.
	Actions []string
	// Timeout limits each question, from connecting to reading the answer.
	// The action waits for it, so keep it short. Zero means
	// DefaultGateTimeout.
	Timeout time.Duration
	// FailOpen lets the action go on when the service gives no usable
	// answer: it cannot be reached, is slower than Timeout, answers 5xx, or
	// answers 2xx with a body that is not a reply. Each time is logged as a
	// warning. The default, false, refuses the action with errs.Unavailable.
	// A refusal, a 3xx or 4xx, and a caller's canceled context are never let
	// through.
	FailOpen bool
	// Client sends the requests; Gate uses a copy that follows no
	// redirects. Nil means a new http.Client.
	Client *http.Client
	// Logger receives the warnings of FailOpen. Nil means slog.Default().
	Logger *slog.Logger
}

// gate is one Gate's state.
type gate struct {
	ep       *endpoint
	timeout  time.Duration
	failOpen bool
	log      *slog.Logger
}

// Gate adds a pre-event webhook to c: before each of the actions (after its
// guard, so an upload is already checked and stored), it POSTs an Envelope
// with PhaseBefore to rawURL, signed with secret, and waits for the answer. A
// 2xx answer allows the action, unless its body is a Reply with
// "allow": false; any other status refuses it. A refusal cancels the action
// with errs.Canceled and the service's reason (or DefaultReason) as the
// message the member sees. See GateOptions.FailOpen for a service that
// gives no usable answer.
//
// It returns a function that removes the webhook, and an errs.InvalidConfig
// error for a rawURL that is not absolute http(s), a secret shorter than
// MinSecretLen or a negative Timeout.
func Gate(c *attachments.Client, rawURL string, secret []byte, opts *GateOptions) (remove func(), err error) {
	var o GateOptions
	if opts != nil {
		o = *opts
	}
	if o.Timeout < 0 {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "webhook gate", Message: "negative webhook timeout"}
	}
	ep, err := newEndpoint("webhook gate", rawURL, secret, o.Client)
	if err != nil {
		return nil, err
	}
	g := &gate{ep: ep, timeout: o.Timeout, failOpen: o.FailOpen, log: o.Logger}
	if g.timeout == 0 {
		g.timeout = DefaultGateTimeout
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if o.Actions == nil {
		o.Actions = hooks.MediaActions()
	}
	return hooks.Before(c, g.ask, o.Actions...)
}

// ask is the before-listener.
func (g *gate) ask(ctx context.Context, e hooks.Event) error {
	const op = "webhook gate"
	body, err := json.Marshal(newEnvelope(PhaseBefore, e))
	if err != nil {
		return &errs.Error{Code: errs.Internal, Op: op, Err: err}
	}
	actx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	res, err := g.ep.post(actx, body)
	switch {
	case err != nil && ctx.Err() != nil:
		return &errs.Error{Code: errs.Canceled, Op: op, Err: ctx.Err()}
	case err != nil:
		return g.unavailable(ctx, e, fmt.Errorf("no answer: %w", urlCause(err)))
	case res.status >= 500:
		return g.unavailable(ctx, e, fmt.Errorf("answered %d", res.status))
	}
	reply, perr := parseReply(res.body)
	switch {
	case !res.ok():
		return refusal(reply.Reason, fmt.Errorf("webhook answered %d", res.status))
	case perr != nil:
		return g.unavailable(ctx, e, perr)
	case reply.Allow != nil && !*reply.Allow:
		return refusal(reply.Reason, errors.New("webhook refused"))
	}
	return nil
}

// unavailable is the outcome when the service gave no usable answer.
func (g *gate) unavailable(ctx context.Context, e hooks.Event, cause error) error {
	if g.failOpen {
		// The action and the cause only: the event holds personal data.
		g.log.WarnContext(ctx, "webhook: gate gave no answer, failing open", "action", e.Action, "err", cause)
		return nil
	}
	return &errs.Error{Code: errs.Unavailable, Op: "webhook gate", Err: cause}
}

// reply is a Reply as decoded, telling a missing "allow" from false.
type reply struct {
	Allow  *bool  `json:"allow"`
	Reason string `json:"reason"`
}

// parseReply reads an answer's body. An empty body, or one that is not a
// JSON object, is no reply (and no error); a JSON object that does not
// decode is an error.
func parseReply(body []byte) (reply, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return reply{}, nil
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		return reply{}, fmt.Errorf("unreadable reply: %w", err)
	}
	return r, nil
}

// refusal cancels an action with the service's reason, made fit to show.
func refusal(reason string, cause error) error {
	reason = cleanReason(reason)
	if reason == "" {
		reason = DefaultReason
	}
	return &errs.Error{Code: errs.Canceled, Op: "webhook gate", Message: reason,
		Details: errs.Details{Reason: reason}, Err: cause}
}

// cleanReason drops control, format (bidirectional, zero-width) and invalid
// characters, collapses the spaces left, and cuts the reason to
// MaxReasonLen runes.
func cleanReason(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError || unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		}
		if n == MaxReasonLen {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n == MaxReasonLen {
				break
			}
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// urlCause strips the *url.Error around a client's error, whose text repeats
// the URL (and whatever secrets a host put in it).
func urlCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
