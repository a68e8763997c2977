package ledgertest

import (
	"fmt"
	"testing"

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

// testJournal: entries come back whole, newest first, selected by channel
// and time, at most Limit of them.
func testJournal(t *testing.T, _ Harness, l ledger.Ledger) {
	for i := 1; i <= 6; i++ {
		e := entry(i, "CH1")
		if i%2 == 0 {
			e.Channel = "CH2"
		}
		if i == 5 {
			e.Code, e.Message, e.MediaSIDs, e.FileNames = "type_mismatch", "the file's content does not match its name", nil, nil
		}
		require.NoError(t, l.Record(t.Context(), e), "Record: an action would go unaudited")
	}
	nums := func(es []ledger.Entry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.MessageSID)
		}
		return out
	}
	tests := []struct {
		name string
		q    ledger.EntryQuery
		want []string
	}{
		{"all", ledger.EntryQuery{}, []string{"IM6", "IM5", "IM4", "IM3", "IM2", "IM1"}},
		{"channel", ledger.EntryQuery{Channel: "CH1"}, []string{"IM5", "IM3", "IM1"}},
		{"before", ledger.EntryQuery{Before: at(4)}, []string{"IM3", "IM2", "IM1"}},
		{"limit", ledger.EntryQuery{Limit: 2}, []string{"IM6", "IM5"}},
		{"all three", ledger.EntryQuery{Channel: "CH2", Before: at(6), Limit: 1}, []string{"IM4"}},
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
}

// sameEntry fails t unless got is want: times to the nanosecond, empty
// lists equal to none.
func sameEntry(t testing.TB, want, got ledger.Entry) {
	t.Helper()
	assert.True(t, want.Time.Equal(got.Time), "entry time is %v, want %v", got.Time, want.Time)
	norm := func(e ledger.Entry) ledger.Entry {
		e.Time = e.Time.UTC()
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
		require.NoError(t, l.Record(t.Context(), entry(i, "CH1")))
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
