package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"testing/slogtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/attachkit/attachments/otel"
)

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
