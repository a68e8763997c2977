package attachments

import (
	"context"
	"slices"
	"sync"

	"github.com/attachkit/attachments/errs"
)

// Member is someone taking part in a channel: an identity, which the host has
// authenticated, and the side it is on.
type Member struct {
	Identity string `json:"identity"`
	Side     Side   `json:"side"`
}

// Role is a member's role in a channel. A role grants permissions.
type Role string

// The built-in roles.
const (
	RoleCustomer   Role = "customer"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	// RoleBlocked is the role of a blocked member: it grants nothing.
	RoleBlocked Role = "blocked"
)

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
// and block members; supervisors download what they monitor; blocked members
// can do nothing.
func DefaultRoles() map[Role][]Permission {
	return map[Role][]Permission{
		RoleCustomer:   {PermSendMessage, PermSendMediaMessage, PermDownloadMedia},
		RoleAgent:      {PermSendMessage, PermSendMediaMessage, PermDownloadMedia, PermDeleteMessage, PermBlockMember},
		RoleSupervisor: {PermSendMessage, PermDownloadMedia, PermDeleteMessage, PermBlockMember},
		RoleBlocked:    {},
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

// MemoryMembers is an in-memory Members for tests, examples and demos. It
// keeps nothing across restarts and is not shared between processes.
//
// Roles are per channel; a role set for channel "" applies in every channel
// that has none of its own, which is how a demo makes someone a supervisor
// of everything. The zero value is empty and ready to use.
type MemoryMembers struct {
	mu    sync.RWMutex
	roles map[[2]string]Role
}

// Role implements Members.
func (m *MemoryMembers) Role(_ context.Context, channel, identity string) (Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if r, ok := m.roles[[2]string{channel, identity}]; ok {
		return r, nil
	}
	if r, ok := m.roles[[2]string{"", identity}]; ok {
		return r, nil
	}
	return "", &errs.Error{Code: errs.NotFound, Op: "members", Message: "not a member of this channel"}
}

// SetRole implements Members.
func (m *MemoryMembers) SetRole(_ context.Context, channel, identity string, role Role) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.roles == nil {
		m.roles = map[[2]string]Role{}
	}
	m.roles[[2]string{channel, identity}] = role
	return nil
}

// permissions answers whether a role grants a permission.
type permissions map[Role][]Permission

func (p permissions) allows(r Role, perm Permission) bool {
	return slices.Contains(p[r], perm)
}
