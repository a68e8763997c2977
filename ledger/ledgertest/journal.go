package ledgertest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
)

// entry returns a journal entry at second n in channel.
func entry(n int, channel string) ledger.Entry {
	return ledger.Entry{
		Time: at(n), Action: "sendMediaMessage", Actor: "customer:alice", Channel: channel,
		MessageSID: fmt.Sprintf("IM%d", n), MediaSIDs: []string{"ME1", "ME2"}, FileNames: []string{"a.png", "b – 日本.pdf"},
		Code: "ok", Message: "",
	}
}

// testJournal: entries come back whole with increasing Seqs, newest first
// (oldest first with Forward), selected by channel and Seq, at most Limit of
// them.
func testJournal(t *testing.T, _ Harness, l ledger.Ledger) {
	for i := 1; i <= 6; i++ {
		e := entry(i, "CH1")
		if i%2 == 0 {
			e.Channel = "CH2"
		}
		if i == 5 {
			e.Code, e.Message, e.MediaSIDs, e.FileNames = "type_mismatch", "the file's content does not match its name", nil, nil
		}
		require.NoError(t, l.Append(t.Context(), e), "Append: an action would go unaudited")
	}
	nums := func(es []ledger.Entry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.MessageSID)
		}
		return out
	}
	all, err := l.Entries(t.Context(), ledger.EntryQuery{})
	require.NoError(t, err)
	require.Len(t, all, 6)
	seq := map[string]int64{}
	for i, e := range all {
		seq[e.MessageSID] = e.Seq
		if i > 0 {
			require.Less(t, e.Seq, all[i-1].Seq, "Seqs must increase with each entry appended: a reader paging by Seq would skip or repeat entries")
		}
	}
	tests := []struct {
		name string
		q    ledger.EntryQuery
		want []string
	}{
		{"all", ledger.EntryQuery{}, []string{"IM6", "IM5", "IM4", "IM3", "IM2", "IM1"}},
		{"channel", ledger.EntryQuery{Channel: "CH1"}, []string{"IM5", "IM3", "IM1"}},
		{"before", ledger.EntryQuery{BeforeSeq: seq["IM4"]}, []string{"IM3", "IM2", "IM1"}},
		{"after", ledger.EntryQuery{AfterSeq: seq["IM4"]}, []string{"IM6", "IM5"}},
		{"forward", ledger.EntryQuery{Forward: true}, []string{"IM1", "IM2", "IM3", "IM4", "IM5", "IM6"}},
		{"forward after, limit", ledger.EntryQuery{Forward: true, AfterSeq: seq["IM2"], Limit: 2}, []string{"IM3", "IM4"}},
		{"between", ledger.EntryQuery{AfterSeq: seq["IM2"], BeforeSeq: seq["IM5"]}, []string{"IM4", "IM3"}},
		{"limit", ledger.EntryQuery{Limit: 2}, []string{"IM6", "IM5"}},
		{"all three", ledger.EntryQuery{Channel: "CH2", BeforeSeq: seq["IM6"], Limit: 1}, []string{"IM4"}},
		{"none", ledger.EntryQuery{Channel: "CH9"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Entries(t.Context(), tt.q)
			require.NoError(t, err)
			assert.Equal(t, tt.want, nums(got), "Entries(%+v): the audit trail a supervisor sees", tt.q)
		})
	}
	got, err := l.Entries(t.Context(), ledger.EntryQuery{Limit: 2})
	require.NoError(t, err)
	require.Len(t, got, 2)
	want := entry(5, "CH1")
	want.Code, want.Message, want.MediaSIDs, want.FileNames = "type_mismatch", "the file's content does not match its name", nil, nil
	sameEntry(t, entry(6, "CH2"), got[0])
	sameEntry(t, want, got[1])
	assert.Equal(t, seq["IM6"], got[0].Seq, "the same entry read twice has one Seq")
}

// sameEntry fails t unless got is want: times to the nanosecond, empty
// lists equal to none.
func sameEntry(t testing.TB, want, got ledger.Entry) {
	t.Helper()
	assert.True(t, want.Time.Equal(got.Time), "entry time is %v, want %v", got.Time, want.Time)
	assert.Positive(t, got.Seq, "an entry read back has its Seq")
	norm := func(e ledger.Entry) ledger.Entry {
		e.Time = e.Time.UTC()
		e.Seq = 0
		if len(e.MediaSIDs) == 0 {
			e.MediaSIDs = nil
		}
		if len(e.FileNames) == 0 {
			e.FileNames = nil
		}
		return e
	}
	assert.Equal(t, norm(want), norm(got), "the journal entry differs from what was recorded")
}

