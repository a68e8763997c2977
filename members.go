package attachments

import (
	"context"
	"slices"
	"strings"
)

// Member is someone taking part in a channel: an identity, which the host has
// authenticated.
//
// A Member carries no side and no role on purpose: the library looks the
// member's role up in the host's Members directory, and the policy that
// applies is that of the side the role acts for (see Client.SideOf), so no
// caller can claim a side it does not hold.
type Member struct {
	Identity string `json:"identity"`
}

// Role is a member's role in a channel. A role grants permissions.
//
// The built-in roles rank customer < agent < supervisor: a member may block
// only members of lower rank. A blocked member's role is its base role with
// the block appended, "customer:blocked" (no sending at all) or
// "customer:blocked-files" (no sending files), so that UnblockMember gives
// back the role it had without keeping any state of its own, and a host's
// Members directory stores it like any other role.
type Role string

// The built-in roles.
//
// A directory may also hold "blocked", the role blocked members had before
// blocks kept the role they replace: it grants nothing, its block is
// BlockAll, and UnblockMember cannot tell what to give back.
const (
	RoleCustomer   Role = "customer"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
)

// BlockMode is what a block takes away from a member.
type BlockMode string

// The block modes.
const (
	// BlockAll takes away all sending: messages and files, and the
	// moderation a member does by writing to the conversation (deleting
	// others' messages, blocking). The member can still read the
	// conversation and download its files. It is the zero BlockMode's
	// meaning.
	BlockAll BlockMode = "all"
	// BlockFiles takes away sending files only: the member can still send
	// text, and read and download.
	BlockFiles BlockMode = "files"
)

// The suffixes a block appends to a role, and the legacy blocked role.
const (
	roleBlocked        Role = "blocked"
	blockedAllSuffix        = ":blocked"
	blockedFilesSuffix      = ":blocked-files"
)

// blocked returns the role of a member who held r and is blocked in mode
// (BlockAll when mode is ""): "customer:blocked", "agent:blocked-files".
// Blocking a blocked role again replaces its block, so the base role is
// never lost. roleBlocked, and the empty role, which say nothing of a
// base role, give roleBlocked.
func (r Role) blocked(mode BlockMode) Role {
	base := r.base()
	if base == "" {
		return roleBlocked
	}
	if mode == BlockFiles {
		return base + blockedFilesSuffix
	}
	return base + blockedAllSuffix
}

// blockMode returns what r's block takes away, or "" when r is not blocked.
// roleBlocked is BlockAll. A host reads the same from Client.Permissions.
func (r Role) blockMode() BlockMode {
	switch {
	case r == roleBlocked, strings.HasSuffix(string(r), blockedAllSuffix):
		return BlockAll
	case strings.HasSuffix(string(r), blockedFilesSuffix):
		return BlockFiles
	}
	return ""
}

// isBlocked reports whether r is the role of a blocked member.
func (r Role) isBlocked() bool { return r.blockMode() != "" }

// base returns the role r's member held before it was blocked ("customer"
// for "customer:blocked-files"), r itself when r is not blocked, and ""
// for roleBlocked, which does not say.
func (r Role) base() Role {
	if r == roleBlocked {
		return ""
	}
	if b, ok := strings.CutSuffix(string(r), blockedFilesSuffix); ok {
		return Role(b)
	}
	if b, ok := strings.CutSuffix(string(r), blockedAllSuffix); ok {
		return Role(b)
	}
	return r
}

// rank orders the built-in roles by authority: 1 for customers, 2 for
// agents, 3 for supervisors, blocked or not; 0 for any other role. A member
// may block only members of lower rank, so a role of rank 0 blocks no one.
func (r Role) rank() int {
	switch r.base() {
	case RoleCustomer:
		return 1
	case RoleAgent:
		return 2
	case RoleSupervisor:
		return 3
	}
	return 0
}

