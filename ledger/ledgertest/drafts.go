package ledgertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
)

// testDraftText: a draft's text is kept per channel and owner; "" clears it;
// ForgetOwner clears an owner's texts in every channel and no one else's.
func testDraftText(t *testing.T, _ Harness, l ledger.Ledger) {
	ctx := t.Context()
	text := func(channel, owner string) string {
		t.Helper()
		s, err := l.DraftText(ctx, channel, owner)
		require.NoError(t, err, "DraftText(%s, %s)", channel, owner)
		return s
	}
	assert.Empty(t, text("CH1", "alice"), "a draft never written")
	long := "héllo 日本\n\ttabs and 'quotes' \"and\" \\backslashes"
	require.NoError(t, l.SetDraftText(ctx, "CH1", "alice", long))
	require.NoError(t, l.SetDraftText(ctx, "CH2", "alice", "two"))
	require.NoError(t, l.SetDraftText(ctx, "CH1", "bob", "bob's"))
	assert.Equal(t, long, text("CH1", "alice"), "the draft text as written")
	assert.Equal(t, "two", text("CH2", "alice"), "another channel's draft")
	assert.Equal(t, "bob's", text("CH1", "bob"), "another owner's draft")

	require.NoError(t, l.SetDraftText(ctx, "CH1", "alice", "edited"))
	assert.Equal(t, "edited", text("CH1", "alice"), "the draft after an edit")
	require.NoError(t, l.SetDraftText(ctx, "CH2", "alice", ""))
	assert.Empty(t, text("CH2", "alice"), "a cleared draft")
	require.NoError(t, l.SetDraftText(ctx, "CH2", "alice", ""), "clearing a draft that is not there")

	require.NoError(t, l.SetDraftText(ctx, "CH3", "alice", "three"))
	require.NoError(t, l.ForgetOwner(ctx, "alice"))
	assert.Empty(t, text("CH1", "alice"), "alice's draft after ForgetOwner: an erased member's words kept")
	assert.Empty(t, text("CH3", "alice"), "alice's other draft after ForgetOwner")
	assert.Equal(t, "bob's", text("CH1", "bob"), "ForgetOwner(alice) erased bob's draft")
	require.NoError(t, l.ForgetOwner(ctx, "nobody"), "ForgetOwner of an owner with no drafts")
}
