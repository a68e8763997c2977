package ledgertest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// testCreateAndGet: every field comes back as stored, and Seq grows with
// each record created.
func testCreateAndGet(t *testing.T, _ Harness, l ledger.Ledger) {
	full := rec("ME1", "customer:alice@example.com", "CH1")
	full.Store, full.Location = "own", "s3://bucket/key with spaces"
	full.State, full.MessageSID = ledger.Sent, "IM1"
	full.Renditions = []ledger.Rendition{
		{Name: "thumbnail", ContentType: "image/jpeg", Size: 2048, Width: 160, Height: 120},
		{Name: "preview", ContentType: "image/webp", Size: 9000, Width: 800, Height: 600},
	}
	full.Updated = at(7)
	bare := ledger.Record{SID: "ME2", Owner: "o", Channel: "c", State: ledger.Staged}
	create(t, l, full, bare)

	got1, got2 := get(t, l, "ME1"), get(t, l, "ME2")
	sameRecord(t, full, got1, "Get(ME1)")
	sameRecord(t, bare, got2, "Get(ME2), a record with only the required fields")
	assert.Positive(t, got1.Seq, "Seq of the first record: a sweep could not page")
	assert.Greater(t, got2.Seq, got1.Seq, "Seq of a later record: a sweep paging by Seq would loop or skip")
}

// testCreateDuplicate: a SID is created once; a second Create is Conflict and
// leaves the first record as it was.
func testCreateDuplicate(t *testing.T, _ Harness, l ledger.Ledger) {
	first := rec("ME1", "alice", "CH1")
	create(t, l, first)
	again := rec("ME1", "mallory", "CH2")
	wantCode(t, l.Create(t.Context(), again), errs.Conflict, "Create of an existing SID")
	sameRecord(t, first, get(t, l, "ME1"), "the first record after a duplicate Create: another member took the file")
}

// testCreateInvalid: a record with no SID or no state is InvalidArgument.
func testCreateInvalid(t *testing.T, _ Harness, l ledger.Ledger) {
	noSID := rec("", "alice", "CH1")
	noState := rec("ME1", "alice", "CH1")
	noState.State = ""
	wantCode(t, l.Create(t.Context(), noSID), errs.InvalidArgument, "Create with no SID")
	wantCode(t, l.Create(t.Context(), noState), errs.InvalidArgument, "Create with no state")
	_, err := l.Get(t.Context(), "ME1")
	wantCode(t, err, errs.NotFound, "Get after a refused Create")
}

// testGetNotFound: a SID never created is NotFound.
func testGetNotFound(t *testing.T, _ Harness, l ledger.Ledger) {
	_, err := l.Get(t.Context(), "MEnothere")
	wantCode(t, err, errs.NotFound, "Get of a SID never created")
}

// testRecordsAreCopies: changing a record the caller gave or got back does
// not change the ledger's.
func testRecordsAreCopies(t *testing.T, _ Harness, l ledger.Ledger) {
	r := rec("ME1", "alice", "CH1")
	r.Renditions = []ledger.Rendition{{Name: "thumbnail", Size: 1}}
	create(t, l, r)
	r.Renditions[0].Name = "changed by the caller"
	got := get(t, l, "ME1")
	require.Len(t, got.Renditions, 1)
	assert.Equal(t, "thumbnail", got.Renditions[0].Name, "the ledger kept the caller's slice")
	got.Renditions[0].Name = "changed by a reader"
	assert.Equal(t, "thumbnail", get(t, l, "ME1").Renditions[0].Name, "Get handed out the ledger's own slice")

	ch := change("ME1", ledger.Staged, ledger.Drafted, 1)
	ch.AddRendition = &ledger.Rendition{Name: "preview", Size: 2}
	out, err := l.Apply(t.Context(), ch)
	require.NoError(t, err)
	ch.AddRendition.Name = "changed by the caller"
	out[0].Renditions[1].Name = "changed by a reader"
	assert.Equal(t, "preview", get(t, l, "ME1").Renditions[1].Name, "Apply kept the caller's rendition or handed out its own slice")
}

// testRemove: only a Deleted record is removed; removing a missing one is
// not an error.
func testRemove(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"), rec("ME2", "alice", "CH1"))
	wantCode(t, l.Remove(t.Context(), "ME1"), errs.Conflict, "Remove of a staged record: a live file would lose its record")
	get(t, l, "ME1")

	_, err := l.Apply(t.Context(), change("ME1", ledger.Staged, ledger.Deleted, 1))
	require.NoError(t, err)
	require.NoError(t, l.Remove(t.Context(), "ME1"), "Remove of a deleted record")
	_, err = l.Get(t.Context(), "ME1")
	wantCode(t, err, errs.NotFound, "Get after Remove")
	assert.NoError(t, l.Remove(t.Context(), "ME1"), "Remove again: a retried sweep would fail")
	assert.NoError(t, l.Remove(t.Context(), "MEnever"), "Remove of a SID never created")
	sameRecord(t, rec("ME2", "alice", "CH1"), get(t, l, "ME2"), "another record after a Remove")
}

