package otel

import (
	"context"
	"time"

	"github.com/attachkit/attachments/ledger"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Ledger returns l with a span around each call made inside a trace, named
// "ledger." and the method, carrying the outcome and, where the call names
// one, the media SID; never a record's owner or file name.
func (t *Tracing) Ledger(l ledger.Ledger) ledger.Ledger {
	return &tracedLedger{Ledger: l, t: t}
}

// tracedLedger embeds the ledger it traces, so a method the interface gains
// later still works (untraced) until it gets its own span here.
type tracedLedger struct {
	ledger.Ledger
	t *Tracing
}

// startChild starts the span of a ledger or storage call, only inside a
// trace: a call with no span in its context (the janitor's sweep, say)
// makes none, rather than a trace of its own for every call.
func (t *Tracing) startChild(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, trace.SpanFromContext(ctx)
	}
	return t.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

func (l *tracedLedger) Create(ctx context.Context, r ledger.Record, q ...ledger.Quota) (err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Create", MediaSIDKey.String(r.SID))
	defer func() { endSpan(span, err) }()
	return l.Ledger.Create(ctx, r, q...)
}

func (l *tracedLedger) Get(ctx context.Context, sid string) (_ ledger.Record, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Get", MediaSIDKey.String(sid))
	defer func() { endSpan(span, err) }()
	return l.Ledger.Get(ctx, sid)
}

func (l *tracedLedger) Apply(ctx context.Context, changes ...ledger.Change) (_ []ledger.Record, err error) {
	attrs := []attribute.KeyValue{attribute.Int("attachments.changes", len(changes))}
	if len(changes) == 1 {
		attrs = append(attrs, MediaSIDKey.String(changes[0].SID))
	}
	ctx, span := l.t.startChild(ctx, "ledger.Apply", attrs...)
	defer func() { endSpan(span, err) }()
	return l.Ledger.Apply(ctx, changes...)
}

func (l *tracedLedger) List(ctx context.Context, q ledger.Query) (_ []ledger.Record, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.List")
	defer func() { endSpan(span, err) }()
	return l.Ledger.List(ctx, q)
}

func (l *tracedLedger) Remove(ctx context.Context, sid string) (err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Remove", MediaSIDKey.String(sid))
	defer func() { endSpan(span, err) }()
	return l.Ledger.Remove(ctx, sid)
}

func (l *tracedLedger) Usage(ctx context.Context, owner string) (_ ledger.Usage, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Usage")
	defer func() { endSpan(span, err) }()
	return l.Ledger.Usage(ctx, owner)
}

func (l *tracedLedger) DraftText(ctx context.Context, channel, owner string) (_ string, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.DraftText")
	defer func() { endSpan(span, err) }()
	return l.Ledger.DraftText(ctx, channel, owner)
}

func (l *tracedLedger) SetDraftText(ctx context.Context, channel, owner, text string) (err error) {
	ctx, span := l.t.startChild(ctx, "ledger.SetDraftText")
	defer func() { endSpan(span, err) }()
	return l.Ledger.SetDraftText(ctx, channel, owner, text)
}

func (l *tracedLedger) ForgetOwner(ctx context.Context, owner string) (err error) {
	ctx, span := l.t.startChild(ctx, "ledger.ForgetOwner")
	defer func() { endSpan(span, err) }()
	return l.Ledger.ForgetOwner(ctx, owner)
}

func (l *tracedLedger) Append(ctx context.Context, e ledger.Entry) (err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Append", ActionKey.String(e.Action))
	defer func() { endSpan(span, err) }()
	return l.Ledger.Append(ctx, e)
}

func (l *tracedLedger) Entries(ctx context.Context, q ledger.EntryQuery) (_ []ledger.Entry, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Entries")
	defer func() { endSpan(span, err) }()
	return l.Ledger.Entries(ctx, q)
}

func (l *tracedLedger) Purge(ctx context.Context, before time.Time) (_ int, err error) {
	ctx, span := l.t.startChild(ctx, "ledger.Purge")
	defer func() { endSpan(span, err) }()
	return l.Ledger.Purge(ctx, before)
}
