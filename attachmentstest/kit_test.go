package attachmentstest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/validate"
)

// recorder is a test's T that records failures instead of failing it, so a
// test can check what the kit reports; cleanups go to the real test.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (r *recorder) FailNow() { r.failures = append(r.failures, "FailNow") }

var (
	textOnly = validate.Policy{Enabled: true, MaxFileSize: 10_000, AcceptedExtensions: []string{"txt"}}
	notes    = []byte("a short note\n")
	// longNotes passes the header Check sniffs and the limit only further on.
	longNotes = bytes.Repeat([]byte("a line of notes\n"), 1000)
)

func TestCheckDrainsTheStream(t *testing.T) {
	_, r, err := textOnly.Check(context.Background(), "notes.txt", "", 0, bytes.NewReader(longNotes))
	require.NoError(t, err, "the premise: the header alone passes the policy")
	require.NotNil(t, r)

	_, err = attachmentstest.Check(textOnly, "notes.txt", longNotes)
	assert.ErrorIs(t, err, errs.FileTooLarge, "a file over the limit would pass a host's test and be refused in production")

	v, err := attachmentstest.Check(textOnly, "notes.txt", notes)
	assert.NoError(t, err)
	assert.Equal(t, "text/plain", v.ContentType, "the verdict does not carry the sniffed type")
}

func TestAcceptsAndRefusesReport(t *testing.T) {
	tests := []struct {
		why     string
		check   func(t attachmentstest.T) bool
		pass    bool
		mention string
	}{
		{"accepts a file the policy accepts",
			func(t attachmentstest.T) bool { return attachmentstest.Accepts(t, textOnly, "notes.txt", notes) }, true, ""},
		{"accepts fails on a refusal, naming the code",
			func(t attachmentstest.T) bool { return attachmentstest.Accepts(t, textOnly, "notes.txt", longNotes) }, false, "file_too_large"},
		{"refuses with the right code",
			func(t attachmentstest.T) bool {
				return attachmentstest.Refuses(t, textOnly, "notes.txt", longNotes, errs.FileTooLarge)
			}, true, ""},
		{"refuses fails on another code",
			func(t attachmentstest.T) bool {
				return attachmentstest.Refuses(t, textOnly, "notes.pdf", notes, errs.FileTooLarge)
			}, false, "not accepted"},
		{"refuses fails when the file goes through",
			func(t attachmentstest.T) bool {
				return attachmentstest.Refuses(t, textOnly, "notes.txt", notes, errs.EmptyFile)
			}, false, "accepts"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			rec := &recorder{TB: t}
			assert.Equal(t, tt.pass, tt.check(rec), "the assertion's result")
			if tt.pass {
				assert.Empty(t, rec.failures, "a passing assertion failed the test")
				return
			}
			require.Len(t, rec.failures, 1, "a failing assertion did not fail the test once")
			assert.Contains(t, rec.failures[0], tt.mention, "the failure does not say what the sender would see")
		})
	}
}

func TestPolicyOfAConfig(t *testing.T) {
	cfg := attachments.DefaultConfig()
	attachmentstest.Accepts(t, attachmentstest.Policy(t, cfg, attachments.SideCustomer, attachments.ChannelWeb), "notes.txt", notes)
	attachmentstest.Refuses(t, attachmentstest.Policy(t, cfg, attachments.SideCustomer, attachments.ChannelSMS), "notes.txt", notes,
		errs.ExtensionNotAllowed)
	cfg.Customer.FileAttachment.Enabled = false
	attachmentstest.Refuses(t, attachmentstest.Policy(t, cfg, attachments.SideCustomer, ""), "notes.txt", notes,
		errs.AttachmentsDisabled)
}

func TestRunBeforeReadsTheStoredFile(t *testing.T) {
	for _, action := range []string{"SendMediaMessage", "AttachFile"} {
		t.Run(action, func(t *testing.T) {
			var read []byte
			var err error
			switch action {
			case "SendMediaMessage":
				err = attachmentstest.RunBefore(t, attachments.SendMediaMessage,
					func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
						read = readAll(t, ctx, p.File)
						return p, nil
					}, "notes.txt", notes)
			case "AttachFile":
				err = attachmentstest.RunBefore(t, attachments.AttachFile,
					func(ctx context.Context, p attachments.AttachFilePayload) (attachments.AttachFilePayload, error) {
						read = readAll(t, ctx, p.File)
						return p, attachments.Cancel("no")
					}, "notes.txt", notes)
				assert.ErrorIs(t, err, errs.Canceled, "the listener's cancel does not reach the test")
				err = nil
			}
			assert.NoError(t, err)
			assert.Equal(t, notes, read, "a content listener would check other bytes than those sent")
		})
	}
}

