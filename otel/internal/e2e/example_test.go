package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/otel"
	"github.com/attachkit/attachments/storage/memory"
)

// A host traces its Client: each action, and the ledger and storage calls
// it makes, are spans of one trace. Here the spans go to an in-memory
// exporter; a host exports them to its collector (OTLP) instead.
func Example() {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())

	t := otel.New(&otel.Options{TracerProvider: tp})
	chat, members := &attachmentstest.Transport{}, &attachmentstest.Members{}
	if err := members.SetRole(context.Background(), "CH1", "alice", attachments.RoleCustomer); err != nil {
		log.Fatal(err)
	}
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &attachments.Options{
		Trace:   t.Start,
		Ledger:  t.Ledger(ledgermemory.New()),
		Storage: t.Bucket(memory.New()),
		// Log lines written with a context carry its trace_id and span_id.
		Logger: slog.New(otel.LogHandler(slog.NewTextHandler(os.Stderr, nil))),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(context.Background())

	_, err = attachments.Invoke(context.Background(), c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: attachments.Member{Identity: "alice"},
			File: &attachments.File{Name: "notes.txt", Body: bytes.NewReader([]byte("hello"))}})
	if err != nil {
		log.Fatal(err)
	}
	spans := exp.GetSpans()
	for _, s := range spans {
		if s.Name == "SendMediaMessage" {
			for _, a := range s.Attributes {
				fmt.Println(a.Key, a.Value.Emit())
			}
			for _, child := range spans {
				if child.Parent.SpanID() == s.SpanContext.SpanID() && child.Name == "storage.Put" {
					fmt.Println("its file stored in", child.Name)
				}
			}
		}
	}
	// Output:
	// attachments.action SendMediaMessage
	// attachments.channel CH1
	// attachments.outcome ok
	// its file stored in storage.Put
}

// Log lines written with a context that holds a span carry its IDs.
func ExampleLogHandler() {
	logger := slog.New(otel.LogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // a steady output for the example
			}
			return a
		},
	})))
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	logger.InfoContext(ctx, "preview: no rendition", "media", "ME1")
	// Output:
	// level=INFO msg="preview: no rendition" media=ME1 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7
}
