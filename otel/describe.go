package otel

import (
	"context"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/hooks"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// MessageSIDKey and MediaSIDsKey are what Describe adds to every action span.
const (
	MessageSIDKey = attribute.Key("attachments.message_sid")
	MediaSIDsKey  = attribute.Key("attachments.media_sids")
)

// Describe adds to the span of each built-in action c invokes what the
// action touched: the message SID and the media SIDs, and, when Options
// opt in, the actor's identity and a block's target (Identities) and the
// files' names (FileNames). It is an after-listener, so the attributes
// describe the outcome; the returned function removes it.
func (t *Tracing) Describe(c *attachments.Client) (remove func(), err error) {
	return hooks.After(c, t.describe, hooks.BuiltinActions()...)
}

func (t *Tracing) describe(ctx context.Context, e hooks.Event) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	var attrs []attribute.KeyValue
	if e.MessageSID != "" {
		attrs = append(attrs, MessageSIDKey.String(e.MessageSID))
	}
	var sids, names []string
	for _, m := range e.Media {
		if m.SID != "" {
			sids = append(sids, m.SID)
		}
		if m.FileName != "" {
			names = append(names, m.FileName)
		}
	}
	if len(sids) > 0 {
		attrs = append(attrs, MediaSIDsKey.StringSlice(sids))
	}
	if t.o.Identities {
		attrs = append(attrs, ActorKey.String(e.Actor.Identity))
		if e.Target != "" {
			attrs = append(attrs, TargetKey.String(e.Target))
		}
	}
	if t.o.FileNames && len(names) > 0 {
		attrs = append(attrs, FileNamesKey.StringSlice(names))
	}
	span.SetAttributes(attrs...)
}
