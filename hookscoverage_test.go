package attachments_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/hooks"
)

// TestHooksDescribeEveryBuiltinAction fails when an action is added to the
// Client without hooks learning to describe it: audit and webhooks would
// silently miss it, and hooks.Before(c, fn, name) would be unknown_action.
func TestHooksDescribeEveryBuiltinAction(t *testing.T) {
	c := attachmentstest.NewClient(t, attachments.DefaultConfig(), nil).Client
	builtins := attachments.ActionNames(c.Registry())
	require.NotEmpty(t, builtins)
	assert.ElementsMatch(t, builtins, hooks.BuiltinActions(),
		"hooks.BuiltinActions must list exactly the Client's built-in actions")
	for _, name := range builtins {
		removeBefore, err := hooks.Before(c, func(context.Context, hooks.Event) error { return nil }, name)
		if assert.NoError(t, err, "hooks.Before cannot describe %s", name) {
			removeBefore()
		}
		removeAfter, err := hooks.After(c, func(context.Context, hooks.Event) {}, name)
		if assert.NoError(t, err, "hooks.After cannot describe %s", name) {
			removeAfter()
		}
	}
	for _, list := range [][]string{hooks.MediaActions(), hooks.UploadActions()} {
		for _, name := range list {
			assert.True(t, slices.Contains(builtins, name), "%s is listed by hooks but is not a built-in action", name)
		}
	}
}
