package webhook_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/internal/hookstest"
	"github.com/attachkit/attachments/jobs"
)

// TestNotifierOnAJobQueueRetriesWithTheSameEventID delivers post-events
// as jobs (in process: jobs.Local): a retried event carries the ID of its
// first attempt, and one the service refuses is given up, not retried.
func TestNotifierOnAJobQueueRetriesWithTheSameEventID(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable) // the first event's first attempt
		case 3:
			w.WriteHeader(http.StatusBadRequest) // the second event, refused for good
		}
	})
	q := jobs.NewLocal(&jobs.LocalOptions{Workers: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		Logger: (&hookstest.Logs{}).Text()})
	n := newNotifier(t, f, rc.URL, &webhook.NotifierOptions{Jobs: q, Actions: []string{string(attachments.SendMediaMessage)},
		Logger: (&hookstest.Logs{}).Text()})
	if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(2, 2)); err != nil {
		t.Fatal(err)
	}
	<-rc.arrived
	<-rc.arrived // the retry: the queue runs one job at a time
	if _, err := f.Send(ctx, f.Customer, "b.png", hookstest.PNG(2, 2)); err != nil {
		t.Fatal(err)
	}
	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := q.Close(closeCtx); err != nil {
		t.Fatalf("the queue did not drain: %v", err)
	}
	envs, _, unsigned := rc.got()
	if unsigned != 0 || len(envs) != 3 {
		t.Fatalf("the service got %d signed events and %d unsigned, want 3 signed: two attempts of the first, one of the second", len(envs), unsigned)
	}
	if envs[0].ID != envs[1].ID || envs[0].ID == envs[2].ID {
		t.Errorf("event IDs %s, %s, %s: a retry must carry its event's ID, another event another", envs[0].ID, envs[1].ID, envs[2].ID)
	}
	if d, _ := q.Discarded(ctx); d != 1 {
		t.Errorf("%d jobs given up, want 1: the refused event", d)
	}
	if s := n.Stats(); s.Delivered != 1 || s.Retried != 1 || s.Failed != 1 {
		t.Errorf("Stats %+v, want one delivered, one retried, one failed", s)
	}
}
