package ledgertest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// testTransitions: each transition of a file's life takes the record to its
// new state, stamps Updated with Now, and Apply returns the record as it is.
func testTransitions(t *testing.T, _ Harness, l ledger.Ledger) {
	tests := []struct {
		name     string
		from, to ledger.State
	}{
		{"stage into a draft", ledger.Staged, ledger.Drafted},
		{"take a draft file to send", ledger.Drafted, ledger.Sending},
		{"take a staged file to send", ledger.Staged, ledger.Sending},
		{"record the message", ledger.Sending, ledger.Sent},
		{"detach back to staging", ledger.Drafted, ledger.Staged},
		{"give back after a failed send", ledger.Sending, ledger.Drafted},
		{"sweep a staged file", ledger.Staged, ledger.Deleted},
		{"sweep a draft file", ledger.Drafted, ledger.Deleted},
		{"delete a message's file", ledger.Sent, ledger.Deleted},
		{"recover a send that died", ledger.Sending, ledger.Deleted},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec("ME"+string(rune('a'+i)), "alice", "CH1")
			r.State = tt.from
			create(t, l, r)
			ch := change(r.SID, tt.from, tt.to, 5)
			if tt.to == ledger.Sent {
				ch.SetMessageSID = "IM1"
			}
			out, err := l.Apply(t.Context(), ch)
			require.NoError(t, err, "Apply %s → %s", tt.from, tt.to)
			want := r
			want.State, want.Updated = tt.to, at(5)
			if tt.to == ledger.Sent {
				want.MessageSID = "IM1"
			}
			require.Len(t, out, 1, "Apply returns one record a change")
			sameRecord(t, want, out[0], "what Apply returned for %s → %s", tt.from, tt.to)
			sameRecord(t, want, get(t, l, r.SID), "the record after %s → %s", tt.from, tt.to)
			_, err = l.Apply(t.Context(), change(r.SID, tt.from, tt.to, 6))
			wantCode(t, err, errs.Conflict, "the same transition again: a second instance would win it too")
		})
	}
}

// testConditions: each condition of a Change is checked against the record;
// when one does not hold the change is Conflict and the record is unchanged.
func testConditions(t *testing.T, _ Harness, l ledger.Ledger) {
	base := rec("ME1", "alice", "CH1")
	base.State, base.MessageSID, base.Updated = ledger.Sent, "IM1", at(10)
	tests := []struct {
		name  string
		edit  func(*ledger.Change)
		holds bool
	}{
		{"from matches", func(c *ledger.Change) {}, true},
		{"from among several", func(c *ledger.Change) { c.From = []ledger.State{ledger.Staged, ledger.Sent} }, true},
		{"from does not match", func(c *ledger.Change) { c.From = []ledger.State{ledger.Staged, ledger.Drafted} }, false},
		{"owner matches", func(c *ledger.Change) { c.Owner = "alice" }, true},
		{"another owner", func(c *ledger.Change) { c.Owner = "mallory" }, false},
		{"channel matches", func(c *ledger.Change) { c.Channel = "CH1" }, true},
		{"another channel", func(c *ledger.Change) { c.Channel = "CH2" }, false},
		{"message matches", func(c *ledger.Change) { c.MessageSID = "IM1" }, true},
		{"another message", func(c *ledger.Change) { c.MessageSID = "IMforged" }, false},
		{"updated before", func(c *ledger.Change) { c.UpdatedBefore = at(10).Add(1) }, true},
		{"updated at the same instant", func(c *ledger.Change) { c.UpdatedBefore = at(10) }, false},
		{"updated after", func(c *ledger.Change) { c.UpdatedBefore = at(9) }, false},
		{"every condition", func(c *ledger.Change) {
			c.Owner, c.Channel, c.MessageSID, c.UpdatedBefore = "alice", "CH1", "IM1", at(11)
		}, true},
		{"every condition but one", func(c *ledger.Change) {
			c.Owner, c.Channel, c.MessageSID, c.UpdatedBefore = "alice", "CH2", "IM1", at(11)
		}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.SID = "ME" + string(rune('a'+i))
			create(t, l, r)
			ch := change(r.SID, ledger.Sent, ledger.Deleted, 20)
			tt.edit(&ch)
			require.Equal(t, tt.holds, ledger.Holds(ch, r), "the suite's own case disagrees with ledger.Holds")
			_, err := l.Apply(t.Context(), ch)
			if tt.holds {
				assert.NoError(t, err, "a change whose conditions hold was refused")
				assert.Equal(t, ledger.Deleted, get(t, l, r.SID).State)
				return
			}
			wantCode(t, err, errs.Conflict, "a change whose conditions do not hold: a forged or stale request would act")
			sameRecord(t, r, get(t, l, r.SID), "the record after a refused change")
		})
	}
}

