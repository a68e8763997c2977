package chat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sse is one view's event stream.
type sse struct {
	t      *testing.T
	events chan [2]string // event name, data
	cancel context.CancelFunc
}

func (d *demo) subscribe(t *testing.T, view string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.hs.URL+"/api/"+view+"/events", nil)
	res, err := d.client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/event-stream" {
		cancel()
		t.Fatalf("events: %d %q", res.StatusCode, ct)
	}
	s := &sse{t: t, events: make(chan [2]string, 16), cancel: cancel}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var name, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				s.events <- [2]string{name, data}
				name, data = "", ""
			}
		}
	}()
	t.Cleanup(cancel)
	return s
}

// next returns the next event, failing after a few seconds.
func (s *sse) next() (string, string) {
	s.t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			s.t.Fatal("the event stream ended")
		}
		return e[0], e[1]
	case <-time.After(5 * time.Second):
		s.t.Fatal("no event within 5s")
	}
	return "", ""
}

func TestEvents(t *testing.T) {
	d := newDemo(t, nil)
	agent := d.subscribe(t, "agent")
	super := d.subscribe(t, "supervisor")
	customer := d.subscribe(t, "customer")

	var sent message
	if status, rep := d.postJSON(t, "/api/customer/messages", map[string]string{"text": "Hi there"}, &sent); status != 201 {
		t.Fatalf("send: %d %+v", status, rep)
	}
	name, data := agent.next()
	var got message
	if err := json.Unmarshal([]byte(data), &got); err != nil || name != "message" || got.SID != sent.SID || got.AuthorName != "Casey Morgan" {
		t.Fatalf("agent's event = %s %s, want the message", name, data)
	}

	// The supervisor also sees the activity; the customer does not.
	seen := map[string]bool{}
	for range 2 {
		name, data := super.next()
		seen[name] = true
		if name == "activity" && (!strings.Contains(data, `"action":"SendMessage"`) || !strings.Contains(data, `"ok":true`)) {
			t.Errorf("supervisor's activity = %s", data)
		}
	}
	if !seen["message"] || !seen["activity"] {
		t.Errorf("supervisor saw %v, want a message and an activity", seen)
	}
	if name, _ := customer.next(); name != "message" {
		t.Errorf("customer's first event = %q, want message", name)
	}

	if status, rep := d.postJSON(t, "/api/agent/block", map[string]string{"identity": "casey"}, nil); status != 200 {
		t.Fatalf("block: %d %+v", status, rep)
	}
	if name, data := customer.next(); name != "role" || !strings.Contains(data, `"role":"customer:blocked"`) {
		t.Errorf("customer's next event = %s %s, want its role change (and no activity)", name, data)
	}
	if status, rep := d.do(t, "DELETE", lib("agent", "messages/"+sent.SID), nil, "", nil); status != 200 {
		t.Fatalf("delete: %d %+v", status, rep)
	}
	for {
		name, data := agent.next()
		if name == "removed" {
			if !strings.Contains(data, sent.SID) {
				t.Errorf("removed event = %s", data)
			}
			break
		}
	}

	// Ending the streams, as a shutdown does, closes them.
	d.srv.EndStreams()
	select {
	case _, ok := <-agent.events:
		for ok {
			_, ok = <-agent.events
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
	if status, rep := d.do(t, "GET", "/api/agent/events", nil, "", nil); status != http.StatusServiceUnavailable {
		t.Errorf("subscribing after the end: %d %+v, want 503", status, rep)
	}
}
