package attachments

import (
	"context"

	"github.com/attachkit/attachments/errs"
)

// BlockMember blocks a member in a channel: its role becomes RoleBlocked, so
// its SendMessage and SendMediaMessage fail with ErrPermissionDenied and it
// can no longer download.
//
// Guard: the requester's role must grant blockMember (agents and supervisors
// by default), and a member cannot block itself.
const BlockMember Action[BlockMemberPayload, BlockMemberResult] = "BlockMember"

// BlockMemberPayload is BlockMember's payload.
type BlockMemberPayload struct {
	Channel   string
	Requester Member
	// Target is the identity to block.
	Target string
}

// BlockMemberResult is BlockMember's result.
type BlockMemberResult struct {
	// Previous is the role the target had.
	Previous Role
}

func (c *Client) guardBlockMember(ctx context.Context, p BlockMemberPayload) error {
	if p.Channel == "" || p.Target == "" {
		return &errs.Error{Code: errs.InvalidPayload, Message: "say whom to block in which channel"}
	}
	if p.Target == p.Requester.Identity {
		return &errs.Error{Code: errs.InvalidPayload, Message: "you cannot block yourself"}
	}
	_, err := c.require(ctx, p.Channel, p.Requester, PermBlockMember)
	return err
}

func (c *Client) blockMember(ctx context.Context, p BlockMemberPayload) (BlockMemberResult, error) {
	prev, err := c.members.Role(ctx, p.Channel, p.Target)
	if err != nil {
		return BlockMemberResult{}, err
	}
	if err := c.members.SetRole(ctx, p.Channel, p.Target, RoleBlocked); err != nil {
		return BlockMemberResult{}, err
	}
	return BlockMemberResult{Previous: prev}, nil
}
