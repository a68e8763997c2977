package otel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/otel"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// Both webhooks send the action's trace as traceparent: the Gate, which
// asks while the action runs, and the Notifier, which delivers from its
// queue after the action returned.
func TestWebhooksCarryTraceparent(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	var mu sync.Mutex
	got := map[string]string{} // path -> traceparent
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path] = r.Header.Get("traceparent")
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer svc.Close()
	secret := []byte("0123456789abcdef0123")
	client := &http.Client{Transport: tr.Transport(nil)}
	remove, err := webhook.Gate(host.Client, svc.URL+"/gate", secret, &webhook.GateOptions{Client: client})
	require.NoError(t, err)
	defer remove()
	n, err := webhook.NewNotifier(host.Client, svc.URL+"/notify", secret, &webhook.NotifierOptions{Client: client})
	require.NoError(t, err)

	_, err = host.Send(context.Background(), host.Customer, "a.png", pngBytes(t))
	require.NoError(t, err)
	require.NoError(t, n.Close(context.Background())) // delivers what is queued

	actions := find(exp.GetSpans(), "SendMediaMessage")
	require.Len(t, actions, 1)
	traceID := actions[0].SpanContext.TraceID().String()
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/gate", "/notify"} {
		parts := strings.Split(got[path], "-")
		require.Len(t, parts, 4, "%s got no traceparent: %q", path, got[path])
		assert.Equal(t, traceID, parts[1], "%s's request is in another trace than its action", path)
	}
}

// Inject and Extract carry a trace through a map, as a job stored in a
// database carries it to the instance that runs it.
func TestInjectExtract(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	ctx, end := tr.Start(context.Background(), "Enqueue", "CH1")
	carrier := map[string]string{}
	tr.Inject(ctx, carrier)
	end(nil)
	require.Contains(t, carrier, "traceparent")

	// Elsewhere, later: the job's work joins the trace.
	jctx := tr.Extract(context.Background(), carrier)
	_, _, err := host.Client.Storage().Get(jctx, "media/MEnone", nil)
	require.Error(t, err)
	gets := find(exp.GetSpans(), "storage.Get", otel.OutcomeKey.String("not_found"))
	require.Len(t, gets, 1, "a failed Get has its span, with its code")
	enq := find(exp.GetSpans(), "Enqueue")
	require.Len(t, enq, 1)
	assert.Equal(t, enq[0].SpanContext.SpanID(), gets[0].Parent.SpanID(), "the job's span is the enqueuer's child")
}

// The log handler adds the trace and span IDs of the record's context, and
// otherwise behaves as the handler it wraps (slogtest's cases).
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	h := otel.LogHandler(slog.NewJSONHandler(&buf, nil))
	slogtest.Run(t, func(*testing.T) slog.Handler { buf.Reset(); return h }, func(t *testing.T) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
		return m
	})

	tr, _ := newTracing(t, false, false)
	ctx, end := tr.Start(context.Background(), "SendMediaMessage", "CH1")
	defer end(nil)
	sc := trace.SpanContextFromContext(ctx)
	buf.Reset()
	slog.New(h).With("a", 1).WithGroup("g").InfoContext(ctx, "sent")
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	g, _ := line["g"].(map[string]any)
	assert.Equal(t, sc.TraceID().String(), g["trace_id"], "the record carries its trace: %s", buf.String())
	assert.Equal(t, sc.SpanID().String(), g["span_id"])

	buf.Reset()
	slog.New(h).InfoContext(context.Background(), "no span")
	assert.NotContains(t, buf.String(), "trace_id", "a record without a span gets no IDs")
}

// signer is a driver that signs URLs.
type signer struct{ storage.Driver }

func (signer) SignedURL(context.Context, string, storage.SignedURLOptions) (string, error) {
	return "https://signed.example/x", nil
}

// The traced driver keeps a driver's optional capabilities, and adds none.
func TestDriverKeepsCapabilities(t *testing.T) {
	tr, _ := newTracing(t, false, false)
	plain := tr.Bucket(memory.New())
	assert.False(t, plain.CanSignURLs(), "a driver that cannot sign must not seem to")
	signing := tr.Bucket(storage.NewBucket(signer{memory.New().Driver()}))
	require.True(t, signing.CanSignURLs(), "tracing hid the driver's SignedURLer")
}

// A ledger or storage call outside any trace (the janitor's sweep) makes
// no span, rather than a trace of its own per call.
func TestNoRootSpansForLedgerAndStorage(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	_, err := host.Send(context.Background(), host.Customer, "a.png", pngBytes(t))
	require.NoError(t, err)
	exp.Reset()
	_, err = host.Client.Sweep(context.Background())
	require.NoError(t, err)
	_, _, err = host.Client.Storage().Get(context.Background(), "media/MEnone", nil)
	require.Error(t, err)
	assert.Empty(t, exp.GetSpans(), "calls outside a trace made spans")
}
