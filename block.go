package attachments

import (
	"context"

	"github.com/attachkit/attachments/errs"
)

// BlockMember blocks a member in a channel, as Flex's "block a user" recipe
// does, with the host choosing per call what the block takes away: all
// sending (BlockAll, the default) or sending files only (BlockFiles). The
// target's role becomes its role blocked in that mode ("customer:blocked", see
// Role), so its sends fail with errs.PermissionDenied while it can
// still read the conversation and download its files; UnblockMember gives
// the role back.
//
// Guard: the requester's role must grant blockMember (agents and supervisors
// by default), the target must be a member of the channel, and the
// requester must outrank it (customer < agent < supervisor). So
// an agent blocks customers, never another agent or a supervisor, and no
// one blocks itself.
const BlockMember Action[BlockMemberPayload, BlockMemberResult] = "BlockMember"

// BlockMemberPayload is BlockMember's payload.
type BlockMemberPayload struct {
	Channel   string
	Requester Member
	// Target is the identity to block.
	Target string
	// Mode is what the block takes away. Default BlockAll: all sending.
	Mode BlockMode
}

// BlockMemberResult is BlockMember's result.
type BlockMemberResult struct {
	// Previous is the role the target had.
	Previous Role
	// Role is the role the target has now, blocked.
	Role Role
}

// UnblockMember lifts a block: the target gets back the role it held before
// BlockMember, with all its permissions.
//
// Guard: as BlockMember's: the requester's role must grant blockMember, the
// target must be a blocked member of the channel, and the requester must
// outrank the role the target gets back. A member cannot unblock itself.
const UnblockMember Action[UnblockMemberPayload, UnblockMemberResult] = "UnblockMember"

// UnblockMemberPayload is UnblockMember's payload.
type UnblockMemberPayload struct {
	Channel   string
	Requester Member
	// Target is the identity to unblock.
	Target string
}

// UnblockMemberResult is UnblockMember's result.
type UnblockMemberResult struct {
	// Previous is the blocked role the target had.
	Previous Role
	// Role is the role the target has again.
	Role Role
}

func (c *Client) guardBlockMember(ctx context.Context, p BlockMemberPayload) error {
	switch p.Mode {
	case "", BlockAll, BlockFiles:
	default:
		return &errs.Error{Code: errs.InvalidPayload, Message: "a block takes away all sending or files only"}
	}
	_, err := c.checkModeration(ctx, p.Channel, p.Requester, p.Target, "block")
	return err
}

func (c *Client) blockMember(ctx context.Context, p BlockMemberPayload) (BlockMemberResult, error) {
	if err := checkSeal(ctx, string(BlockMember), p.seal()); err != nil {
		return BlockMemberResult{}, err
	}
	prev, err := c.members.Role(ctx, p.Channel, p.Target)
	if err != nil {
		return BlockMemberResult{}, err
	}
	role := prev.blocked(p.Mode)
	if err := c.members.SetRole(ctx, p.Channel, p.Target, role); err != nil {
		return BlockMemberResult{}, err
	}
	return BlockMemberResult{Previous: prev, Role: role}, nil
}

func (c *Client) guardUnblockMember(ctx context.Context, p UnblockMemberPayload) error {
	target, err := c.checkModeration(ctx, p.Channel, p.Requester, p.Target, "unblock")
	if err != nil {
		return err
	}
	switch {
	case !target.isBlocked():
		return &errs.Error{Code: errs.InvalidPayload, Message: "this person is not blocked"}
	case target.base() == "":
		return &errs.Error{Code: errs.InvalidPayload,
			Message: "the role this person had before the block is not known; set it in the directory"}
	}
	return nil
}

func (c *Client) unblockMember(ctx context.Context, p UnblockMemberPayload) (UnblockMemberResult, error) {
	if err := checkSeal(ctx, string(UnblockMember), p.seal()); err != nil {
		return UnblockMemberResult{}, err
	}
	prev, err := c.members.Role(ctx, p.Channel, p.Target)
	if err != nil {
		return UnblockMemberResult{}, err
	}
	role := prev.base()
	if !prev.isBlocked() || role == "" {
		// Unblocked (or changed) since the guard looked: nothing to give back.
		return UnblockMemberResult{Previous: prev, Role: prev}, nil
	}
	if err := c.members.SetRole(ctx, p.Channel, p.Target, role); err != nil {
		return UnblockMemberResult{}, err
	}
	return UnblockMemberResult{Previous: prev, Role: role}, nil
}

// checkModeration is the guard BlockMember and UnblockMember share (verb
// says which): the requester may block (checked first, so that whoever may
// not gets permission_denied whatever it asked), the target is someone else
// in the channel, and the requester outranks the target's base role. It
// returns the target's role.
func (c *Client) checkModeration(ctx context.Context, channel string, requester Member, target, verb string) (Role, error) {
	if channel == "" || target == "" {
		return "", &errs.Error{Code: errs.InvalidPayload, Message: "say whom to " + verb + " in which channel"}
	}
	mine, err := c.require(ctx, channel, requester, PermBlockMember)
	if err != nil {
		return "", err
	}
	if target == requester.Identity {
		return "", &errs.Error{Code: errs.InvalidPayload, Message: "you cannot " + verb + " yourself"}
	}
	theirs, err := c.members.Role(ctx, channel, target)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return "", &errs.Error{Code: errs.NotFound, Message: "this person is not in this conversation", Err: err}
		}
		return "", err
	}
	if mine.rank() <= theirs.rank() {
		return "", &errs.Error{Code: errs.PermissionDenied, Message: "you can " + verb + " only people of a lower rank than yours",
			Details: errs.Details{Reason: string(PermBlockMember)}}
	}
	return theirs, nil
}
