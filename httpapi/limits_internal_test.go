package httpapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIdleLimitersAreDropped: a member's bucket is kept only while it is
// refilling, so a stream of members passing by does not grow memory.
func TestIdleLimitersAreDropped(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := newLimiter(&Limits{MemberRate: 1, ChannelRate: 100, MemberUploads: 2}, func() time.Time { return now })
	for i := range 10000 {
		require.NoError(t, l.allow(fmt.Sprintf("member-%d", i), fmt.Sprintf("channel-%d", i)))
		release, err := l.acquire(fmt.Sprintf("member-%d", i), "c")
		require.NoError(t, err)
		release()
	}
	assert.Equal(t, 20000, l.size(), "each member and channel has a bucket while it refills")
	now = now.Add(2 * sweepEvery)
	require.NoError(t, l.allow("late", "channel-late"))
	assert.Equal(t, 2, l.size(), "refilled buckets should be dropped, and finished uploads leave no count behind")
}