// side returns the side a member in role r acts for, whose upload policy
// applies to it: SideCustomer, SideAgent or SideSupervisor for the built-in
// roles, blocked or not, and "" (no side, no policy) for any other role.
func (r Role) side() Side {
	switch r.base() {
	case RoleCustomer:
		return SideCustomer
	case RoleAgent:
		return SideAgent
	case RoleSupervisor:
		return SideSupervisor
	}
	return ""
}

// Permission is something a role allows.
type Permission string

// The permissions the built-in actions check.
const (
	PermSendMessage      Permission = "sendMessage"
	PermSendMediaMessage Permission = "sendMediaMessage"
	PermDownloadMedia    Permission = "downloadMedia"
	// PermDeleteMessage lets a member delete other members' messages; authors
	// may always delete their own.
	PermDeleteMessage Permission = "deleteMessage"
	PermBlockMember   Permission = "blockMember"
)

// DefaultRoles returns the built-in roles and their permissions. Customers
// and agents send and download; agents and supervisors also delete messages
// and block members; supervisors download what they monitor; the legacy
// "blocked" role can do nothing.
//
// Blocked roles ("customer:blocked") need no entry: they hold their base
// role's permissions less those their block takes away (see BlockAll and BlockFiles). An
// entry for one, in a host's Options.Roles, overrides that.
func DefaultRoles() map[Role][]Permission {
	return map[Role][]Permission{
		RoleCustomer:   {PermSendMessage, PermSendMediaMessage, PermDownloadMedia},
		RoleAgent:      {PermSendMessage, PermSendMediaMessage, PermDownloadMedia, PermDeleteMessage, PermBlockMember},
		RoleSupervisor: {PermSendMessage, PermDownloadMedia, PermDeleteMessage, PermBlockMember},
		roleBlocked:    {},
	}
}

// Members is the host's directory of who is in which channel, in which role.
type Members interface {
	// Role returns identity's role in channel. A member not in the channel is
	// an errs.NotFound error.
	Role(ctx context.Context, channel, identity string) (Role, error)
	// SetRole sets identity's role in channel.
	SetRole(ctx context.Context, channel, identity string, role Role) error
}

// permissions answers whether a role grants a permission.
type permissions map[Role][]Permission

func (p permissions) allows(r Role, perm Permission) bool {
	return slices.Contains(p.of(r), perm)
}

// of returns the permissions r grants: its entry, or for a blocked role
// without one, its base role's less what the block takes away.
func (p permissions) of(r Role) []Permission {
	if perms, ok := p[r]; ok || !r.isBlocked() {
		return perms
	}
	mode := r.blockMode()
	return slices.DeleteFunc(slices.Clone(p[r.base()]), func(perm Permission) bool {
		return takenBy(mode, perm)
	})
}

// takenBy reports whether a block in mode takes perm away.
func takenBy(mode BlockMode, perm Permission) bool {
	if mode == "" {
		return false
	}
	switch perm {
	case PermSendMediaMessage:
		return true
	case PermSendMessage, PermDeleteMessage, PermBlockMember:
		return mode == BlockAll
	}
	return false
}

// SideOf returns the side whose policy applies to identity in channel: the
// side its role in the host's Members directory acts for (SideCustomer,
// SideAgent or SideSupervisor, blocked or not), or "" for a role that is
// none of the built-in ones. It is the one answer to "which side is this
// member on": the actions, hooks' events and webhook envelopes all take it
// from here, never from the caller. A member the directory does not know in
// channel is an errs.PermissionDenied error.
func (c *Client) SideOf(ctx context.Context, channel, identity string) (Side, error) {
	r, err := c.role(ctx, channel, Member{Identity: identity})
	if err != nil {
		return "", err
	}
	return r.side(), nil
}

// Permissions returns what a member in role r may do under the Client's
// roles (Options.Roles): for a blocked role, its base role's permissions
// less those its block takes away. A host shows it to decide which controls
// to offer; the actions check it themselves.
func (c *Client) Permissions(r Role) []Permission {
	return slices.Clone(c.perms.of(r))
}