// testPurge: Purge deletes exactly the entries older than its time and says
// how many.
func testPurge(t *testing.T, _ Harness, l ledger.Ledger) {
	for i := 1; i <= 5; i++ {
		require.NoError(t, l.Append(t.Context(), entry(i, "CH1")))
	}
	n, err := l.Purge(t.Context(), at(3))
	require.NoError(t, err)
	assert.Equal(t, 2, n, "Purge reports how many entries it deleted")
	got, err := l.Entries(t.Context(), ledger.EntryQuery{})
	require.NoError(t, err)
	require.Len(t, got, 3, "entries left after Purge: personal data kept past retention, or recent entries lost")
	assert.True(t, at(3).Equal(got[2].Time), "the oldest entry left is the one at the purge time")
	n, err = l.Purge(t.Context(), at(3))
	require.NoError(t, err)
	assert.Zero(t, n, "Purge again deletes nothing")
}

// Journal paging under load: journalWriters append at once, each with its
// own clock, while readers page through the journal by Seq.
const (
	journalWriters = 16
	// journalEach is how many entries each writer appends.
	journalEach = 40
	// journalPage is the readers' page size.
	journalPage = 25
)

// testJournalPaging: with 16 writers appending at once (on both handles),
// a reader tailing the journal (Forward from the last Seq it saw) and a
// reader paging back from the newest entry (BeforeSeq) never skip an entry
// nor see one twice: what an auditor reads is the whole journal. Once with
// the writers' clocks in agreement, once skewed by milliseconds either way,
// which must not matter since nothing pages by time.
func testJournalPaging(t *testing.T, h Harness, l ledger.Ledger) {
	for _, skew := range []time.Duration{0, 3 * time.Millisecond} {
		t.Run(fmt.Sprintf("skew=%v", skew), func(t *testing.T) {
			ls := handles(t, h, l)
			ctx := t.Context()
			// Entries of earlier subtests are not this run's.
			start, err := l.Entries(ctx, ledger.EntryQuery{Limit: 1})
			require.NoError(t, err)
			var from int64
			if len(start) > 0 {
				from = start[0].Seq
			}
			var writing sync.WaitGroup
			var done atomic.Bool
			errc := make(chan error, journalWriters)
			for w := range journalWriters {
				writing.Go(func() {
					clock := t0.Add(time.Duration(w%5-2) * skew)
					for i := range journalEach {
						e := ledger.Entry{Time: clock.Add(time.Duration(i) * time.Millisecond), Action: "sendMessage",
							Actor: fmt.Sprintf("writer%d", w), Channel: fmt.Sprintf("CH%d", w%2), MessageSID: fmt.Sprintf("IM%d-%d", w, i), Code: "ok"}
						if err := ls[w%len(ls)].Append(ctx, e); err != nil {
							errc <- err
							return
						}
					}
				})
			}
			tail := map[string]int{}
			var back []map[string]int64 // each backward pass: what it read, by MessageSID, and its top Seq under ""
			var reading sync.WaitGroup
			reading.Go(func() {
				after := from
				for last := false; ; last = done.Load() {
					for {
						page, err := l.Entries(ctx, ledger.EntryQuery{Forward: true, AfterSeq: after, Limit: journalPage})
						if err != nil {
							errc <- err
							return
						}
						for _, e := range page {
							if e.Seq <= after {
								errc <- fmt.Errorf("tail: Seq %d after %d: entries out of order", e.Seq, after)
								return
							}
							after = e.Seq
							tail[e.MessageSID]++
						}
						if len(page) < journalPage {
							break
						}
					}
					if last {
						return
					}
				}
			})
			reading.Go(func() {
				for !done.Load() {
					pass := map[string]int64{}
					var before int64
					for {
						page, err := l.Entries(ctx, ledger.EntryQuery{BeforeSeq: before, AfterSeq: from, Limit: journalPage})
						if err != nil {
							errc <- err
							return
						}
						for _, e := range page {
							if before == 0 {
								pass[""] = e.Seq
							}
							before = e.Seq
							pass[e.MessageSID] = e.Seq
						}
						if len(page) < journalPage {
							break
						}
					}
					back = append(back, pass)
				}
			})
			writing.Wait()
			done.Store(true)
			reading.Wait()
			close(errc)
			for err := range errc {
				require.NoError(t, err, "appending or paging the journal under load")
			}
			all, err := l.Entries(ctx, ledger.EntryQuery{AfterSeq: from})
			require.NoError(t, err)
			require.Len(t, all, journalWriters*journalEach, "entries appended at once were lost")
			missed := 0
			for _, e := range all {
				if n := tail[e.MessageSID]; n != 1 {
					missed++
					assert.LessOrEqual(t, n, 1, "the tailing reader saw %s (Seq %d) %d times", e.MessageSID, e.Seq, n)
				}
			}
			assert.Zero(t, missed, "a reader tailing the journal by Seq skipped %d of %d entries: an audit trail with holes", missed, len(all))
			require.NotEmpty(t, back, "the backward reader made no pass")
			for i, pass := range back {
				top := pass[""]
				skipped := 0
				for _, e := range all {
					if _, ok := pass[e.MessageSID]; e.Seq <= top && !ok {
						skipped++
					}
				}
				assert.Zero(t, skipped, "backward pass %d from Seq %d skipped %d entries older than its first page", i, top, skipped)
			}
		})
	}
}