// testValuesSet: a change sets the values it carries and keeps the rest; To
// "" keeps the state.
func testValuesSet(t *testing.T, _ Harness, l ledger.Ledger) {
	thumb := ledger.Rendition{Name: "thumbnail", ContentType: "image/jpeg", Size: 10, Width: 4, Height: 3, Pending: at(2)}
	preview := ledger.Rendition{Name: "preview", Size: 1}
	stored := ledger.Rendition{Name: "preview", ContentType: "image/webp", Size: 7, Width: 8, Height: 6, BlurHash: "LEHV6nWB2yk8"}
	tests := []struct {
		name string
		edit func(*ledger.Change)
		want func(*ledger.Record)
	}{
		{"nothing but Now", func(c *ledger.Change) {}, func(r *ledger.Record) {}},
		{"size and hash once stored", func(c *ledger.Change) { c.Size, c.SHA256 = 99, "ab" }, func(r *ledger.Record) { r.Size, r.SHA256 = 99, "ab" }},
		{"a pending rendition added", func(c *ledger.Change) { c.AddRendition = &thumb },
			func(r *ledger.Record) { r.Renditions = []ledger.Rendition{preview, thumb} }},
		{"a rendition replaced by name", func(c *ledger.Change) { c.AddRendition = &stored },
			func(r *ledger.Record) { r.Renditions = []ledger.Rendition{stored} }},
		{"a rendition dropped", func(c *ledger.Change) { c.DropRendition = "preview" }, func(r *ledger.Record) { r.Renditions = nil }},
		{"dropping one not there", func(c *ledger.Change) { c.DropRendition = "poster" }, func(r *ledger.Record) {}},
		{"message", func(c *ledger.Change) { c.To, c.SetMessageSID = ledger.Sent, "IM9" }, func(r *ledger.Record) { r.State, r.MessageSID = ledger.Sent, "IM9" }},
		{"a state", func(c *ledger.Change) { c.To = ledger.Drafted }, func(r *ledger.Record) { r.State = ledger.Drafted }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec("ME"+string(rune('a'+i)), "alice", "CH1")
			r.Renditions = []ledger.Rendition{preview}
			create(t, l, r)
			ch := change(r.SID, ledger.Staged, "", 3)
			tt.edit(&ch)
			want := r
			want.Updated = at(3)
			tt.want(&want)
			out, err := l.Apply(t.Context(), ch)
			require.NoError(t, err)
			sameRecord(t, want, out[0], "what Apply returned")
			sameRecord(t, want, get(t, l, r.SID), "the record after the change")
		})
	}
}

// testApplyAllOrNothing: when any change of an Apply fails, none is made,
// wherever the failing one is.
func testApplyAllOrNothing(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"), rec("ME2", "alice", "CH1"), rec("ME3", "alice", "CH1"))
	good := func(sid string) ledger.Change {
		c := change(sid, ledger.Staged, ledger.Sending, 5)
		c.Owner, c.Size = "alice", 77
		return c
	}
	stale := good("ME2")
	stale.Owner = "mallory"
	missing := good("MEgone")
	tests := []struct {
		name    string
		changes []ledger.Change
		code    errs.Code
	}{
		{"a conflict in the middle", []ledger.Change{good("ME1"), stale, good("ME3")}, errs.Conflict},
		{"a conflict last", []ledger.Change{good("ME1"), good("ME2"), stale}, errs.Conflict},
		{"a missing record in the middle", []ledger.Change{good("ME1"), missing, good("ME3")}, errs.NotFound},
		{"a later change undoes an earlier one's condition", []ledger.Change{good("ME1"), good("ME1")}, errs.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := l.Apply(t.Context(), tt.changes...)
			wantCode(t, err, tt.code, "Apply")
			assert.Empty(t, out, "Apply returned records although it failed")
			for _, sid := range []string{"ME1", "ME2", "ME3"} {
				sameRecord(t, rec(sid, "alice", "CH1"), get(t, l, sid), "%s after a failed Apply: a send half taken", sid)
			}
		})
	}
	out, err := l.Apply(t.Context(), good("ME1"), good("ME2"), good("ME3"))
	require.NoError(t, err, "Apply of three good changes")
	assert.Equal(t, []string{"ME1", "ME2", "ME3"}, sids(out), "Apply returns the records in the changes' order")
	for _, r := range out {
		assert.Equal(t, ledger.Sending, r.State)
		assert.EqualValues(t, 77, r.Size)
	}
	out, err = l.Apply(t.Context())
	assert.NoError(t, err, "Apply of no changes")
	assert.Empty(t, out)
}

