package hookstest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logs is a log destination that tests read back. It is safe for concurrent
// use; the zero value is empty and ready to use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Text returns a logger that writes text records to l.
func (l *Logs) Text() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// JSON returns a logger that writes JSON records to l; read them back with
// Records.
func (l *Logs) JSON() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// Records decodes the JSON records logged so far, failing tb on a line that
// is not one.
func (l *Logs) Records(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}
