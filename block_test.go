package attachments_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

// hostDirectory is a host's own Members directory, unlike attachmentstest.Members in
// every way the library could depend on: roles are plain strings in one map
// keyed by "channel/identity", and nothing is shared between channels.
type hostDirectory struct {
	mu    sync.Mutex
	roles map[string]string
}

func (d *hostDirectory) Role(_ context.Context, channel, identity string) (attachments.Role, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.roles[channel+"/"+identity]
	if !ok {
		return "", &errs.Error{Code: errs.NotFound, Op: "directory"}
	}
	return attachments.Role(r), nil
}

func (d *hostDirectory) SetRole(_ context.Context, channel, identity string, role attachments.Role) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.roles[channel+"/"+identity] = string(role)
	return nil
}

// cast is who is in channel CH1 for the blocking tests, by identity.
var cast = map[string]attachments.Role{
	"cust":         attachments.RoleCustomer,
	"cust2":        attachments.RoleCustomer,
	"agent":        attachments.RoleAgent,
	"agent2":       attachments.RoleAgent,
	"sup":          attachments.RoleSupervisor,
	"sup2":         attachments.RoleSupervisor,
	"cust-files":   "customer:blocked-files",
	"cust-blocked": "customer:blocked",
	"agent-files":  "agent:blocked-files",
	"agent-all":    "agent:blocked",
	"bot":          "bot",
	"legacy":       attachments.Role("blocked"),
}

// member returns the Member for an identity of the cast, on its role's side.
func member(identity string) attachments.Member {
	return attachments.Member{Identity: identity}
}

