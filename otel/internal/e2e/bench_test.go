package e2e_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/otel"
)

type echo struct{ Text string }

const echoAction attachments.Action[echo, echo] = "Echo"

// BenchmarkInvokeTracing is the root module's BenchmarkInvoke (an action
// with no listeners) on a Client: with no Trace (none), with a Tracing on
// OpenTelemetry's no-op provider (noop), with no provider set (unset: the
// global provider, a no-op until the host sets one), and on the SDK,
// sampling every span (sdk).
func BenchmarkInvokeTracing(b *testing.B) {
	tracers := []struct {
		name  string
		trace func(context.Context, string, string) (context.Context, func(error))
	}{
		{"none", nil},
		{"noop", otel.New(&otel.Options{TracerProvider: noop.NewTracerProvider()}).Start},
		{"unset", otel.New(nil).Start}, // no provider set: the global one, a no-op until set
		{"sdk", otel.New(&otel.Options{TracerProvider: sdktrace.NewTracerProvider()}).Start},
	}
	for _, tc := range tracers {
		b.Run("tracer="+tc.name, func(b *testing.B) {
			host := attachmentstest.NewClient(b, attachments.DefaultConfig(), &attachments.Options{Trace: tc.trace, SweepInterval: -1})
			reg := host.Client.Registry()
			if err := attachments.Register(reg, echoAction, func(_ context.Context, p echo) (echo, error) { return p, nil }); err != nil {
				b.Fatal(err)
			}
			ctx, p := context.Background(), echo{Text: "x"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := attachments.Invoke(ctx, reg, echoAction, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
