package attachmentstest

import (
	"bytes"
	"context"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/hooks"
)

// RunBefore runs l as a before-listener of a, SendMediaMessage or
// AttachFile, when the customer of a NewClient Host with DefaultConfig
// sends (or attaches) the file name with the given content, and returns
// the error Invoke returns: nil when the file went through, the listener's
// refusal otherwise (errs.Canceled for attachments.Cancel).
//
// It is a real Invoke: the guard checks the file against the policy and
// stores it before l runs, so l's File.Open reads the stored bytes, as often
// as it likes, as it does in production. RunBefore fails t when the file
// never reached l (the policy refused it first, say), since a test of l
// would then check nothing; and for any other action.
//
// To run a listener under another Config, add it with attachments.OnBefore
// to a Host's Client and send with Host.Send.
func RunBefore[P, R any](t T, a attachments.Action[P, R], l attachments.BeforeListener[P], name string, content []byte) error {
	t.Helper()
	h := NewClient(t, attachments.DefaultConfig(), nil)
	file := &attachments.File{Name: name, Body: bytes.NewReader(content)}
	var p P
	switch pp := any(&p).(type) {
	case *attachments.SendMediaMessagePayload:
		*pp = attachments.SendMediaMessagePayload{Channel: Channel, Sender: h.Customer, File: file}
	case *attachments.AttachFilePayload:
		*pp = attachments.AttachFilePayload{Channel: Channel, Sender: h.Customer, File: file}
	default:
		require.FailNow(t, "RunBefore runs listeners of the actions that carry a file",
			"SendMediaMessage or AttachFile, not %s", string(a))
	}
	ran := false
	_, err := attachments.OnBefore(h.Client.Registry(), a, func(ctx context.Context, p P) (P, error) {
		ran = true
		return l(ctx, p)
	})
	require.NoError(t, err)
	_, err = attachments.Invoke(context.Background(), h.Client.Registry(), a, p)
	assert.True(t, ran, "the listener never saw %s: the file was refused before it (%v)", name, err)
	return err
}

// RunHook is RunBefore for a hooks listener: it adds fn with hooks.Before
// to SendMediaMessage, sends the file name with the given content as the
// customer, and returns the error Invoke returns. fn's Event has the file:
// Event.Open reads the stored bytes, as in production. RunHook fails t
// when the file never reached fn.
func RunHook(t T, fn hooks.BeforeFunc, name string, content []byte) error {
	t.Helper()
	h := NewClient(t, attachments.DefaultConfig(), nil)
	ran := false
	_, err := hooks.Before(h.Client, func(ctx context.Context, e hooks.Event) error {
		ran = true
		return fn(ctx, e)
	}, string(attachments.SendMediaMessage))
	require.NoError(t, err)
	_, err = h.Send(context.Background(), h.Customer, name, content)
	assert.True(t, ran, "the listener never saw %s: the file was refused before it (%v)", name, err)
	return err
}
