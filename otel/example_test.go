package otel_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
	defer c.Close()

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
