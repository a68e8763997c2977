package webhook_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/webhook"
	"github.com/attachkit/attachments/internal/hookstest"
)

func TestGateAsksWithSignedMetadata(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	rc := newReceiver(t, status(http.StatusNoContent, ""))
	remove, err := webhook.Gate(f.Client, rc.URL, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	png := hookstest.PNG(4, 4)
	sent, err := f.Send(ctx, f.Customer, "holiday.png", png)
	if err != nil {
		t.Fatalf("Send with an allowing gate: %v", err)
	}
	if _, err := f.Download(ctx, f.Agent, sent.Media[0].SID); err != nil {
		t.Fatalf("Download with an allowing gate: %v", err)
	}
	envs, bodies, unsigned := rc.got()
	if unsigned != 0 || len(envs) != 2 {
		t.Fatalf("receiver got %d verified requests and %d unverified, want 2 and 0", len(envs), unsigned)
	}
	up := envs[0]
	if up.Phase != webhook.PhaseBefore || up.Action != "SendMediaMessage" || up.Actor != f.Customer ||
		up.Channel != hookstest.Channel || len(up.Media) != 1 || !reflect.DeepEqual(up.Media[0], sent.Media[0]) ||
		!strings.HasPrefix(up.ID, "evt_") || time.Since(up.Time) > time.Minute || up.Code != "" {
		t.Errorf("upload envelope = %+v, want a before-event of the stored media %+v", up, sent.Media[0])
	}
	if down := envs[1]; down.Action != "DownloadMedia" || down.Actor != f.Agent || down.Media[0].SID != sent.Media[0].SID ||
		down.ID == up.ID {
		t.Errorf("download envelope = %+v, want a DownloadMedia event of %s with its own ID", down, sent.Media[0].SID)
	}
	for _, b := range bodies {
		if bytes.Contains(b, png[:8]) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(png)[:16])) {
			t.Errorf("a webhook body holds the file's bytes: %s", b)
		}
	}

	remove()
	if _, err := f.Send(ctx, f.Customer, "b.png", png); err != nil {
		t.Fatal(err)
	}
	if envs, _, _ := rc.got(); len(envs) != 2 {
		t.Errorf("after remove the receiver got %d requests, want still 2", len(envs))
	}
}

func TestGateAnswers(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(http.ResponseWriter, *http.Request, int)
		failOpen bool
		wantCode errs.Code // "" for allowed
		wantText string
	}{
		{"204", status(204, ""), false, "", ""},
		{"allow true", status(200, `{"allow": true}`), false, "", ""},
		{"no allow field", status(200, `{"reason": "looks fine"}`), false, "", ""},
		{"plain text", status(200, "OK"), false, "", ""},
		{"refused", status(200, `{"allow": false, "reason": "no files on Sundays"}`), false, errs.Canceled, "no files on Sundays"},
		{"refused without reason", status(200, `{"allow": false}`), false, errs.Canceled, webhook.DefaultReason},
		{"403 with reason", status(403, `{"allow": false, "reason": "you have too many files today"}`), false, errs.Canceled, "you have too many files today"},
		{"403 bare", status(403, ""), false, errs.Canceled, webhook.DefaultReason},
		{"404 html", status(404, "<html>not found</html>"), false, errs.Canceled, webhook.DefaultReason},
		{"hostile reason", status(200, `{"allow": false, "reason": "bad\u202efdp.exe\u0000\n\tfile`+strings.Repeat("x", 300)+`"}`),
			false, errs.Canceled, "badfdp.exe file" + strings.Repeat("x", webhook.MaxReasonLen-len("badfdp.exe file"))},
		{"500 fails closed", status(500, ""), false, errs.Unavailable, errs.Unavailable.Message()},
		{"503 fails closed", status(503, `{"allow": true}`), false, errs.Unavailable, errs.Unavailable.Message()},
		{"garbled reply fails closed", status(200, `{"allow": fal`), false, errs.Unavailable, errs.Unavailable.Message()},
		{"500 fails open", status(500, ""), true, "", ""},
		{"garbled reply fails open", status(200, `{"allow": fal`), true, "", ""},
		{"refusal despite fail open", status(200, `{"allow": false, "reason": "no"}`), true, errs.Canceled, "no"},
		{"403 despite fail open", status(403, ""), true, errs.Canceled, webhook.DefaultReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			rc := newReceiver(t, tt.answer)
			if _, err := webhook.Gate(f.Client, rc.URL, secret, &webhook.GateOptions{FailOpen: tt.failOpen, Logger: (&hookstest.Logs{}).Text()}); err != nil {
				t.Fatal(err)
			}
			_, err := f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Send = %v, want it allowed", err)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Text() != tt.wantText {
				t.Fatalf("Send = %v, want code %q with message %q", err, tt.wantCode, tt.wantText)
			}
			if keys := f.Keys(t); len(keys) != 0 {
				t.Errorf("storage after a refusal holds %q, want nothing", keys)
			}
		})
	}
}

