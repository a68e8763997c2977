package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/otel"
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
