package attachments_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

func download(e *env, who attachments.Member, ch, msg string) (attachments.DownloadMediaResult, error) {
	return attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: ch, Requester: who, MessageSID: msg})
}

func TestDownloadMediaPermissions(t *testing.T) {
	noCustomer := attachments.DefaultConfig()
	noCustomer.Customer.FileAttachment.Enabled = false
	e := newEnv(t, envOptions{})
	res, err := e.send(context.Background(), agent, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	msg := res.Message.SID
	for _, who := range []attachments.Member{customer, agent, supervisor} {
		if _, err := download(e, who, channel, msg); err != nil {
			t.Errorf("%s cannot download: %v", who.Identity, err)
		}
	}
	if _, err := download(e, stranger, channel, msg); code(err) != errs.PermissionDenied {
		t.Errorf("someone outside the channel downloads: err = %v", err)
	}
	// Naming another channel, where the stranger is a member, finds nothing.
	if _, err := download(e, stranger, "CH2", msg); code(err) != errs.NotFound {
		t.Errorf("download through another channel: err = %v, want not_found", err)
	}
	_ = e.members.SetRole(context.Background(), channel, customer.Identity, attachments.Role("blocked"))
	if _, err := download(e, customer, channel, msg); code(err) != errs.PermissionDenied {
		t.Errorf("blocked member downloads: err = %v", err)
	}
	// Someone else's draft file is not downloadable by SID.
	a, err := attach(e, agent, pngFile(t, "draft.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: supervisor, MediaSID: a.Media.SID}); code(err) != errs.NotFound {
		t.Errorf("download of another's draft file: err = %v, want not_found", err)
	}
	if _, err := attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: agent, MediaSID: a.Media.SID}); err != nil {
		t.Errorf("the owner cannot preview its draft file: %v", err)
	}

	e2 := newEnv(t, envOptions{cfg: &noCustomer})
	res2, err := e2.send(context.Background(), agent, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := download(e2, customer, channel, res2.Message.SID); code(err) != errs.AttachmentsDisabled {
		t.Errorf("download to a disabled side: err = %v, want attachments_disabled", err)
	}
}

func TestDownloadLinkExpires(t *testing.T) {
	e := newEnv(t, envOptions{})
	res, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := download(e, agent, channel, res.Message.SID)
	if err != nil {
		t.Fatal(err)
	}
	if got := dl.Link.ExpiresAt.Sub(e.clock.Now()); got != 5*time.Minute {
		t.Errorf("link lives %v, want %v", got, 5*time.Minute)
	}
	if status, _ := e.fetch(t, dl.Link.URL); status != 200 {
		t.Fatalf("fresh link: %d", status)
	}
	e.clock.Advance(5*time.Minute + time.Second)
	if status, _ := e.fetch(t, dl.Link.URL); status != 403 {
		t.Errorf("expired link: %d, want 403", status)
	}
}

func TestDeleteMessage(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		d := &faultyDriver{Driver: newStore().Driver()}
		e := newEnv(t, envOptions{store: storage.NewBucket(d)})
		ctx := context.Background()
		res, err := e.send(ctx, customer, pngFile(t, "a.png"))
		if err != nil {
			t.Fatal(err)
		}
		dl, _ := download(e, agent, channel, res.Message.SID)
		del := func(who attachments.Member) (attachments.DeleteMessageResult, error) {
			return attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
				attachments.DeleteMessagePayload{Channel: channel, Requester: who, MessageSID: res.Message.SID})
		}
		if _, err := del(stranger); code(err) != errs.PermissionDenied {
			t.Errorf("a stranger deletes: err = %v", err)
		}
		// The media delete fails: the error says so, and the message stays.
		d.deletes.Store(true)
		if _, err := del(agent); err == nil || !strings.Contains(errs.As(err).Text(), "files") {
			t.Errorf("failed media delete: err = %v, want it said", err)
		}
		if len(e.chat.Messages(channel)) != 1 {
			t.Fatal("the message went while its media stayed")
		}
		d.deletes.Store(false)
		got, err := del(agent) // the retry finishes the job
		if err != nil || !got.Deleted || len(got.Media) != 1 {
			t.Fatalf("retry = %+v, %v", got, err)
		}
		if len(e.chat.Messages(channel)) != 0 {
			t.Error("the message is still there")
		}
		e.mustBeEmpty(t)
		if status, _ := e.fetch(t, dl.Link.URL); status != 404 {
			t.Errorf("link to deleted media: %d, want 404", status)
		}
		again, err := del(agent)
		if err != nil || again.Deleted {
			t.Errorf("second delete = %+v, %v; want a quiet success", again, err)
		}
	})
}

func TestOnlyAuthorsAndModeratorsDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	byAgent, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: agent, Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	byCustomer, err := e.send(ctx, customer, pngFile(t, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	del := func(who attachments.Member, sid string) error {
		_, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: who, MessageSID: sid})
		return err
	}
	if err := del(customer, byAgent.Message.SID); code(err) != errs.PermissionDenied {
		t.Errorf("customer deletes the agent's message: err = %v", err)
	}
	if err := del(customer, byCustomer.Message.SID); err != nil {
		t.Errorf("author deletes its own: %v", err)
	}
	if err := del(supervisor, byAgent.Message.SID); err != nil {
		t.Errorf("supervisor deletes: %v", err)
	}
}

func TestEraseMember(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		e := newEnv(t, envOptions{store: newStore()})
		ctx := context.Background()
		_ = e.members.SetRole(ctx, "CH2", customer.Identity, attachments.RoleCustomer)
		mine := []func() error{
			func() error { _, err := e.send(ctx, customer, pngFile(t, "a.png")); return err },
			func() error {
				_, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMediaMessage,
					attachments.SendMediaMessagePayload{Channel: "CH2", Sender: customer, File: pngFile(t, "b.png")})
				return err
			},
			func() error { _, err := attach(e, customer, pngFile(t, "c.png")); return err },
		}
		for _, f := range mine {
			if err := f(); err != nil {
				t.Fatal(err)
			}
		}
		theirs, err := e.send(ctx, agent, pngFile(t, "agent.png"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.c.EraseMember(ctx, customer.Identity)
		if err != nil || n != 3 {
			t.Fatalf("EraseMember = %d, %v; want 3", n, err)
		}
		for _, k := range e.keys(t) {
			if k != "media/"+theirs.Media[0].SID && !strings.HasSuffix(k, theirs.Media[0].SID) {
				t.Errorf("left behind after erasure: %s", k)
			}
		}
		if d, _ := e.c.Draft(ctx, channel, customer); len(d.Files) != 0 {
			t.Errorf("erased member's draft still lists %v", d.Files)
		}
		if _, err := download(e, agent, channel, theirs.Message.SID); err != nil {
			t.Errorf("another member's media went too: %v", err)
		}
	})
}

func TestJournalRecordsAndPurges(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.send(ctx, customer, pngFile(t, "secret-name.png")); err != nil {
		t.Fatal(err)
	}
	_, _ = e.send(ctx, customer, &attachments.File{Name: "evil.png", Body: bytes.NewReader(peLike())})
	entries, err := e.ledger.Entries(ctx, ledger.EntryQuery{})
	require.NoError(t, err)
	require.Len(t, entries, 2, "the journal should hold the send and the refusal")
	if g := entries[1]; g.Action != "SendMediaMessage" || g.Actor != customer.Identity || g.Channel != channel ||
		len(g.FileNames) != 1 || g.FileNames[0] != "secret-name.png" || g.Code != "ok" ||
		len(g.MediaSIDs) != 1 || !attachments.IsMediaSID(g.MediaSIDs[0]) || !attachments.IsMediaSID(g.MediaSIDs[0]) || g.MessageSID == "" {
		t.Errorf("entry = %+v", g)
	}
	g := entries[0]
	assert.Equal(t, string(errs.TypeMismatch), g.Code, "the refusal's code")
	assert.NotEmpty(t, g.Message, "the journal should keep the words the refused member was shown")
	e.clock.Advance(6 * 24 * time.Hour)
	if _, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: agent, Body: "later"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(36 * time.Hour) // the first two are 7.5 days old, the last 1.5
	r, err := e.c.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, r.JournalEntries, "entries past the retention period should be purged")
	left, err := e.ledger.Entries(ctx, ledger.EntryQuery{})
	require.NoError(t, err)
	if len(left) != 1 || left[0].Actor != agent.Identity {
		t.Errorf("left = %+v", left)
	}

	// The library's own info-level logs never name people or files.
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, e.members, &attachments.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})), JanitorInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: channel, Sender: customer, File: pngFile(t, "secret-name.png")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	_ = c.Close()
	if s := logs.String(); strings.Contains(s, "secret-name") || strings.Contains(s, customer.Identity) {
		t.Errorf("logs hold personal data:\n%s", s)
	}
}

func TestDefaultLinkKeyWarns(t *testing.T) {
	var logs bytes.Buffer
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.Contains(logs.String(), "random key") {
		t.Errorf("no warning about the ephemeral link key:\n%s", logs.String())
	}
}
