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
	require.NoError(t, err, "the agent cannot send the file to download")
	msg := res.Message.SID
	for _, who := range []attachments.Member{customer, agent, supervisor} {
		_, err := download(e, who, channel, msg)
		assert.NoError(t, err, "%s cannot download a file sent in its channel", who.Identity)
	}
	_, err = download(e, stranger, channel, msg)
	assert.Equal(t, errs.PermissionDenied, code(err), "someone outside the channel downloads the file: %v", err)
	// Naming another channel, where the stranger is a member, finds nothing.
	_, err = download(e, stranger, "CH2", msg)
	assert.Equal(t, errs.NotFound, code(err), "the file downloads through another channel: %v", err)
	_ = e.members.SetRole(context.Background(), channel, customer.Identity, attachments.Role("blocked"))
	_, err = download(e, customer, channel, msg)
	assert.Equal(t, errs.PermissionDenied, code(err), "a blocked member downloads the file: %v", err)
	// Someone else's draft file is not downloadable by SID.
	a, err := attach(e, agent, pngFile(t, "draft.png"))
	require.NoError(t, err, "the agent cannot attach a draft file")
	_, err = attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: supervisor, MediaSID: a.Media.SID})
	assert.Equal(t, errs.NotFound, code(err), "another member's draft file downloads by its SID: %v", err)
	_, err = attachments.Invoke(context.Background(), e.c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: agent, MediaSID: a.Media.SID})
	assert.NoError(t, err, "the owner cannot preview its draft file")

	e2 := newEnv(t, envOptions{cfg: &noCustomer})
	res2, err := e2.send(context.Background(), agent, pngFile(t, "a.png"))
	require.NoError(t, err, "the agent cannot send a file while the customer side is disabled")
	_, err = download(e2, customer, channel, res2.Message.SID)
	assert.Equal(t, errs.AttachmentsDisabled, code(err), "a side with attachments disabled downloads the file: %v", err)
}

func TestDownloadLinkExpires(t *testing.T) {
	e := newEnv(t, envOptions{})
	res, err := e.send(context.Background(), customer, pngFile(t, "a.png"))
	require.NoError(t, err, "the customer cannot send the file")
	dl, err := download(e, agent, channel, res.Message.SID)
	require.NoError(t, err, "the agent cannot get a download link")
	assert.Equal(t, 5*time.Minute, dl.Link.ExpiresAt.Sub(e.clock.Now()), "the download link lives the wrong time")
	status, _ := e.fetch(t, dl.Link.URL)
	require.Equal(t, 200, status, "a fresh download link does not serve the file")
	e.clock.Advance(5*time.Minute + time.Second)
	status, _ = e.fetch(t, dl.Link.URL)
	assert.Equal(t, 403, status, "an expired download link still serves the file")
}

func TestDeleteMessage(t *testing.T) {
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		d := &faultyDriver{Driver: newStore().Driver()}
		e := newEnv(t, envOptions{store: storage.NewBucket(d)})
		ctx := context.Background()
		res, err := e.send(ctx, customer, pngFile(t, "a.png"))
		require.NoError(t, err, "the customer cannot send the file")
		dl, _ := download(e, agent, channel, res.Message.SID)
		del := func(who attachments.Member) (attachments.DeleteMessageResult, error) {
			return attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
				attachments.DeleteMessagePayload{Channel: channel, Requester: who, MessageSID: res.Message.SID})
		}
		_, err = del(stranger)
		assert.Equal(t, errs.PermissionDenied, code(err), "a stranger deletes the message: %v", err)
		// The media delete fails: the error says so, and the message stays.
		d.deletes.Store(true)
		_, err = del(agent)
		require.Error(t, err, "a delete whose media could not be deleted reports success")
		assert.Contains(t, errs.As(err).Text(), "files", "the failed media delete's error does not say the files stayed: %v", err)
		require.Len(t, e.chat.Messages(channel), 1, "the message went while its media stayed")
		d.deletes.Store(false)
		got, err := del(agent) // the retry finishes the job
		require.NoError(t, err, "the retried delete fails")
		require.True(t, got.Deleted, "the retried delete does not delete the message: %+v", got)
		require.Len(t, got.Media, 1, "the retried delete does not delete the message's one file: %+v", got)
		assert.Empty(t, e.chat.Messages(channel), "the message is still there after its delete")
		e.mustBeEmpty(t)
		status, _ := e.fetch(t, dl.Link.URL)
		assert.Equal(t, 404, status, "a download link to deleted media does not say not found")
		again, err := del(agent)
		assert.NoError(t, err, "deleting an already deleted message fails instead of a quiet success")
		assert.False(t, again.Deleted, "deleting an already deleted message reports a delete instead of a quiet success: %+v", again)
	})
}

func TestOnlyAuthorsAndModeratorsDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	byAgent, err := attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: agent, Body: "hi"})
	require.NoError(t, err, "the agent cannot send a text message")
	byCustomer, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err, "the customer cannot send the file")
	del := func(who attachments.Member, sid string) error {
		_, err := attachments.Invoke(ctx, e.c.Registry(), attachments.DeleteMessage,
			attachments.DeleteMessagePayload{Channel: channel, Requester: who, MessageSID: sid})
		return err
	}
	err = del(customer, byAgent.Message.SID)
	assert.Equal(t, errs.PermissionDenied, code(err), "the customer deletes the agent's message: %v", err)
	assert.NoError(t, del(customer, byCustomer.Message.SID), "the author cannot delete its own message")
	assert.NoError(t, del(supervisor, byAgent.Message.SID), "a supervisor cannot delete a message")
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
			require.NoError(t, f(), "the customer cannot store a file to erase")
		}
		theirs, err := e.send(ctx, agent, pngFile(t, "agent.png"))
		require.NoError(t, err, "the agent cannot send the file that must survive")
		n, err := e.c.EraseMember(ctx, customer.Identity)
		require.NoError(t, err, "erasing the member fails")
		require.Equal(t, 3, n, "erasing the member does not erase its three files")
		for _, k := range e.keys(t) {
			assert.True(t, k == "media/"+theirs.Media[0].SID || strings.HasSuffix(k, theirs.Media[0].SID),
				"storage key %s is left behind after erasure", k)
		}
		d, _ := e.c.Draft(ctx, channel, customer)
		assert.Empty(t, d.Files, "the erased member's draft still lists files")
		_, err = download(e, agent, channel, theirs.Message.SID)
		assert.NoError(t, err, "another member's media went too")
	})
}

func TestJournalRecordsAndPurges(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	_, err := e.send(ctx, customer, pngFile(t, "secret-name.png"))
	require.NoError(t, err, "the customer cannot send the file")
	_, _ = e.send(ctx, customer, &attachments.File{Name: "evil.png", Body: bytes.NewReader(peLike())})
	entries, err := e.ledger.Entries(ctx, ledger.EntryQuery{})
	require.NoError(t, err)
	require.Len(t, entries, 2, "the journal should hold the send and the refusal")
	sent := entries[1]
	assert.Equal(t, "SendMediaMessage", sent.Action, "the send's journal entry names the wrong action: %+v", sent)
	assert.Equal(t, customer.Identity, sent.Actor, "the send's journal entry names the wrong actor: %+v", sent)
	assert.Equal(t, channel, sent.Channel, "the send's journal entry names the wrong channel: %+v", sent)
	assert.Equal(t, []string{"secret-name.png"}, sent.FileNames, "the send's journal entry does not name the one file sent: %+v", sent)
	assert.Equal(t, "ok", sent.Code, "the send's journal entry does not record a success: %+v", sent)
	require.Len(t, sent.MediaSIDs, 1, "the send's journal entry does not hold the one media SID: %+v", sent)
	assert.True(t, attachments.IsMediaSID(sent.MediaSIDs[0]), "the send's journal entry holds %q, not a media SID", sent.MediaSIDs[0])
	assert.NotEmpty(t, sent.MessageSID, "the send's journal entry does not name the message: %+v", sent)
	g := entries[0]
	assert.Equal(t, string(errs.TypeMismatch), g.Code, "the refusal's code")
	assert.NotEmpty(t, g.Message, "the journal should keep the words the refused member was shown")
	e.clock.Advance(6 * 24 * time.Hour)
	_, err = attachments.Invoke(ctx, e.c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: channel, Sender: agent, Body: "later"})
	require.NoError(t, err, "the agent cannot send a later message")
	e.clock.Advance(36 * time.Hour) // the first two are 7.5 days old, the last 1.5
	r, err := e.c.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, r.JournalEntries, "entries past the retention period should be purged")
	left, err := e.ledger.Entries(ctx, ledger.EntryQuery{})
	require.NoError(t, err)
	require.Len(t, left, 1, "the purge should leave only the entry within the retention period: %+v", left)
	assert.Equal(t, agent.Identity, left[0].Actor, "the purge left the wrong entry: %+v", left)

	// The library's own info-level logs never name people or files.
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, e.members, &attachments.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})), SweepInterval: time.Millisecond})
	require.NoError(t, err, "a Client with an info-level logger cannot be made")
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: channel, Sender: customer, File: pngFile(t, "secret-name.png")})
	require.NoError(t, err, "the customer cannot attach the file")
	time.Sleep(10 * time.Millisecond)
	_ = c.Close(context.Background())
	s := logs.String()
	assert.NotContains(t, s, "secret-name", "the logs hold personal data: a file's name")
	assert.NotContains(t, s, customer.Identity, "the logs hold personal data: a member's identity")
}

func TestDefaultLinkKeyWarns(t *testing.T) {
	var logs bytes.Buffer
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err, "a Client without a link key cannot be made")
	defer c.Close(context.Background())
	assert.Contains(t, logs.String(), "random key", "no warning about the ephemeral link key")
}
