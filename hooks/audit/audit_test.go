package audit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/hooks/audit"
	"github.com/attachkit/attachments/internal/hookstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Personal data the log must never hold.
const (
	channel  = "conversation-with-jane-doe"
	jane     = "jane.doe@example.com"
	agent    = "agent.smith@example.com"
	fileName = "jane-passport-scan.png"
	text     = "my address is 1 Main Street"
	reason   = "jane.doe is over her quota"
)

var key = []byte("a key for hashing channel names")

// newClient returns a Client whose members and channel carry personal data.
func newClient(t *testing.T) (*attachments.Client, attachments.Member, attachments.Member) {
	t.Helper()
	ctx := context.Background()
	members := &attachmentstest.Members{}
	customer := attachments.Member{Identity: jane}
	ag := attachments.Member{Identity: agent}
	_ = members.SetRole(ctx, channel, jane, attachments.RoleCustomer)
	_ = members.SetRole(ctx, channel, agent, attachments.RoleAgent)
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c, customer, ag
}

func send(ctx context.Context, c *attachments.Client, m attachments.Member, name string, body []byte) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: channel, Sender: m, File: &attachments.File{Name: name, Body: bytes.NewReader(body)},
	})
}

func TestAuditLogsOutcomesWithoutPersonalData(t *testing.T) {
	ctx := context.Background()
	c, customer, ag := newClient(t)
	var logs hookstest.Logs
	if _, err := audit.Install(c, logs.JSON(), &audit.Options{ChannelKey: key}); err != nil {
		t.Fatal(err)
	}
	png := hookstest.PNG(3, 3)

	// 1: a file sent.
	sent, err := send(ctx, c, customer, fileName, png)
	if err != nil {
		t.Fatal(err)
	}
	// 2: a file refused by the policy.
	if _, err := send(ctx, c, customer, fileName, []byte("MZ\x90\x00 not a png")); err == nil {
		t.Fatal("an executable named .png was sent")
	}
	// 3, 4: refused by listeners, for malware and with a reason naming the sender.
	removeScan, _ := hooks.Before(c, func(context.Context, hooks.Event) error {
		return &errs.Error{Code: errs.Infected, Details: errs.Details{Reason: "Eicar-Test-Signature"}}
	}, hooks.UploadActions()...)
	if _, err := send(ctx, c, customer, fileName, png); !errors.Is(err, errs.Infected) {
		t.Fatalf("send with a scanner refusing = %v", err)
	}
	removeScan()
	removeQuota, _ := hooks.Before(c, func(context.Context, hooks.Event) error { return attachments.Cancel(reason) }, hooks.UploadActions()...)
	if _, err := send(ctx, c, customer, fileName, png); err == nil {
		t.Fatal("send with a quota listener refusing succeeded")
	}
	removeQuota()
	// 5: a text message.
	said, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: customer, Body: text})
	if err != nil {
		t.Fatal(err)
	}
	// 6: a download, whose link must not be logged.
	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: ag, MessageSID: sent.Message.SID})
	if err != nil {
		t.Fatal(err)
	}
	// 7: blocking a member.
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: ag, Target: jane}); err != nil {
		t.Fatal(err)
	}
	// 8: deleting the message.
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: channel, Requester: ag, MessageSID: sent.Message.SID}); err != nil {
		t.Fatal(err)
	}

	out := logs.String()
	for _, personal := range []string{jane, agent, channel, fileName, "passport", text, reason, dl.Link.URL} {
		if strings.Contains(out, personal) {
			t.Errorf("the audit log holds personal data %q:\n%s", personal, out)
		}
	}

	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(channel))
	wantChannel := hex.EncodeToString(mac.Sum(nil))[:16]
	md := sent.Media[0]
	wantMedia := map[string]any{"0": map[string]any{"sid": md.SID, "type": "image/png", "size": float64(md.Size)}}
	tests := []struct {
		action, code, level, side string
		message                   string
		media                     bool
		signature                 string
	}{
		{"SendMediaMessage", "ok", "INFO", "customer", sent.Message.SID, true, ""},
		{"SendMediaMessage", "type_mismatch", "WARN", "customer", "", false, ""},
		{"SendMediaMessage", "infected", "WARN", "customer", "", false, "Eicar-Test-Signature"},
		{"SendMediaMessage", "canceled", "WARN", "customer", "", false, ""},
		{"SendMessage", "ok", "INFO", "customer", said.Message.SID, false, ""},
		{"DownloadMedia", "ok", "INFO", "agent", sent.Message.SID, true, ""},
		{"BlockMember", "ok", "INFO", "agent", "", false, ""},
		{"DeleteMessage", "ok", "INFO", "agent", sent.Message.SID, true, ""},
	}
	recs := logs.Records(t)
	if len(recs) != len(tests) {
		t.Fatalf("logged %d records, want %d:\n%s", len(recs), len(tests), out)
	}
	for i, want := range tests {
		r := recs[i]
		if r["msg"] != audit.Message || r["action"] != want.action || r["code"] != want.code || r["level"] != want.level ||
			r["side"] != want.side || r["channel"] != wantChannel {
			t.Errorf("record %d = %v, want action %s code %s level %s side %s channel %s",
				i, r, want.action, want.code, want.level, want.side, wantChannel)
		}
		if got, _ := r["message"].(string); got != want.message {
			t.Errorf("record %d message = %q, want %q", i, got, want.message)
		}
		if got, _ := r["signature"].(string); got != want.signature {
			t.Errorf("record %d signature = %q, want %q", i, got, want.signature)
		}
		if want.media {
			if got, _ := json.Marshal(r["media"]); string(got) != mustJSON(wantMedia) {
				t.Errorf("record %d media = %s, want %s", i, got, mustJSON(wantMedia))
			}
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAuditChannel(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
	}{
		{"no key: left out", nil},
		{"keyed hash", key},
		{"another key: another hash", []byte("another key, just as long")},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, customer, _ := newClient(t)
			var logs hookstest.Logs
			if _, err := audit.Install(c, logs.JSON(), &audit.Options{ChannelKey: tt.key}); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := send(context.Background(), c, customer, "a.png", hookstest.PNG(1, 1)); err != nil {
					t.Fatal(err)
				}
			}
			recs := logs.Records(t)
			got, has := recs[0]["channel"].(string)
			if tt.key == nil {
				if has {
					t.Errorf("channel logged as %q without a key, want it left out", got)
				}
				return
			}
			if len(got) != 16 || recs[1]["channel"] != got {
				t.Errorf("channel = %q then %q, want the same 16 hex digits", got, recs[1]["channel"])
			}
			for other, h := range seen {
				if h == got {
					t.Errorf("keys %q and %q hash the channel alike", other, tt.key)
				}
			}
			seen[string(tt.key)] = got
		})
	}
}