// testList: each field of a Query selects, alone and together; results come
// in Seq order; Limit caps them.
func testList(t *testing.T, _ Harness, l ledger.Ledger) {
	// Records in creation order: owner, channel, state, message, updated.
	rows := []struct {
		sid, owner, channel string
		state               ledger.State
		msg                 string
		updated             int
	}{
		{"ME01", "alice", "CH1", ledger.Staged, "", 10},
		{"ME02", "bob", "CH1", ledger.Drafted, "", 20},
		{"ME03", "alice", "CH2", ledger.Sent, "IM1", 30},
		{"ME04", "alice", "CH1", ledger.Drafted, "", 40},
		{"ME05", "bob", "CH2", ledger.Sent, "IM1", 50},
		{"ME06", "alice", "CH1", ledger.Deleted, "IM2", 60},
		{"ME07", "carol", "CH1", ledger.Sending, "", 70},
		{"ME08", "alice", "CH1", ledger.Sent, "IM2", 80},
	}
	for _, r := range rows {
		x := rec(r.sid, r.owner, r.channel)
		x.State, x.MessageSID, x.Updated = r.state, r.msg, at(r.updated)
		create(t, l, x)
	}
	tests := []struct {
		name string
		q    ledger.Query
		want []string
	}{
		{"everything", ledger.Query{}, []string{"ME01", "ME02", "ME03", "ME04", "ME05", "ME06", "ME07", "ME08"}},
		{"owner", ledger.Query{Owner: "alice"}, []string{"ME01", "ME03", "ME04", "ME06", "ME08"}},
		{"channel", ledger.Query{Channel: "CH2"}, []string{"ME03", "ME05"}},
		{"one state", ledger.Query{States: []ledger.State{ledger.Drafted}}, []string{"ME02", "ME04"}},
		{"states", ledger.Query{States: []ledger.State{ledger.Staged, ledger.Sending, ledger.Deleted}}, []string{"ME01", "ME06", "ME07"}},
		{"message", ledger.Query{MessageSID: "IM1"}, []string{"ME03", "ME05"}},
		{"updated before", ledger.Query{UpdatedBefore: at(40)}, []string{"ME01", "ME02", "ME03"}},
		{"updated before, a nanosecond after", ledger.Query{UpdatedBefore: at(40).Add(1)}, []string{"ME01", "ME02", "ME03", "ME04"}},
		{"limit", ledger.Query{Owner: "alice", Limit: 2}, []string{"ME01", "ME03"}},
		{"draft listing", ledger.Query{Owner: "alice", Channel: "CH1", States: []ledger.State{ledger.Drafted}}, []string{"ME04"}},
		{"message in a channel", ledger.Query{Channel: "CH1", MessageSID: "IM2", States: ledger.Live}, []string{"ME08"}},
		{"sweep", ledger.Query{States: []ledger.State{ledger.Staged, ledger.Drafted}, UpdatedBefore: at(25)}, []string{"ME01", "ME02"}},
		{"nothing", ledger.Query{Owner: "nobody"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.List(t.Context(), tt.q)
			require.NoError(t, err, "List(%+v)", tt.q)
			assert.Equal(t, tt.want, nilIfEmpty(sids(got)), "List(%+v): the records a sweep, an erase or a message lookup would act on", tt.q)
			for _, r := range got {
				assert.True(t, ledger.Selects(tt.q, r), "List(%+v) returned %s, which the query does not select", tt.q, r.SID)
			}
		})
	}
	all, err := l.List(t.Context(), ledger.Query{})
	require.NoError(t, err)
	for _, r := range all {
		sameRecord(t, get(t, l, r.SID), r, "List's copy of %s against Get's", r.SID)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// testListPages: paging by AfterSeq with a Limit visits every selected record
// once, in order, even when records are removed between pages.
func testListPages(t *testing.T, _ Harness, l ledger.Ledger) {
	const n = 25
	var want []string
	for i := range n {
		r := rec(fmt.Sprintf("ME%03d", i), "alice", "CH1")
		if i%3 == 0 {
			r.Owner = "bob"
		} else {
			want = append(want, r.SID)
		}
		create(t, l, r)
	}
	var got []string
	var after int64
	for pages := 0; ; pages++ {
		require.Less(t, pages, n, "paging never ends: a sweep would loop for ever")
		page, err := l.List(t.Context(), ledger.Query{Owner: "alice", AfterSeq: after, Limit: 4})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 4, "a page longer than its Limit")
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			require.Greater(t, r.Seq, after, "a page starts at or before AfterSeq: a sweep would loop")
			after = r.Seq
			got = append(got, r.SID)
		}
		// The sweep deletes what it found: the next page must not shift.
		_, err = l.Apply(t.Context(), change(page[0].SID, ledger.Staged, ledger.Deleted, 1))
		require.NoError(t, err)
		require.NoError(t, l.Remove(t.Context(), page[0].SID))
	}
	assert.Equal(t, want, got, "the records seen by paging: a sweep would skip or repeat files")
}

