package ledgertest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

const (
	// racers is how many goroutines race for one thing.
	racers = 8
	// rounds is how many times each race runs: a bug that loses one race in
	// a few shows in one run.
	rounds = 12
)

// race runs f(i, l) in n goroutines released together, goroutine i on
// handle i modulo the handles, and returns their errors by goroutine.
func race(n int, ls []ledger.Ledger, f func(i int, l ledger.Ledger) error) []error {
	out := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = f(i, ls[i%len(ls)])
		})
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts the nil errors of errs and fails t on any error that is not
// code.
func tally(t *testing.T, got []error, code errs.Code, what string) int {
	t.Helper()
	wins := 0
	for i, err := range got {
		if err == nil {
			wins++
			continue
		}
		if !errors.Is(err, code) {
			t.Errorf("%s: racer %d got %v (code %s), want success or %s", what, i, err, errs.CodeOf(err), code)
		}
	}
	return wins
}

// testRaceSameTransition: racers taking the same staged file to send get
// exactly one winner; the others get Conflict. Across two handles too.
func testRaceSameTransition(t *testing.T, h Harness, l ledger.Ledger) {
	ls := handles(t, h, l)
	for round := range rounds {
		sid := fmt.Sprintf("ME%d", round)
		create(t, l, rec(sid, "alice", "CH1"))
		got := race(racers, ls, func(i int, l ledger.Ledger) error {
			c := change(sid, ledger.Staged, ledger.Sending, i+1)
			c.Owner = "alice"
			_, err := l.Apply(t.Context(), c)
			return err
		})
		wins := tally(t, got, errs.Conflict, "racing sends of one file")
		require.Equal(t, 1, wins, "round %d: %d racers took one file: a file sent twice, or swept while sent", round, wins)
		assert.Equal(t, ledger.Sending, get(t, l, sid).State)
	}
}

// testRaceLimit: racers each attaching a different file to one draft with a
// limit never put more files in it than the limit, and as many as it allows.
// This is the case that needs care in a database: each racer's count of the
// draft's files must see the others' attaches.
func testRaceLimit(t *testing.T, h Harness, l ledger.Ledger) {
	ls := handles(t, h, l)
	const limit = 3
	for round := range rounds {
		channel := fmt.Sprintf("CH%d", round)
		for i := range racers {
			create(t, l, rec(fmt.Sprintf("ME%d-%d", round, i), "alice", channel))
		}
		got := race(racers, ls, func(i int, l ledger.Ledger) error {
			c := change(fmt.Sprintf("ME%d-%d", round, i), ledger.Staged, ledger.Drafted, 1)
			c.Owner, c.Channel, c.Limit = "alice", channel, limit
			_, err := l.Apply(t.Context(), c)
			return err
		})
		wins := tally(t, got, errs.Conflict, "racing attaches to one draft")
		drafted, err := l.List(t.Context(), ledger.Query{Owner: "alice", Channel: channel, States: []ledger.State{ledger.Drafted}})
		require.NoError(t, err)
		require.Len(t, drafted, wins, "round %d: the attaches that succeeded and the files drafted disagree", round)
		require.Equal(t, limit, wins, "round %d: %d files in a %d-file draft", round, wins, limit)
	}
}

// testRaceCreate: racers creating one SID get one winner.
func testRaceCreate(t *testing.T, h Harness, l ledger.Ledger) {
	ls := handles(t, h, l)
	for round := range rounds {
		sid := fmt.Sprintf("ME%d", round)
		got := race(racers, ls, func(i int, l ledger.Ledger) error {
			return l.Create(t.Context(), rec(sid, fmt.Sprintf("owner%d", i), "CH1"))
		})
		wins := tally(t, got, errs.Conflict, "racing creates of one SID")
		require.Equal(t, 1, wins, "round %d: %d creates of one SID succeeded", round, wins)
	}
	all, err := l.List(t.Context(), ledger.Query{})
	require.NoError(t, err)
	assert.Len(t, all, rounds, "records after the races")
}

// testSecondHandle: what one handle writes, the other reads.
func testSecondHandle(t *testing.T, h Harness, l ledger.Ledger) {
	if h.Second == nil {
		t.Skip("the driver has no second handle on one store (Harness.Second is nil)")
	}
	ls := handles(t, h, l)
	a, b := ls[0], ls[1]
	ctx := t.Context()
	create(t, a, rec("ME1", "alice", "CH1"))
	sameRecord(t, rec("ME1", "alice", "CH1"), get(t, b, "ME1"), "a record created on A, read on B: a draft attached on A could not be sent from B")
	_, err := b.Apply(ctx, change("ME1", ledger.Staged, ledger.Drafted, 1))
	require.NoError(t, err)
	assert.Equal(t, ledger.Drafted, get(t, a, "ME1").State, "a change made on B, read on A")
	require.NoError(t, a.SetDraftText(ctx, "CH1", "alice", "from A"))
	s, err := b.DraftText(ctx, "CH1", "alice")
	require.NoError(t, err)
	assert.Equal(t, "from A", s, "a draft text written on A, read on B")
	require.NoError(t, b.Append(ctx, entry(1, "CH1")))
	es, err := a.Entries(ctx, ledger.EntryQuery{})
	require.NoError(t, err)
	assert.Len(t, es, 1, "a journal entry recorded on B, read on A")
}

// testRaceRenditions: renditions added to one file at once, on both handles
// and while its state changes, are all kept: each edits the list the record
// holds, not a copy read before another's edit (a lost thumbnail is a link
// that 404s for good).
func testRaceRenditions(t *testing.T, h Harness, l ledger.Ledger) {
	ls := handles(t, h, l)
	for round := range rounds {
		sid := fmt.Sprintf("ME%d", round)
		create(t, l, rec(sid, "alice", "CH1"))
		got := race(racers+1, ls, func(i int, l ledger.Ledger) error {
			c := ledger.Change{SID: sid, From: ledger.Live, Now: at(1)}
			if i == racers {
				c.To = ledger.Drafted // a state change that leaves the renditions be
			} else {
				c.AddRendition = &ledger.Rendition{Name: fmt.Sprintf("r%d", i), ContentType: "image/jpeg", Size: int64(i + 1), Pending: at(1)}
			}
			_, err := l.Apply(t.Context(), c)
			return err
		})
		require.Equal(t, racers+1, tally(t, got, "", "renditions added at once"), "every change applies")
		r := get(t, l, sid)
		names := []string{}
		for _, rd := range r.Renditions {
			names = append(names, rd.Name)
		}
		assert.Len(t, names, racers, "round %d: renditions added at once were lost: %v", round, names)
		assert.Equal(t, ledger.Drafted, r.State, "the state change made alongside")
	}
}