// newBlockClient returns a Client whose directory, a hostDirectory, holds
// the cast in CH1.
func newBlockClient(t *testing.T) (*attachments.Client, *hostDirectory) {
	t.Helper()
	dir := &hostDirectory{roles: map[string]string{}}
	for id, r := range cast {
		dir.roles[channel+"/"+id] = string(r)
	}
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, dir, &attachments.Options{Logger: discardLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c, dir
}

// TestBlockingFollowsRank is the table of requester × target × mode: a
// member blocks only members of lower rank (customer < agent < supervisor),
// never itself, and a refused block leaves the target's role as it was.
func TestBlockingFollowsRank(t *testing.T) {
	tests := []struct {
		requester, target string
		mode              attachments.BlockMode
		wantCode          errs.Code
		wantRole          attachments.Role // the target's role afterwards
	}{
		{"agent", "cust", "", "", "customer:blocked"},
		{"agent", "cust", attachments.BlockAll, "", "customer:blocked"},
		{"agent", "cust", attachments.BlockFiles, "", "customer:blocked-files"},
		{"sup", "cust", attachments.BlockFiles, "", "customer:blocked-files"},
		{"sup", "agent", attachments.BlockAll, "", "agent:blocked"},
		{"sup", "agent", attachments.BlockFiles, "", "agent:blocked-files"},
		{"agent", "cust-files", attachments.BlockAll, "", "customer:blocked"}, // a stricter block keeps the base role
		{"agent", "cust-blocked", attachments.BlockFiles, "", "customer:blocked-files"},
		{"agent-files", "cust", attachments.BlockAll, "", "customer:blocked"}, // a files-only block leaves moderation
		{"agent", "bot", "", "", "bot:blocked"},                               // a role of no rank ranks below everyone
		{"agent", "legacy", attachments.BlockFiles, "", attachments.Role("blocked")},

		{"agent", "agent2", "", errs.PermissionDenied, attachments.RoleAgent},
		{"agent", "agent-files", "", errs.PermissionDenied, "agent:blocked-files"},
		{"agent", "sup", attachments.BlockFiles, errs.PermissionDenied, attachments.RoleSupervisor},
		{"sup", "sup2", "", errs.PermissionDenied, attachments.RoleSupervisor},
		{"cust", "cust2", "", errs.PermissionDenied, attachments.RoleCustomer},
		{"cust", "agent", "", errs.PermissionDenied, attachments.RoleAgent},
		{"cust-files", "cust2", "", errs.PermissionDenied, attachments.RoleCustomer},
		{"agent-all", "cust", "", errs.PermissionDenied, attachments.RoleCustomer}, // fully blocked: no moderation
		{"bot", "cust", "", errs.PermissionDenied, attachments.RoleCustomer},
		{"stranger", "cust", "", errs.PermissionDenied, attachments.RoleCustomer},

		{"agent", "agent", "", errs.InvalidPayload, attachments.RoleAgent},
		{"sup", "sup", attachments.BlockFiles, errs.InvalidPayload, attachments.RoleSupervisor},
		{"cust", "cust", "", errs.PermissionDenied, attachments.RoleCustomer},
		{"agent", "nobody", "", errs.NotFound, ""},
		{"agent", "", "", errs.InvalidPayload, ""},
		{"agent", "cust", "sideways", errs.InvalidPayload, attachments.RoleCustomer},
	}
	for _, tt := range tests {
		t.Run(tt.requester+" blocks "+tt.target+" "+string(tt.mode), func(t *testing.T) {
			c, dir := newBlockClient(t)
			ctx := context.Background()
			before, _ := dir.Role(ctx, channel, tt.target)
			res, err := attachments.Invoke(ctx, c.Registry(), attachments.BlockMember, attachments.BlockMemberPayload{
				Channel: channel, Requester: member(tt.requester), Target: tt.target, Mode: tt.mode,
			})
			assert.Equal(t, tt.wantCode, errs.CodeOf(err), "the block's outcome is wrong: %v", err)
			if tt.wantCode == "" {
				assert.Equal(t, before, res.Previous, "the result does not say what the target was")
				assert.Equal(t, tt.wantRole, res.Role, "the result does not say what the target is now")
			} else {
				assert.NotEmpty(t, errs.As(err).Text(), "the requester is not told why")
			}
			if tt.wantRole != "" {
				after, err := dir.Role(ctx, channel, tt.target)
				require.NoError(t, err)
				assert.Equal(t, tt.wantRole, after, "the directory holds the wrong role for the target")
			}
		})
	}
}

// TestUnblockRestoresTheRole checks that UnblockMember gives back exactly
// the role held before the block, from either mode, under the same rank
// rules as blocking.
func TestUnblockRestoresTheRole(t *testing.T) {
	tests := []struct {
		requester, target string
		wantCode          errs.Code
		wantRole          attachments.Role
	}{
		{"agent", "cust-files", "", attachments.RoleCustomer},
		{"agent", "cust-blocked", "", attachments.RoleCustomer},
		{"sup", "agent-all", "", attachments.RoleAgent},
		{"sup", "agent-files", "", attachments.RoleAgent},
		{"agent2", "agent-files", errs.PermissionDenied, "agent:blocked-files"}, // an agent cannot unblock an agent
		{"agent-all", "agent-all", errs.PermissionDenied, "agent:blocked"},      // nor can the blocked member itself
		{"agent-files", "agent-files", errs.InvalidPayload, "agent:blocked-files"},
		{"cust-files", "cust-files", errs.PermissionDenied, "customer:blocked-files"},
		{"agent", "cust", errs.InvalidPayload, attachments.RoleCustomer},      // not blocked
		{"agent", "legacy", errs.InvalidPayload, attachments.Role("blocked")}, // no role to give back
		{"agent", "nobody", errs.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.requester+" unblocks "+tt.target, func(t *testing.T) {
			c, dir := newBlockClient(t)
			ctx := context.Background()
			res, err := attachments.Invoke(ctx, c.Registry(), attachments.UnblockMember, attachments.UnblockMemberPayload{
				Channel: channel, Requester: member(tt.requester), Target: tt.target,
			})
			assert.Equal(t, tt.wantCode, errs.CodeOf(err), "the unblock's outcome is wrong: %v", err)
			if tt.wantCode == "" {
				assert.Equal(t, cast[tt.target], res.Previous, "the result does not say what the target was")
				assert.Equal(t, tt.wantRole, res.Role, "the result does not say what the target is again")
			}
			if tt.wantRole != "" {
				after, err := dir.Role(ctx, channel, tt.target)
				require.NoError(t, err)
				assert.Equal(t, tt.wantRole, after, "the directory holds the wrong role for the target")
			}
		})
	}
}

// TestBlockedMembersReadButDoNotSend checks what each block takes away, end
// to end: a files-only block leaves text and downloads, a full block leaves
// downloads only, and an unblock gives everything back.
func TestBlockedMembersReadButDoNotSend(t *testing.T) {
	for _, mode := range []attachments.BlockMode{attachments.BlockFiles, attachments.BlockAll} {
		t.Run(string(mode), func(t *testing.T) {
			c, _ := newBlockClient(t)
			ctx := context.Background()
			cust := member("cust")
			png := pngBytes(t, 8, 8)
			sendFile := func() error {
				_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
					Channel: channel, Sender: cust, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(png)},
				})
				return err
			}
			attach := func() error {
				_, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
					Channel: channel, Sender: cust, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(png)},
				})
				return err
			}
			sendText := func() error {
				_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
					attachments.SendMessagePayload{Channel: channel, Sender: cust, Body: "hello?"})
				return err
			}
			// The agent shared a file before the block.
			shared, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
				Channel: channel, Sender: member("agent"), File: &attachments.File{Name: "invoice.png", Body: bytes.NewReader(png)},
			})
			require.NoError(t, err)
			download := func() error {
				_, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia,
					attachments.DownloadMediaPayload{Channel: channel, Requester: cust, MessageSID: shared.Message.SID})
				return err
			}

			_, err = attachments.Invoke(ctx, c.Registry(), attachments.BlockMember,
				attachments.BlockMemberPayload{Channel: channel, Requester: member("agent"), Target: "cust", Mode: mode})
			require.NoError(t, err)

			err = sendFile()
			assert.Equal(t, errs.PermissionDenied, errs.CodeOf(err), "a blocked member still sends files")
			assert.Contains(t, errs.As(err).Text(), "blocked", "the blocked member is not told why")
			assert.Equal(t, errs.PermissionDenied, errs.CodeOf(attach()), "a blocked member still attaches files")
			assert.NoError(t, download(), "a blocked member can no longer read the conversation's files")
			if mode == attachments.BlockFiles {
				assert.NoError(t, sendText(), "a block on files also took away text")
			} else {
				err := sendText()
				assert.Equal(t, errs.PermissionDenied, errs.CodeOf(err), "a fully blocked member still writes")
				assert.Contains(t, errs.As(err).Text(), "blocked", "the blocked member is not told why")
			}

			_, err = attachments.Invoke(ctx, c.Registry(), attachments.UnblockMember,
				attachments.UnblockMemberPayload{Channel: channel, Requester: member("agent"), Target: "cust"})
			require.NoError(t, err)
			assert.NoError(t, sendFile(), "an unblocked member still cannot send files")
			assert.NoError(t, sendText(), "an unblocked member still cannot write")
		})
	}
}

