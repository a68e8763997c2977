package otel

import (
	"context"

	"github.com/attachkit/attachments/errs"
	gotel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of every span this package starts.
const ScopeName = "github.com/attachkit/attachments/otel"

// The attribute keys of the spans this package starts.
const (
	ActionKey  = attribute.Key("attachments.action")
	ChannelKey = attribute.Key("attachments.channel")
	// OutcomeKey is "ok" or the error's stable code (see package errs).
	OutcomeKey    = attribute.Key("attachments.outcome")
	MediaSIDKey   = attribute.Key("attachments.media_sid")
	StorageKeyKey = attribute.Key("attachments.storage.key")
	SizeKey       = attribute.Key("attachments.size")
	// ActorKey, TargetKey and FileNamesKey are personal data, set only
	// when the host opts in (see Describe).
	ActorKey     = attribute.Key("attachments.actor")
	TargetKey    = attribute.Key("attachments.target")
	FileNamesKey = attribute.Key("attachments.file_names")
)

// Options are New's optional arguments. A nil *Options means all defaults.
type Options struct {
	// TracerProvider makes the tracer. Default: the global provider
	// (otel.GetTracerProvider), which is the no-op one until the host sets
	// one.
	TracerProvider trace.TracerProvider
	// Propagators write and read the trace context on HTTP requests and
	// job carriers. Default: the global propagator
	// (otel.GetTextMapPropagator), which writes nothing until the host
	// sets one (propagation.TraceContext{} for traceparent).
	Propagators propagation.TextMapPropagator
	// Identities adds the actor's identity and a block's target to each
	// action's span; FileNames adds the names of the files it is about.
	// Both are personal data. They take effect through Describe. Default
	// false: spans name no one and no file.
	Identities bool
	FileNames  bool
}

// Tracing traces one Client and what it is built on. Its zero value is not
// usable; New makes one. It is safe for concurrent use.
type Tracing struct {
	tp     trace.TracerProvider
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	o      Options
	// off is set for the no-op provider: Start then skips the tracer.
	off bool
}

// New returns a Tracing with opts.
func New(opts *Options) *Tracing {
	var o Options
	if opts != nil {
		o = *opts
	}
	t := &Tracing{tp: o.TracerProvider, prop: o.Propagators, o: o}
	if t.tp == nil {
		t.tp = gotel.GetTracerProvider()
	}
	if t.prop == nil {
		t.prop = gotel.GetTextMapPropagator()
	}
	t.tracer = t.tp.Tracer(ScopeName)
	_, t.off = t.tp.(noop.TracerProvider)
	return t
}

// Start starts the span of one action; it is the function
// attachments.Options.Trace takes. The span is named for the action and
// carries the action and channel; end sets its outcome from Invoke's error
// and ends it. A span that records nothing (no provider set, or not
// sampled) costs no attributes and no closure; with the no-op provider
// (noop.NewTracerProvider) Start does nothing at all.
func (t *Tracing) Start(ctx context.Context, action, channel string) (context.Context, func(error)) {
	if t.off {
		return ctx, endNothing
	}
	sctx, span := t.tracer.Start(ctx, action)
	if !span.IsRecording() {
		if span.SpanContext().Equal(trace.SpanContextFromContext(ctx)) {
			return ctx, endNothing // a no-op span: the caller's context says as much
		}
		return sctx, endNothing
	}
	span.SetAttributes(ActionKey.String(action), ChannelKey.String(channel))
	return sctx, func(err error) { endSpan(span, err) }
}

func endNothing(error) {}

// endSpan records err's outcome on span and ends it. Only the code goes on
// the span, never the error's text, which may quote a file's name.
func endSpan(span trace.Span, err error) {
	if err == nil {
		span.SetAttributes(OutcomeKey.String("ok"))
	} else {
		code := string(errs.CodeOf(err))
		span.SetAttributes(OutcomeKey.String(code))
		span.SetStatus(codes.Error, code)
	}
	span.End()
}

// Inject writes ctx's trace context into carrier, W3C headers by name
// (traceparent, tracestate with the default propagator), for work that
// leaves the process: a job stores carrier with its arguments.
func (t *Tracing) Inject(ctx context.Context, carrier map[string]string) {
	t.prop.Inject(ctx, propagation.MapCarrier(carrier))
}

// Extract returns ctx with the trace context that Inject wrote into
// carrier, so the job's spans join the trace of the action that queued it.
func (t *Tracing) Extract(ctx context.Context, carrier map[string]string) context.Context {
	return t.prop.Extract(ctx, propagation.MapCarrier(carrier))
}
