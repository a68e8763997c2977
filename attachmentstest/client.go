package attachmentstest

import (
	"bytes"
	"context"
	"log/slog"

	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
)

// T is the part of testing.TB the kit uses: a *testing.T or *testing.B is
// one.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Cleanup(func())
}

// Channel is the channel NewClient puts its members in.
const Channel = "CH1"

// Host is what NewClient builds: a Client on an in-memory chat and
// directory, with a customer and an agent in Channel.
type Host struct {
	// Client is the Client under test. NewClient closes it when the test
	// ends.
	Client *attachments.Client
	// Chat is the Client's chat: Chat.Messages shows what was sent.
	Chat *Transport
	// Members is the Client's directory: SetRole adds members.
	Members *Members
	// Customer and Agent are members of Channel, in the roles RoleCustomer
	// ("customer") and RoleAgent ("agent").
	Customer, Agent attachments.Member
}

// NewClient returns a Host: a Client for cfg, built by attachments.New with
// opts (nil for the defaults), on a new Transport and Members that hold a
// customer and an agent in Channel. Unless opts sets a Logger, the Client
// logs nothing. It fails t when New refuses cfg or opts, and closes the
// Client when t ends.
func NewClient(t T, cfg attachments.Config, opts *attachments.Options) *Host {
	t.Helper()
	h := &Host{
		Chat:     &Transport{},
		Members:  &Members{},
		Customer: attachments.Member{Identity: "customer"},
		Agent:    attachments.Member{Identity: "agent"},
	}
	ctx := context.Background()
	require.NoError(t, h.Members.SetRole(ctx, Channel, h.Customer.Identity, attachments.RoleCustomer))
	require.NoError(t, h.Members.SetRole(ctx, Channel, h.Agent.Identity, attachments.RoleAgent))
	var o attachments.Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := attachments.New(cfg, h.Chat, h.Members, &o)
	require.NoError(t, err, "attachments.New refused the test's Config or Options")
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	h.Client = c
	return h
}

// Send sends the file name with the given content from a member to
// Channel, as a host's upload handler does: SendMediaMessage with the
// content as the File's Body and its size unknown. It returns what Invoke
// returns.
func (h *Host) Send(ctx context.Context, from attachments.Member, name string, content []byte) (attachments.SendMediaMessageResult, error) {
	return attachments.Invoke(ctx, h.Client.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: Channel, Sender: from, File: &attachments.File{Name: name, Body: bytes.NewReader(content)},
	})
}