// TestRoleMethods checks the rank, side and base a host and the guards read
// from a role, blocked or not.
func TestRoleMethods(t *testing.T) {
	tests := []struct {
		role    attachments.Role
		base    attachments.Role
		rank    int
		side    attachments.Side
		blocked attachments.BlockMode
	}{
		{attachments.RoleCustomer, attachments.RoleCustomer, 1, attachments.SideCustomer, ""},
		{attachments.RoleAgent, attachments.RoleAgent, 2, attachments.SideAgent, ""},
		{attachments.RoleSupervisor, attachments.RoleSupervisor, 3, attachments.SideSupervisor, ""},
		{"customer:blocked", attachments.RoleCustomer, 1, attachments.SideCustomer, attachments.BlockAll},
		{"customer:blocked-files", attachments.RoleCustomer, 1, attachments.SideCustomer, attachments.BlockFiles},
		{"agent:blocked-files", attachments.RoleAgent, 2, attachments.SideAgent, attachments.BlockFiles},
		{"supervisor:blocked", attachments.RoleSupervisor, 3, attachments.SideSupervisor, attachments.BlockAll},
		{attachments.Role("blocked"), "", 0, "", attachments.BlockAll},
		{"bot", "bot", 0, "", ""},
		{"bot:blocked", "bot", 0, "", attachments.BlockAll},
		{"Customer", "Customer", 0, "", ""}, // roles are exact: no side for a look-alike
		{"", "", 0, "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.base, tt.role.Base(), "Base(%q)", tt.role)
		assert.Equal(t, tt.rank, tt.role.Rank(), "Rank(%q): blocking would follow the wrong rank", tt.role)
		assert.Equal(t, tt.side, tt.role.Side(), "Side(%q): the wrong side's policy would apply", tt.role)
		assert.Equal(t, tt.blocked, tt.role.BlockMode(), "BlockMode(%q)", tt.role)
		assert.Equal(t, tt.blocked != "", tt.role.IsBlocked(), "IsBlocked(%q)", tt.role)
	}
	assert.Equal(t, attachments.Role("agent:blocked-files"), attachments.Role("agent:blocked").Blocked(attachments.BlockFiles),
		"blocking a blocked role again must keep its base role")
	assert.Equal(t, attachments.Role("blocked"), attachments.Role("blocked").Blocked(attachments.BlockFiles),
		"a role that names no base role must stay blocked, not become a role of its own")
}

// TestBlockedPermissions checks what a blocked role may do under the
// default roles, and that a host's explicit entry for one wins.
func TestBlockedPermissions(t *testing.T) {
	c, _ := newBlockClient(t)
	P := func(p ...attachments.Permission) []attachments.Permission { return p }
	assert.ElementsMatch(t, P(attachments.PermDownloadMedia), c.Permissions("customer:blocked"))
	assert.ElementsMatch(t, P(attachments.PermSendMessage, attachments.PermDownloadMedia), c.Permissions("customer:blocked-files"))
	assert.ElementsMatch(t, P(attachments.PermDownloadMedia), c.Permissions("agent:blocked"))
	assert.ElementsMatch(t, P(attachments.PermSendMessage, attachments.PermDownloadMedia, attachments.PermDeleteMessage,
		attachments.PermBlockMember), c.Permissions("agent:blocked-files"))
	assert.Empty(t, c.Permissions(attachments.Role("blocked")))

	roles := attachments.DefaultRoles()
	roles["customer:blocked"] = P(attachments.PermSendMessage)
	own, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Roles: roles, Logger: discardLogger()})
	require.NoError(t, err)
	defer own.Close(context.Background())
	assert.Equal(t, P(attachments.PermSendMessage), own.Permissions("customer:blocked"), "a host's own entry for a blocked role is ignored")
}
