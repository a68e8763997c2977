package ledgertest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// upload returns an uploading record that has reserved size bytes.
func upload(sid, owner, channel string, size int64) ledger.Record {
	r := rec(sid, owner, channel)
	r.State, r.Size, r.SHA256 = ledger.Uploading, size, ""
	return r
}

// sumUsage is owner's usage summed over its records, as ledger.Counted
// says: what the driver's counters must agree with.
func sumUsage(t testing.TB, l ledger.Ledger, owner string) ledger.Usage {
	t.Helper()
	rs, err := l.List(t.Context(), ledger.Query{Owner: owner})
	require.NoError(t, err)
	var u ledger.Usage
	for _, r := range rs {
		u = u.Add(ledger.Counted(r))
	}
	return u
}

// testUsageCounters: an owner's usage follows its records through every
// state, a growing reservation and a removal, as ledger.Counted says.
func testUsageCounters(t *testing.T, _ Harness, l ledger.Ledger) {
	ctx := t.Context()
	check := func(step string) {
		t.Helper()
		u, err := l.Usage(ctx, "alice")
		require.NoError(t, err)
		assert.Equal(t, sumUsage(t, l, "alice"), u, "after %s: the quotas would read a usage the records do not say", step)
	}
	create(t, l, upload("ME1", "alice", "CH1", 0), upload("ME2", "alice", "CH2", 10), rec("ME3", "bob", "CH1"))
	check("two uploads begin")
	steps := []struct {
		name string
		c    ledger.Change
	}{
		{"a reservation grows", ledger.Change{SID: "ME1", From: []ledger.State{ledger.Uploading}, Size: 500, Now: at(1)}},
		{"an upload completes", ledger.Change{SID: "ME1", From: []ledger.State{ledger.Uploading}, To: ledger.Staged, Size: 321, Now: at(2)}},
		{"a file is drafted", change("ME1", ledger.Staged, ledger.Drafted, 3)},
		{"a file is taken to send", change("ME1", ledger.Drafted, ledger.Sending, 4)},
		{"a file is sent", change("ME1", ledger.Sending, ledger.Sent, 5)},
		{"an upload is abandoned", change("ME2", ledger.Uploading, ledger.Deleted, 6)},
		{"a sent file is deleted", change("ME1", ledger.Sent, ledger.Deleted, 7)},
	}
	for _, s := range steps {
		_, err := l.Apply(ctx, s.c)
		require.NoError(t, err, s.name)
		check(s.name)
	}
	require.NoError(t, l.Remove(ctx, "ME1"))
	check("a record is removed")
	u, err := l.Usage(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, ledger.Usage{}, u, "alice holds nothing any more")
	u, err = l.Usage(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, ledger.Usage{Files: 1, Bytes: 1234, Pending: 1}, u, "bob's usage is his own")
}

// testQuotaCreate: a record created under a quota is refused, and not
// created, when it would take its owner past a bound.
func testQuotaCreate(t *testing.T, _ Harness, l ledger.Ledger) {
	ctx := t.Context()
	q := ledger.Quota{Files: 3, Pending: 2, Bytes: 100}
	require.NoError(t, l.Create(ctx, upload("ME1", "alice", "CH1", 60), q))
	err := l.Create(ctx, upload("ME2", "alice", "CH1", 41), q)
	wantCode(t, err, errs.QuotaExceeded, "60 + 41 bytes under a 100-byte quota")
	require.NoError(t, l.Create(ctx, upload("ME2", "alice", "CH1", 40), q), "60 + 40 bytes fill a 100-byte quota exactly")
	err = l.Create(ctx, upload("ME3", "alice", "CH1", 0), q)
	wantCode(t, err, errs.QuotaExceeded, "a third pending file under a pending bound of 2")
	_, err = l.Apply(ctx, ledger.Change{SID: "ME1", From: []ledger.State{ledger.Uploading}, To: ledger.Sent, Size: 1, Now: at(1)})
	require.NoError(t, err)
	require.NoError(t, l.Create(ctx, upload("ME3", "alice", "CH1", 0), q), "a sent file frees a pending slot")
	err = l.Create(ctx, upload("ME4", "alice", "CH1", 0), ledger.Quota{Files: 3})
	wantCode(t, err, errs.QuotaExceeded, "a fourth file under a file bound of 3")
	_, err = l.Get(ctx, "ME4")
	wantCode(t, err, errs.NotFound, "a refused record was created")
	require.NoError(t, l.Create(ctx, upload("ME4", "bob", "CH1", 100), q), "bob's quota is his own")
	u, err := l.Usage(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, ledger.Usage{Files: 3, Bytes: 41, Pending: 2}, u, "refusals counted nothing")
}

