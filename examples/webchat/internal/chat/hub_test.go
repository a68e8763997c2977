package chat_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

func openHub(t *testing.T, path string) *chat.Hub {
	t.Helper()
	h, err := chat.OpenHub(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHubTransport(t *testing.T) {
	ctx := context.Background()
	h := openHub(t, "")
	var sids []string
	for _, body := range []string{"one", "two", "three"} {
		m, err := h.Send(ctx, attachments.Message{Channel: "CH1", Author: "casey", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.SID) != 34 || m.Created.IsZero() {
			t.Errorf("sent message has SID %q and time %v", m.SID, m.Created)
		}
		sids = append(sids, m.SID)
	}
	if _, err := h.Send(ctx, attachments.Message{Channel: "CH2", Body: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove(ctx, sids[1]); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove(ctx, sids[1]); err != nil {
		t.Errorf("removing twice: %v, want nil", err)
	}
	var got []string
	for _, m := range h.Messages("CH1") {
		got = append(got, m.Body)
	}
	if len(got) != 2 || got[0] != "one" || got[1] != "three" {
		t.Errorf("messages = %v, want [one three]", got)
	}
	if _, err := h.Fetch(ctx, sids[1]); !errors.Is(err, errs.NotFound) {
		t.Errorf("fetch removed: %v, want not found", err)
	}
	if _, err := h.Role(ctx, "CH1", "nobody"); !errors.Is(err, errs.NotFound) {
		t.Errorf("role of a stranger: %v, want not found", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Send(cctx, attachments.Message{Channel: "CH1"}); !errors.Is(err, errs.Canceled) {
		t.Errorf("send on a cancelled context: %v, want canceled", err)
	}
}

func TestHubHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chat.jsonl")
	h, err := chat.OpenHub(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	media := []attachments.Media{{SID: "ME0123456789abcdef0123456789abcdef", FileName: "a.png", ContentType: "image/png", Size: 3}}
	kept, _ := h.Send(ctx, attachments.Message{Channel: "CH1", Author: "casey", Body: "a.png",
		Attributes: map[string]any{"media": media}})
	gone, _ := h.Send(ctx, attachments.Message{Channel: "CH1", Author: "alex", Body: "oops"})
	_ = h.Remove(ctx, gone.SID)
	_ = h.SetRole(ctx, "CH1", "casey", attachments.Role("blocked"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Send(ctx, attachments.Message{Channel: "CH1"}); !errors.Is(err, errs.Closed) {
		t.Errorf("send after close: %v, want closed", err)
	}

	// A crash cut the last line short: it is skipped, the rest is read.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"send","message":{"sid":"IMtorn`)
	f.Close()

	h2 := openHub(t, path)
	msgs := h2.Messages("CH1")
	if len(msgs) != 1 || msgs[0].SID != kept.SID {
		t.Fatalf("reopened history = %+v, want the kept message only", msgs)
	}
	got, err := msgs[0].Media()
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], media[0]) {
		t.Errorf("media after a reload = %+v, %v; want %+v", got, err, media)
	}
	if r, err := h2.Role(ctx, "CH1", "casey"); err != nil || r != attachments.Role("blocked") {
		t.Errorf("role after a reload = %q, %v; want blocked", r, err)
	}
	// New lines follow the torn one and are read back too.
	if _, err := h2.Send(ctx, attachments.Message{Channel: "CH1", Body: "after"}); err != nil {
		t.Fatal(err)
	}
	h2.Close()
	if n := len(openHub(t, path).Messages("CH1")); n != 2 {
		t.Errorf("after another reload: %d messages, want 2", n)
	}
}

func TestHubSubscriptions(t *testing.T) {
	ctx := context.Background()
	h := openHub(t, "")
	events, cancel, err := h.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	slow, cancelSlow, _ := h.Subscribe()
	defer cancelSlow()

	m, _ := h.Send(ctx, attachments.Message{Channel: "CH1", Body: "hi"})
	if e := <-events; e.Kind != chat.EventMessage || e.Message.SID != m.SID {
		t.Errorf("event = %+v, want the message", e)
	}
	_ = h.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer)
	if e := <-events; e.Kind != chat.EventRole || e.Identity != "casey" {
		t.Errorf("event = %+v, want the role change", e)
	}

	// A subscriber that never reads is dropped once its buffer is full, and
	// learns it from its channel closing; the others keep going.
	for range 100 {
		h.Publish(chat.Event{Kind: chat.EventActivity, Channel: "CH1"})
		<-events
	}
	n := 0
	for range slow {
		n++
	}
	if n == 0 || n >= 100 {
		t.Errorf("the slow subscriber got %d events before being dropped", n)
	}

	h.EndSubscriptions()
	if _, ok := <-events; ok {
		t.Error("the channel is open after EndSubscriptions")
	}
	if _, _, err := h.Subscribe(); !errors.Is(err, errs.Closed) {
		t.Errorf("subscribe after the end: %v, want closed", err)
	}
	cancel() // after the end: does nothing
	if _, err := h.Send(ctx, attachments.Message{Channel: "CH1"}); err != nil {
		t.Errorf("send after the streams ended: %v; the hub works until Close", err)
	}
}
