package webhook_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/internal/hookstest"
	"github.com/attachkit/attachments/internal/leaktest"
)

// fast are options that keep retries quick in tests.
func fast(o webhook.NotifierOptions) *webhook.NotifierOptions {
	o.MinBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	if o.Logger == nil {
		o.Logger = (&hookstest.Logs{}).Text()
	}
	return &o
}

func newNotifier(t *testing.T, f *hookstest.Fixture, url string, opts *webhook.NotifierOptions) *webhook.Notifier {
	t.Helper()
	n, err := webhook.NewNotifier(f.Client, url, secret, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return n
}

// closeWithin closes n, failing t if that takes longer than d.
func closeWithin(t *testing.T, n *webhook.Notifier, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return n.Close(ctx)
}

func TestNotifierDelivers(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	rc := newReceiver(t, status(200, ""))
	n := newNotifier(t, f, rc.URL, fast(webhook.NotifierOptions{}))
	sent, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Send(ctx, f.Customer, "evil.png", []byte("MZ\x90\x00 not an image")); err == nil {
		t.Fatal("sending an executable named .png succeeded")
	}
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	envs, _, unsigned := rc.got()
	if unsigned != 0 || len(envs) != 2 {
		t.Fatalf("receiver got %d verified and %d unverified requests, want 2 and 0", len(envs), unsigned)
	}
	// Two workers: the order of arrival is not fixed.
	byCode := map[string]webhook.Envelope{}
	for _, e := range envs {
		byCode[e.Code] = e
	}
	ok := byCode[hooks.OK]
	if ok.Phase != webhook.PhaseAfter || ok.Action != "SendMediaMessage" || ok.MessageSID != sent.Message.SID ||
		len(ok.Media) != 1 || !reflect.DeepEqual(ok.Media[0], sent.Media[0]) || !strings.HasPrefix(ok.ID, "evt_") {
		t.Errorf("success envelope = %+v, want an after-event of message %s", ok, sent.Message.SID)
	}
	if bad, found := byCode[string(errs.TypeMismatch)]; !found || bad.Message == "" || bad.MessageSID != "" {
		t.Errorf("refusal envelope = %+v (found %v), want code %q with its message", bad, found, errs.TypeMismatch)
	}
	if got := n.Stats(); got != (webhook.Stats{Delivered: 2}) {
		t.Errorf("Stats = %+v, want 2 delivered and nothing else", got)
	}
}

func TestNotifierRetries(t *testing.T) {
	tests := []struct {
		name         string
		answer       func(http.ResponseWriter, *http.Request, int)
		maxAttempts  int
		wantRequests int
		want         webhook.Stats
	}{
		{"recovers after two 503", func(w http.ResponseWriter, _ *http.Request, n int) {
			if n <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}, 5, 3, webhook.Stats{Delivered: 1, Retried: 2}},
		{"429 with a long Retry-After, capped", func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		}, 5, 2, webhook.Stats{Delivered: 1, Retried: 1}},
		{"gives up after max attempts", status(500, ""), 3, 3, webhook.Stats{Failed: 1, Retried: 2}},
		{"400 is not retried", status(400, ""), 5, 1, webhook.Stats{Failed: 1}},
		{"a redirect is not followed nor retried", func(w http.ResponseWriter, r *http.Request, _ int) {
			http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusFound)
		}, 5, 1, webhook.Stats{Failed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			rc := newReceiver(t, tt.answer)
			n := newNotifier(t, f, rc.URL, fast(webhook.NotifierOptions{MaxAttempts: tt.maxAttempts}))
			if _, err := f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1)); err != nil {
				t.Fatal(err)
			}
			if err := closeWithin(t, n, 10*time.Second); err != nil {
				t.Fatalf("Close: %v", err)
			}
			envs, _, _ := rc.got()
			if len(envs) != tt.wantRequests {
				t.Fatalf("receiver got %d requests, want %d", len(envs), tt.wantRequests)
			}
			for _, e := range envs[1:] {
				if e.ID != envs[0].ID {
					t.Errorf("a retry carries ID %s, want the first attempt's %s", e.ID, envs[0].ID)
				}
			}
			if got := n.Stats(); got != tt.want {
				t.Errorf("Stats = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A full queue drops new events instead of holding up the action.
func TestNotifierQueueFull(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	var logs hookstest.Logs
	n := newNotifier(t, f, rc.URL, fast(webhook.NotifierOptions{QueueSize: 1, Workers: 1, Logger: logs.Text()}))

	if _, err := f.Send(ctx, f.Customer, "first.png", hookstest.PNG(1, 1)); err != nil {
		t.Fatal(err)
	}
	<-rc.arrived // the one worker is now stuck on the first event
	sent := make(chan error)
	go func() {
		for i := range 4 {
			if _, err := f.Send(ctx, f.Customer, "more.png", hookstest.PNG(1, i+1)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sending blocked on a stuck webhook")
	}
	if got := n.Stats(); got.Dropped != 3 || got.Queued != 1 {
		t.Errorf("Stats with a stuck receiver = %+v, want 3 dropped and 1 queued", got)
	}
	if out := logs.String(); !strings.Contains(out, "dropped") || strings.Contains(out, "alice") {
		t.Errorf("log = %q, want a drop warning without personal data", out)
	}
	close(release)
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := n.Stats(); got.Delivered != 2 || got.Dropped != 3 || got.Queued != 0 {
		t.Errorf("Stats after Close = %+v, want 2 delivered, 3 dropped", got)
	}
}

// Close delivers what is queued, then stops.
func TestNotifierCloseDrains(t *testing.T) {
	leaktest.Check(t)
	ctx := context.Background()
	f := hookstest.New(t)
	rc := newReceiver(t, func(http.ResponseWriter, *http.Request, int) { time.Sleep(5 * time.Millisecond) })
	n := newNotifier(t, f, rc.URL, fast(webhook.NotifierOptions{Workers: 1}))
	for i := range 5 {
		if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := closeWithin(t, n, 10*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := n.Stats(); got != (webhook.Stats{Delivered: 5}) {
		t.Errorf("Stats after Close = %+v, want all 5 delivered", got)
	}
	// Closed: the listeners are gone and nothing more is sent.
	if _, err := f.Send(ctx, f.Customer, "late.png", hookstest.PNG(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(ctx); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if envs, _, _ := rc.got(); len(envs) != 5 {
		t.Errorf("receiver got %d requests, want 5: an event after Close was sent", len(envs))
	}
}

// When Close's context ends first, it abandons the deliveries, stops its
// goroutines and says so.
func TestNotifierCloseGivesUp(t *testing.T) {
	leaktest.Check(t)
	ctx := context.Background()
	f := hookstest.New(t)
	aborted := make(chan struct{}, 10)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		<-r.Context().Done()
		aborted <- struct{}{}
	})
	n := newNotifier(t, f, rc.URL, fast(webhook.NotifierOptions{Workers: 1, Timeout: time.Hour}))
	for i := range 3 {
		if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	<-rc.arrived
	start := time.Now()
	err := closeWithin(t, n, 100*time.Millisecond)
	if errs.CodeOf(err) != errs.Canceled {
		t.Errorf("Close with a stuck receiver = %v, want %q", err, errs.Canceled)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v with a 100ms context", d)
	}
	select {
	case <-aborted:
	case <-time.After(5 * time.Second):
		t.Error("the request in flight was not aborted by Close")
	}
	if got := n.Stats(); got.Dropped != 3 || got.Delivered != 0 {
		t.Errorf("Stats = %+v, want the 3 events dropped", got)
	}
	if envs, _, _ := rc.got(); len(envs) != 1 {
		t.Errorf("receiver got %d requests, want 1: a worker went on after Close", len(envs))
	}
}

func TestNotifierConfig(t *testing.T) {
	f := hookstest.New(t)
	tests := []struct {
		name string
		url  string
		opts *webhook.NotifierOptions
		want errs.Code
	}{
		{"relative URL", "hook", nil, errs.InvalidConfig},
		{"negative queue", "http://127.0.0.1/", &webhook.NotifierOptions{QueueSize: -1}, errs.InvalidConfig},
		{"negative attempts", "http://127.0.0.1/", &webhook.NotifierOptions{MaxAttempts: -1}, errs.InvalidConfig},
		{"negative backoff", "http://127.0.0.1/", &webhook.NotifierOptions{MinBackoff: -time.Second}, errs.InvalidConfig},
		{"unknown action", "http://127.0.0.1/", &webhook.NotifierOptions{Actions: []string{"Nope"}}, errs.UnknownAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := webhook.NewNotifier(f.Client, tt.url, secret, tt.opts)
			if got := errs.CodeOf(err); got != tt.want || n != nil {
				t.Errorf("NewNotifier = (%v, %v), want code %q", n, err, tt.want)
			}
		})
	}
}