// A failure of the system is logged as an error, so it pages someone.
func TestAuditLevels(t *testing.T) {
	c, customer, _ := newClient(t)
	var logs hookstest.Logs
	if _, err := audit.Install(c, logs.JSON(), &audit.Options{Actions: hooks.UploadActions()}); err != nil {
		t.Fatal(err)
	}
	remove, _ := hooks.Before(c, func(context.Context, hooks.Event) error {
		return &errs.Error{Code: errs.Unavailable}
	}, hooks.UploadActions()...)
	_, _ = send(context.Background(), c, customer, "a.png", hookstest.PNG(1, 1))
	remove()
	_, _ = attachments.Invoke(context.Background(), c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: customer, Body: "not audited"})
	recs := logs.Records(t)
	if len(recs) != 1 || recs[0]["level"] != "ERROR" || recs[0]["code"] != "unavailable" {
		t.Errorf("records = %v, want one ERROR record of code unavailable and nothing for SendMessage", recs)
	}
}

func TestInstallErrors(t *testing.T) {
	c, _, _ := newClient(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name   string
		logger *slog.Logger
		opts   *audit.Options
		want   errs.Code
	}{
		{"nil logger", nil, nil, errs.InvalidArgument},
		{"short key", logger, &audit.Options{ChannelKey: []byte("short")}, errs.InvalidConfig},
		{"empty key", logger, &audit.Options{ChannelKey: []byte{}}, errs.InvalidConfig},
		{"unknown action", logger, &audit.Options{Actions: []string{"Nope"}}, errs.UnknownAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remove, err := audit.Install(c, tt.logger, tt.opts)
			if errs.CodeOf(err) != tt.want || remove != nil {
				t.Errorf("Install = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestAuditLogsUnblocksAsWellAsBlocks: every built-in action is audited,
// the unblock that undoes a block included, with the side of the actor's
// role.
func TestAuditLogsUnblocksAsWellAsBlocks(t *testing.T) {
	ctx := context.Background()
	c, customer, ag := newClient(t)
	var logs hookstest.Logs
	_, err := audit.Install(c, logs.JSON(), nil)
	require.NoError(t, err)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: channel, Requester: ag, Target: customer.Identity})
	require.NoError(t, err)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.UnblockMember,
		attachments.UnblockMemberPayload{Channel: channel, Requester: ag, Target: customer.Identity})
	require.NoError(t, err)
	var actions []any
	for _, r := range logs.Records(t) {
		actions = append(actions, r["action"])
		assert.Equal(t, "agent", r["side"], "the side is the agent's role's")
	}
	assert.Equal(t, []any{"BlockMember", "UnblockMember"}, actions, "an unblock must be audited like the block it undoes")
	assert.NotContains(t, logs.String(), customer.Identity)
}