// testUsage: what an owner stores is its live records and their bytes,
// and its pending ones are those staged or drafted.
func testUsage(t *testing.T, _ Harness, l ledger.Ledger) {
	sizes := map[string]int64{"ME1": 100, "ME2": 20, "ME3": 3, "ME4": 4000}
	for _, sid := range []string{"ME1", "ME2", "ME3", "ME4"} {
		r := rec(sid, "alice", "CH1")
		if sid == "ME4" {
			r.Owner = "bob"
		}
		r.Size = sizes[sid]
		create(t, l, r)
	}
	_, err := l.Apply(t.Context(), change("ME3", ledger.Staged, ledger.Deleted, 1))
	require.NoError(t, err)
	_, err = l.Apply(t.Context(), change("ME2", ledger.Staged, ledger.Sent, 1))
	require.NoError(t, err)
	tests := []struct {
		owner string
		want  ledger.Usage
	}{
		{"alice", ledger.Usage{Files: 2, Bytes: 120, Pending: 1}},
		{"bob", ledger.Usage{Files: 1, Bytes: 4000, Pending: 1}},
		{"nobody", ledger.Usage{}},
	}
	for _, tt := range tests {
		u, err := l.Usage(t.Context(), tt.owner)
		require.NoError(t, err)
		assert.Equal(t, tt.want, u, "Usage(%s): a quota would count deleted files or miss live ones", tt.owner)
	}
}

// testCanceledContext: every method returns Canceled on a done context, and
// changes nothing.
func testCanceledContext(t *testing.T, _ Harness, l ledger.Ledger) {
	create(t, l, rec("ME1", "alice", "CH1"))
	require.NoError(t, l.SetDraftText(t.Context(), "CH1", "alice", "hello"))
	ctx := canceled()
	calls := []struct {
		name string
		call func() error
	}{
		{"Create", func() error { return l.Create(ctx, rec("ME2", "alice", "CH1")) }},
		{"Get", func() error { _, err := l.Get(ctx, "ME1"); return err }},
		{"Apply", func() error { _, err := l.Apply(ctx, change("ME1", ledger.Staged, ledger.Drafted, 1)); return err }},
		{"List", func() error { _, err := l.List(ctx, ledger.Query{}); return err }},
		{"Remove", func() error { return l.Remove(ctx, "ME1") }},
		{"Usage", func() error { _, err := l.Usage(ctx, "alice"); return err }},
		{"DraftText", func() error { _, err := l.DraftText(ctx, "CH1", "alice"); return err }},
		{"SetDraftText", func() error { return l.SetDraftText(ctx, "CH1", "alice", "") }},
		{"ForgetOwner", func() error { return l.ForgetOwner(ctx, "alice") }},
		{"Append", func() error { return l.Append(ctx, ledger.Entry{Time: at(0), Action: "x", Code: "ok"}) }},
		{"Entries", func() error { _, err := l.Entries(ctx, ledger.EntryQuery{}); return err }},
		{"Purge", func() error { _, err := l.Purge(ctx, at(100)); return err }},
	}
	for _, c := range calls {
		wantCode(t, c.call(), errs.Canceled, "%s with a cancelled context", c.name)
	}
	sameRecord(t, rec("ME1", "alice", "CH1"), get(t, l, "ME1"), "the record after cancelled calls")
	_, err := l.Get(t.Context(), "ME2")
	wantCode(t, err, errs.NotFound, "a record created with a cancelled context")
	text, err := l.DraftText(t.Context(), "CH1", "alice")
	require.NoError(t, err)
	assert.Equal(t, "hello", text, "the draft text after cancelled calls")
	entries, err := l.Entries(t.Context(), ledger.EntryQuery{})
	require.NoError(t, err)
	assert.Empty(t, entries, "a journal entry recorded with a cancelled context")
}

// testListBySID: BySID lists records in SID order byte by byte, whatever
// the order they were created in and whatever the database's collation,
// and pages by AfterSID: the order a storage listing of their keys comes
// in, which Check walks beside it.
func testListBySID(t *testing.T, _ Harness, l ledger.Ledger) {
	created := []string{"MEb", "ME_1", "MEa", "ME-2", "MEA", "ME1", "MEé", "MEB0"}
	for i, sid := range created {
		r := rec(sid, "alice", "CH1")
		if i%4 == 3 {
			r.State = ledger.Deleted
		}
		create(t, l, r)
	}
	want := slices.Clone(created)
	slices.Sort(want) // Go compares strings byte by byte
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, len(created), "paging BySID does not end")
		rs, err := l.List(t.Context(), ledger.Query{BySID: true, AfterSID: after, Limit: 3})
		require.NoError(t, err)
		got = append(got, sids(rs)...)
		if len(rs) < 3 {
			break
		}
		after = rs[len(rs)-1].SID
	}
	assert.Equal(t, want, got, "records in SID order, paged: Check would report files that are there as missing or orphaned")
	rs, err := l.List(t.Context(), ledger.Query{BySID: true, States: ledger.Live, AfterSID: "ME1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"MEA", "ME_1", "MEa", "MEb", "MEé"}, sids(rs), "live records after ME1, in SID order")
}