// A redirect is not followed: the signed request goes to the URL or nowhere.
func TestGateDoesNotFollowRedirects(t *testing.T) {
	f := hookstest.New(t)
	elsewhere := newReceiver(t, status(204, ""))
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, elsewhere.URL, http.StatusTemporaryRedirect)
	})
	if _, err := webhook.Gate(f.Client, rc.URL, secret, nil); err != nil {
		t.Fatal(err)
	}
	_, err := f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1))
	if errs.CodeOf(err) != errs.Canceled {
		t.Errorf("Send through a redirecting gate = %v, want %q", err, errs.Canceled)
	}
	if envs, _, _ := elsewhere.got(); len(envs) != 0 {
		t.Errorf("the redirect target got %d requests, want 0", len(envs))
	}
}

func TestGateNoAnswer(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
	down := newReceiver(t, nil)
	down.Close()
	tests := []struct {
		name     string
		url      func(t *testing.T) string
		failOpen bool
		wantCode errs.Code
	}{
		{"timeout fails closed", func(t *testing.T) string { return newReceiver(t, hang).URL }, false, errs.Unavailable},
		{"timeout fails open", func(t *testing.T) string { return newReceiver(t, hang).URL }, true, ""},
		{"unreachable fails closed", func(*testing.T) string { return down.URL }, false, errs.Unavailable},
		{"unreachable fails open", func(*testing.T) string { return down.URL }, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			var logs hookstest.Logs
			opts := &webhook.GateOptions{Timeout: 100 * time.Millisecond, FailOpen: tt.failOpen, Logger: logs.Text()}
			if _, err := webhook.Gate(f.Client, tt.url(t), secret, opts); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := f.Send(context.Background(), f.Customer, "private-name.png", hookstest.PNG(1, 1))
			if got := errs.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Send = %v, want code %q", err, tt.wantCode)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Send took %v with a 100ms gate timeout", d)
			}
			if tt.failOpen {
				out := logs.String()
				if !strings.Contains(out, "failing open") || !strings.Contains(out, "SendMediaMessage") {
					t.Errorf("fail-open log = %q, want a warning naming the action", out)
				}
				if strings.Contains(out, "alice") || strings.Contains(out, "private-name") {
					t.Errorf("fail-open log holds personal data: %q", out)
				}
			}
		})
	}
}

// A caller that gives up is never let through, even failing open.
func TestGateCallerCanceled(t *testing.T) {
	f := hookstest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		cancel()
		<-r.Context().Done()
	})
	if _, err := webhook.Gate(f.Client, rc.URL, secret, &webhook.GateOptions{FailOpen: true}); err != nil {
		t.Fatal(err)
	}
	_, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, 1))
	if errs.CodeOf(err) != errs.Canceled {
		t.Errorf("Send with a canceled context = %v, want %q", err, errs.Canceled)
	}
	if keys := f.Keys(t); len(keys) != 0 {
		t.Errorf("storage after a canceled send holds %q, want nothing", keys)
	}
}

func TestGateConfig(t *testing.T) {
	f := hookstest.New(t)
	tests := []struct {
		name   string
		url    string
		secret []byte
		opts   *webhook.GateOptions
		want   errs.Code
	}{
		{"relative URL", "/hook", secret, nil, errs.InvalidConfig},
		{"ftp URL", "ftp://example.com/hook", secret, nil, errs.InvalidConfig},
		{"no host", "http:///hook", secret, nil, errs.InvalidConfig},
		{"garbage URL", "http://[::1", secret, nil, errs.InvalidConfig},
		{"short secret", "http://127.0.0.1/hook", []byte("short"), nil, errs.InvalidConfig},
		{"negative timeout", "http://127.0.0.1/hook", secret, &webhook.GateOptions{Timeout: -1}, errs.InvalidConfig},
		{"unknown action", "http://127.0.0.1/hook", secret, &webhook.GateOptions{Actions: []string{"Nope"}}, errs.UnknownAction},
		{"no action", "http://127.0.0.1/hook", secret, &webhook.GateOptions{Actions: []string{}}, errs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remove, err := webhook.Gate(f.Client, tt.url, tt.secret, tt.opts)
			if got := errs.CodeOf(err); got != tt.want || remove != nil {
				t.Errorf("Gate = (remove %v, %v), want code %q", remove != nil, err, tt.want)
			}
		})
	}
}

// The gate asks about exactly the actions named.
func TestGateActions(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	rc := newReceiver(t, status(200, `{"allow": false, "reason": "read-only today"}`))
	if _, err := webhook.Gate(f.Client, rc.URL, secret, &webhook.GateOptions{Actions: []string{"SendMessage"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, 1)); err != nil {
		t.Errorf("SendMediaMessage, not named, = %v, want allowed", err)
	}
	_, err := attachments.Invoke(ctx, f.Client.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: hookstest.Channel, Sender: f.Customer, Body: "hi"})
	if e := errs.As(err); e == nil || e.Text() != "read-only today" {
		t.Errorf("SendMessage, named, = %v, want refused with the reason", err)
	}
	envs, _, _ := rc.got()
	if len(envs) != 1 || envs[0].Action != "SendMessage" {
		t.Errorf("receiver got %+v, want one SendMessage event", envs)
	}
}
