package webhook_test

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/webhook"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","action":"SendMediaMessage"}`)
	good := webhook.Sign(secret, now, body)
	clock := &webhook.VerifyOptions{Now: func() time.Time { return now }}
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := strings.TrimPrefix(good, "t="+ts+",v1=")

	tests := []struct {
		name       string
		secret     []byte
		header     string
		body       []byte
		opts       *webhook.VerifyOptions
		wantCode   errs.Code
		wantReason string
	}{
		{"valid", secret, good, body, clock, "", ""},
		{"valid, spaces", secret, "t=" + ts + ", v1=" + sig, body, clock, "", ""},
		{"one of several v1", secret, "t=" + ts + ",v1=" + strings.Repeat("0", 64) + ",v1=" + sig, body, clock, "", ""},
		{"unknown keys ignored", secret, "v0=zz,t=" + ts + ",v1=" + sig, body, clock, "", ""},
		{"at the edge of the window", secret, good, body,
			&webhook.VerifyOptions{Now: func() time.Time { return now.Add(webhook.DefaultMaxSkew) }}, "", ""},
		{"changed body", secret, good, []byte(`{"id":"evt_1","action":"DeleteMessage"}`), clock, errs.PermissionDenied, "mismatch"},
		{"other secret", []byte("another secret, long enough"), good, body, clock, errs.PermissionDenied, "mismatch"},
		{"signature not hex", secret, "t=" + ts + ",v1=zz" + sig[2:], body, clock, errs.PermissionDenied, "mismatch"},
		{"timestamp changed", secret, "t=" + strconv.FormatInt(now.Unix()+1, 10) + ",v1=" + sig, body, clock, errs.PermissionDenied, "mismatch"},
		{"replayed later", secret, good, body,
			&webhook.VerifyOptions{Now: func() time.Time { return now.Add(webhook.DefaultMaxSkew + time.Second) }}, errs.PermissionDenied, "expired"},
		{"from the future", secret, good, body,
			&webhook.VerifyOptions{Now: func() time.Time { return now.Add(-time.Minute) }, MaxSkew: 30 * time.Second}, errs.PermissionDenied, "expired"},
		{"empty header", secret, "", body, clock, errs.PermissionDenied, "malformed"},
		{"no v1", secret, "t=" + ts, body, clock, errs.PermissionDenied, "malformed"},
		{"no t", secret, "v1=" + sig, body, clock, errs.PermissionDenied, "malformed"},
		{"two t", secret, "t=" + ts + ",t=" + ts + ",v1=" + sig, body, clock, errs.PermissionDenied, "malformed"},
		{"t not a number", secret, "t=soon,v1=" + sig, body, clock, errs.PermissionDenied, "malformed"},
		{"no equals", secret, "t" + ts + ",v1=" + sig, body, clock, errs.PermissionDenied, "malformed"},
		{"huge header", secret, good + strings.Repeat(",x=y", 400), body, clock, errs.PermissionDenied, "malformed"},
		{"short secret", []byte("short"), good, body, clock, errs.InvalidArgument, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, tt.body, tt.opts)
			if got := errs.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Verify = %v, want code %q", err, tt.wantCode)
			}
			if e := errs.As(err); e != nil && e.Details.Reason != tt.wantReason {
				t.Errorf("Verify reason = %q, want %q", e.Details.Reason, tt.wantReason)
			}
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	body := `{"id":"evt_1"}`
	tests := []struct {
		name     string
		body     string
		header   string
		maxBody  int64
		wantCode errs.Code
	}{
		{"valid", body, webhook.Sign(secret, time.Now(), []byte(body)), 0, ""},
		{"body at the limit", body, webhook.Sign(secret, time.Now(), []byte(body)), int64(len(body)), ""},
		{"body over the limit", body, webhook.Sign(secret, time.Now(), []byte(body)), int64(len(body)) - 1, errs.InvalidArgument},
		{"unsigned", body, "", 0, errs.PermissionDenied},
		{"signed an hour ago", body, webhook.Sign(secret, time.Now().Add(-time.Hour), []byte(body)), 0, errs.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/hook", strings.NewReader(tt.body))
			if tt.header != "" {
				r.Header.Set(webhook.SignatureHeader, tt.header)
			}
			got, err := webhook.VerifyRequest(r, secret, &webhook.VerifyOptions{MaxBody: tt.maxBody})
			if code := errs.CodeOf(err); code != tt.wantCode {
				t.Fatalf("VerifyRequest = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode == "" && string(got) != tt.body {
				t.Errorf("VerifyRequest body = %q, want %q", got, tt.body)
			}
			if tt.wantCode != "" && got != nil {
				t.Errorf("VerifyRequest returned a body %q with an error", got)
			}
		})
	}
}
