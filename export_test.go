package attachments

import (
	"context"
	"maps"
	"slices"
)

// RegisterGuarded registers a as Register does, with a guard, as the
// built-in actions are: the registry's tests check guards through it.
func RegisterGuarded[P, R any](r *Registry, a Action[P, R], fn func(context.Context, P) (R, error), g func(context.Context, P) error) error {
	return register(r, a, fn, g)
}

// NewMediaSID and IsMediaSID are the SID functions, for tests.
var (
	NewMediaSID = newMediaSID
	IsMediaSID  = isMediaSID
)

// The Role helpers the guards use, for the role table's test.
func (r Role) Base() Role                  { return r.base() }
func (r Role) Rank() int                   { return r.rank() }
func (r Role) Side() Side                  { return r.side() }
func (r Role) IsBlocked() bool             { return r.isBlocked() }
func (r Role) Blocked(mode BlockMode) Role { return r.blocked(mode) }
func (r Role) BlockMode() BlockMode        { return r.blockMode() }

// DefaultChannelPolicies returns the built-in channel policies, for tests.
var DefaultChannelPolicies = defaultChannelPolicies

// ActionNames returns the names of the actions registered in r, sorted: a
// new Client's are the built-in actions.
func ActionNames(r *Registry) []string {
	return slices.Sorted(maps.Keys(*r.actions.Load()))
}
