package chat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// heartbeat is how often an idle event stream sends a comment, so that
// proxies and browsers keep it open.
const heartbeat = 25 * time.Second

// handleEvents streams the conversation's live updates to a view as
// Server-Sent Events: "message" (a messageView), "removed" ({"sid"}), "role"
// ({"identity","role"}) and, for the supervisor, "activity" (an entryView:
// a journal entry just recorded).
// The stream ends when the client goes away or the server shuts down; the
// browser's EventSource then reconnects, and the page reloads the state.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, p Person) {
	events, cancel, err := s.hub.Subscribe()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer cancel()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var buf bytes.Buffer
	for {
		buf.Reset()
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			buf.WriteString(": ping\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if !s.encodeEvent(&buf, e, p) {
				continue
			}
		}
		if _, err := w.Write(buf.Bytes()); err != nil || rc.Flush() != nil {
			return
		}
	}
}

// encodeEvent writes e as an SSE event for p's view, and reports false when
// p should not see it.
func (s *Server) encodeEvent(buf *bytes.Buffer, e Event, p Person) bool {
	if e.Channel != Channel {
		return false
	}
	var data any
	switch e.Kind {
	case EventMessage:
		data = s.messageView(e.Message)
	case EventRemoved:
		data = map[string]string{"sid": e.Message.SID}
	case EventRole:
		data = map[string]any{"identity": e.Identity, "role": e.Role}
	case EventActivity:
		if p.View != ViewSupervisor {
			return false // the audit trail is for the supervisor
		}
		data = s.entryView(e.Entry)
	default:
		return false
	}
	payload, err := json.Marshal(data)
	if err != nil {
		s.log.Error("webchat: encode event", "kind", e.Kind, "err", err)
		return false
	}
	buf.WriteString("event: ")
	buf.WriteString(string(e.Kind))
	buf.WriteString("\ndata: ")
	buf.Write(payload) // JSON has no raw newlines
	buf.WriteString("\n\n")
	return true
}