// testApplySameRecordTwice: a later change in one Apply sees the earlier
// one's effect.
func testApplySameRecordTwice(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"))
	first := change("ME1", ledger.Staged, ledger.Sending, 5)
	second := change("ME1", ledger.Sending, ledger.Sent, 6)
	second.SetMessageSID = "IM1"
	out, err := l.Apply(t.Context(), first, second)
	require.NoError(t, err, "staged → sending → sent in one Apply")
	require.Len(t, out, 2)
	assert.Equal(t, ledger.Sending, out[0].State, "the first change's record")
	assert.Equal(t, ledger.Sent, out[1].State, "the second change's record")
	r := get(t, l, "ME1")
	assert.Equal(t, ledger.Sent, r.State)
	assert.Equal(t, "IM1", r.MessageSID)
	assert.True(t, at(6).Equal(r.Updated), "Updated is the last change's Now")
}

// testApplyNotFoundOrConflict: a missing record is NotFound, a record in the
// wrong state Conflict; a deleted and removed record is NotFound again.
func testApplyNotFoundOrConflict(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"))
	_, err := l.Apply(t.Context(), change("MEnothere", ledger.Staged, ledger.Drafted, 1))
	wantCode(t, err, errs.NotFound, "Apply to a SID never created")
	_, err = l.Apply(t.Context(), change("ME1", ledger.Drafted, ledger.Sending, 1))
	wantCode(t, err, errs.Conflict, "Apply from a state the record is not in")
	_, err = l.Apply(t.Context(), change("ME1", ledger.Staged, ledger.Deleted, 1))
	require.NoError(t, err)
	require.NoError(t, l.Remove(t.Context(), "ME1"))
	_, err = l.Apply(t.Context(), change("ME1", ledger.Deleted, ledger.Deleted, 2))
	wantCode(t, err, errs.NotFound, "Apply to a removed record")
}

// testApplyInvalid: a change with no From or no Now is InvalidArgument and
// changes nothing.
func testApplyInvalid(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"))
	noNow := change("ME1", ledger.Staged, ledger.Drafted, 0)
	noNow.Now = time.Time{}
	noFrom := change("ME1", ledger.Staged, ledger.Drafted, 1)
	noFrom.From = nil
	for name, c := range map[string]ledger.Change{"no Now": noNow, "no From": noFrom} {
		_, err := l.Apply(t.Context(), change("ME1", ledger.Staged, ledger.Staged, 1), c)
		wantCode(t, err, errs.InvalidArgument, "Apply of a change with %s", name)
	}
	sameRecord(t, rec("ME1", "alice", "CH1"), get(t, l, "ME1"), "the record after invalid changes")
}

// testLimit: Limit counts the other records of the same owner and channel
// in state To, the pending changes of the same Apply included.
func testLimit(t *testing.T, _ Harness, l ledger.Ledger) {
	for _, r := range []ledger.Record{
		rec("ME1", "alice", "CH1"), rec("ME2", "alice", "CH1"), rec("ME3", "alice", "CH1"), rec("ME4", "alice", "CH1"),
		rec("MEb", "bob", "CH1"), rec("MEc", "alice", "CH2"),
	} {
		create(t, l, r)
	}
	attach := func(sid string, limit int) ledger.Change {
		c := change(sid, ledger.Staged, ledger.Drafted, 1)
		c.Limit = limit
		return c
	}
	// Other owners' and channels' drafts do not count.
	_, err := l.Apply(t.Context(), attach("MEb", 1), attach("MEc", 1))
	require.NoError(t, err, "drafts of other owners or channels")
	_, err = l.Apply(t.Context(), attach("ME1", 1))
	require.NoError(t, err, "the first file of a one-file draft, beside bob's and another channel's drafts")
	_, err = l.Apply(t.Context(), attach("ME2", 1))
	wantCode(t, err, errs.Conflict, "a second file in a one-file draft")
	_, err = l.Apply(t.Context(), attach("ME2", 3), attach("ME3", 3), attach("ME4", 3))
	wantCode(t, err, errs.Conflict, "three more files in one Apply to a three-file draft holding one")
	for _, sid := range []string{"ME2", "ME3", "ME4"} {
		assert.Equal(t, ledger.Staged, get(t, l, sid).State, "%s after the refused Apply", sid)
	}
	_, err = l.Apply(t.Context(), attach("ME2", 3), attach("ME3", 3))
	require.NoError(t, err, "two more files in one Apply to a three-file draft holding one")
	// The record itself does not count: re-applying in place is allowed.
	again := change("ME3", ledger.Drafted, ledger.Drafted, 2)
	again.Limit = 3
	_, err = l.Apply(t.Context(), again)
	assert.NoError(t, err, "a change in place on a full draft: the file itself was counted")
	// States other than To do not count.
	_, err = l.Apply(t.Context(), change("ME1", ledger.Drafted, ledger.Sending, 3))
	require.NoError(t, err)
	_, err = l.Apply(t.Context(), attach("ME4", 3))
	assert.NoError(t, err, "a third draft file once the first went to sending")
}