func readAll(t *testing.T, ctx context.Context, f *attachments.File) []byte {
	rc, err := f.Open(ctx)
	require.NoError(t, err, "the listener cannot open the file it checks")
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

func TestRunBeforeFailsWhenTheListenerNeverRuns(t *testing.T) {
	rec := &recorder{TB: t}
	err := attachmentstest.RunBefore(rec, attachments.SendMediaMessage,
		func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			return p, attachments.Cancel("refused by the rule")
		}, "setup.exe", []byte("MZ\x90\x00"))
	assert.ErrorIs(t, err, errs.TypeNotAllowed, "the premise: the policy refuses the file first")
	require.Len(t, rec.failures, 1, "a test of the rule would pass while the rule never ran")
	assert.Contains(t, rec.failures[0], "never saw setup.exe")
}

func TestRunHookReadsTheStoredFile(t *testing.T) {
	var read []byte
	var media []attachments.Media
	err := attachmentstest.RunHook(t, func(ctx context.Context, e hooks.Event) error {
		media = e.Media
		rc, err := e.Open(ctx)
		require.NoError(t, err, "the hook cannot open the file it checks")
		defer rc.Close()
		read, err = io.ReadAll(rc)
		return err
	}, "notes.txt", notes)
	require.NoError(t, err)
	assert.Equal(t, notes, read, "a content hook would check other bytes than those sent")
	require.Len(t, media, 1)
	assert.Equal(t, int64(len(notes)), media[0].Size, "the event does not describe the stored file")
}

func TestNewClientWiresAWorkingChat(t *testing.T) {
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(), nil)
	ctx := context.Background()
	res, err := h.Send(ctx, h.Customer, "notes.txt", notes)
	require.NoError(t, err, "the customer cannot send a file")
	msgs := h.Chat.Messages(attachmentstest.Channel)
	require.Len(t, msgs, 1, "the chat does not hold the message sent")
	assert.Equal(t, res.Message.SID, msgs[0].SID)

	dl, err := attachments.Invoke(ctx, h.Client.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: attachmentstest.Channel, Requester: h.Agent, MessageSID: res.Message.SID})
	require.NoError(t, err, "the agent cannot download what the customer sent")
	assert.Equal(t, "notes.txt", dl.Media.FileName)

	_, err = h.Send(ctx, attachments.Member{Identity: "stranger"}, "notes.txt", notes)
	assert.ErrorIs(t, err, errs.PermissionDenied, "someone outside the channel can send to it")
}

func TestMemoryChatAndDirectory(t *testing.T) {
	ctx := context.Background()
	var chat attachmentstest.Transport
	_, err := chat.Fetch(ctx, "IM1")
	assert.ErrorIs(t, err, errs.NotFound, "a missing message must be not_found, as the Transport contract says")
	a, err := chat.Send(ctx, attachments.Message{Channel: "CH1", Body: "a"})
	require.NoError(t, err)
	b, err := chat.Send(ctx, attachments.Message{Channel: "CH1", Body: "b"})
	require.NoError(t, err)
	_, err = chat.Send(ctx, attachments.Message{Channel: "CH2", Body: "c"})
	require.NoError(t, err)
	assert.Equal(t, []string{a.SID, b.SID}, sids(chat.Messages("CH1")), "messages are not in sending order")
	require.NoError(t, chat.Remove(ctx, a.SID))
	assert.Equal(t, []string{b.SID}, sids(chat.Messages("CH1")), "a removed message is still listed")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = chat.Send(canceled, attachments.Message{Channel: "CH1"})
	assert.ErrorIs(t, err, errs.Canceled)

	var dir attachmentstest.Members
	require.NoError(t, dir.SetRole(ctx, "", "sup", attachments.RoleSupervisor))
	require.NoError(t, dir.SetRole(ctx, "CH1", "sup", attachments.RoleAgent))
	r, err := dir.Role(ctx, "CH9", "sup")
	require.NoError(t, err)
	assert.Equal(t, attachments.RoleSupervisor, r, "a role for every channel does not apply")
	r, err = dir.Role(ctx, "CH1", "sup")
	require.NoError(t, err)
	assert.Equal(t, attachments.RoleAgent, r, "a channel's own role does not win")
	_, err = dir.Role(ctx, "CH1", "nobody")
	assert.ErrorIs(t, err, errs.NotFound)
}

func sids(msgs []attachments.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.SID)
	}
	return out
}