// testQuotaApply: a reservation grows under its quota, and a change that
// would take the owner past it changes nothing, all or none; a bound
// lowered under what the owner holds still lets it shrink.
func testQuotaApply(t *testing.T, _ Harness, l ledger.Ledger) {
	ctx := t.Context()
	create(t, l, upload("ME1", "alice", "CH1", 10), upload("ME2", "alice", "CH1", 10))
	q := ledger.Quota{Bytes: 100}
	grow := func(sid string, size int64, n int) ledger.Change {
		return ledger.Change{SID: sid, From: []ledger.State{ledger.Uploading}, Size: size, Now: at(n), Quota: q}
	}
	_, err := l.Apply(ctx, grow("ME1", 90, 1))
	require.NoError(t, err, "10 + 90 bytes fit a 100-byte quota")
	_, err = l.Apply(ctx, grow("ME2", 11, 2))
	wantCode(t, err, errs.QuotaExceeded, "90 + 11 bytes under a 100-byte quota")
	assert.Equal(t, int64(10), get(t, l, "ME2").Size, "a refused growth changed the reservation")
	_, err = l.Apply(ctx, change("ME1", ledger.Uploading, ledger.Staged, 3), grow("ME2", 50, 3))
	wantCode(t, err, errs.QuotaExceeded, "a batch with one change over its quota")
	assert.Equal(t, ledger.Uploading, get(t, l, "ME1").State, "a batch refused for its quota changed a record")
	q.Bytes = 50 // lowered under the 100 bytes alice holds
	_, err = l.Apply(ctx, grow("ME1", 30, 4))
	require.NoError(t, err, "a true-up that shrinks a reservation is never refused")
	u, err := l.Usage(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, ledger.Usage{Files: 2, Bytes: 40, Pending: 2}, u)
}

// testRaceQuota: racers on every handle, creating uploads and growing their
// reservations under one owner's quota, never take it past a bound, and
// get as much as it allows.
func testRaceQuota(t *testing.T, h Harness, l ledger.Ledger) {
	ls := handles(t, h, l)
	for round := range rounds {
		owner := fmt.Sprintf("alice%d", round)
		q := ledger.Quota{Files: 3, Bytes: 100}
		got := race(racers, ls, func(i int, l ledger.Ledger) error {
			return l.Create(t.Context(), upload(fmt.Sprintf("ME%d-%d", round, i), owner, "CH1", 0), q)
		})
		wins := tally(t, got, errs.QuotaExceeded, "racing uploads under a file bound")
		require.Equal(t, 3, wins, "round %d: %d uploads under a bound of 3 files", round, wins)
		rs, err := l.List(t.Context(), ledger.Query{Owner: owner})
		require.NoError(t, err)
		require.Len(t, rs, 3, "round %d: records after the race", round)
		got = race(racers, ls, func(i int, l ledger.Ledger) error {
			r := rs[i%len(rs)]
			_, err := l.Apply(t.Context(), ledger.Change{SID: r.SID, From: []ledger.State{ledger.Uploading},
				Size: int64(40 + i), Now: at(i + 1), Quota: q})
			return err
		})
		tally(t, got, errs.QuotaExceeded, "racing reservations under a byte bound")
		u, err := l.Usage(t.Context(), owner)
		require.NoError(t, err)
		require.LessOrEqual(t, u.Bytes, q.Bytes, "round %d: racing reservations passed a 100-byte quota", round)
		require.Equal(t, sumUsage(t, l, owner), u, "round %d: the counters and the records disagree", round)
	}
}
