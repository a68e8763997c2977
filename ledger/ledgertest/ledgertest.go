// Package ledgertest is the conformance suite every ledger driver runs: the
// behaviour the library relies on to decide who may send, download, delete
// or sweep a file, checked the same way for memory, SQLite and PostgreSQL.
//
// A driver's test file opens ledgers for the suite and runs it:
//
//	func TestConformance(t *testing.T) {
//		ledgertest.RunConformanceTests(t, ledgertest.Harness{
//			New: func(testing.TB) ledger.Ledger { return memory.New() },
//		})
//	}
//
// RunConformanceTests runs one subtest per case, as testing/slogtest does,
// each on a new, empty ledger, so a failure names the broken promise: records
// round trip; every transition and every condition of a Change; all-or-nothing
// Apply; NotFound against Conflict; Remove, List (by each field, in Seq order,
// paged), Usage and its counters, quotas on Create and Apply, draft texts
// and the journal; cancelled contexts; and races (one winner for a
// contended transition, a draft's file limit and an owner's quota never
// exceeded), within one handle and, when Harness.Second is set, across two
// handles on one backing store.
//
// RunBenchmarks measures Create, an Apply cycle, Get and a sweep-style List
// on the same harness.
package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Harness tells the suite how to open a driver under test.
type Harness struct {
	// New returns a new, empty ledger for one test or benchmark. It releases
	// the ledger itself when t ends (t.Cleanup): ledger.Ledger has no Close.
	New func(t testing.TB) ledger.Ledger
	// Second, if set, returns another handle on first's backing store (a
	// second connection pool on the same database), released when t ends.
	// The suite then runs its races across the two handles too. Nil for a
	// driver whose store lives in one handle (memory).
	Second func(t testing.TB, first ledger.Ledger) ledger.Ledger
}

// testCase is one conformance case.
type testCase struct {
	name string
	run  func(t *testing.T, h Harness, l ledger.Ledger)
}

// cases are the conformance cases, in the order RunConformanceTests runs them.
func cases() []testCase {
	return []testCase{
		{"CreateAndGet", testCreateAndGet},
		{"CreateDuplicate", testCreateDuplicate},
		{"CreateInvalid", testCreateInvalid},
		{"GetNotFound", testGetNotFound},
		{"RecordsAreCopies", testRecordsAreCopies},
		{"Transitions", testTransitions},
		{"Conditions", testConditions},
		{"ValuesSet", testValuesSet},
		{"ApplyAllOrNothing", testApplyAllOrNothing},
		{"ApplySameRecordTwice", testApplySameRecordTwice},
		{"ApplyNotFoundOrConflict", testApplyNotFoundOrConflict},
		{"ApplyInvalid", testApplyInvalid},
		{"Limit", testLimit},
		{"Remove", testRemove},
		{"List", testList},
		{"ListPages", testListPages},
		{"ListBySID", testListBySID},
		{"Usage", testUsage},
		{"UsageCounters", testUsageCounters},
		{"QuotaCreate", testQuotaCreate},
		{"QuotaApply", testQuotaApply},
		{"DraftText", testDraftText},
		{"Journal", testJournal},
		{"JournalPaging", testJournalPaging},
		{"Purge", testPurge},
		{"CanceledContext", testCanceledContext},
		{"RaceSameTransition", testRaceSameTransition},
		{"RaceLimit", testRaceLimit},
		{"RaceCreate", testRaceCreate},
		{"RaceRenditions", testRaceRenditions},
		{"RaceQuota", testRaceQuota},
		{"SecondHandle", testSecondHandle},
	}
}

// RunConformanceTests runs the conformance suite against the driver h
// opens, one subtest per case.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Helper()
	checkHarness(t, h)
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, h, open(t, h))
		})
	}
}

// checkHarness fails t when h cannot open a ledger.
func checkHarness(t testing.TB, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("ledgertest: Harness.New is nil")
	}
}

// open returns a new ledger from h.
func open(t testing.TB, h Harness) ledger.Ledger {
	t.Helper()
	l := h.New(t)
	if l == nil {
		t.Fatal("ledgertest: Harness.New returned nil")
	}
	return l
}

// handles returns l and, when h has Second, a second handle on its store.
func handles(t testing.TB, h Harness, l ledger.Ledger) []ledger.Ledger {
	if h.Second == nil {
		return []ledger.Ledger{l}
	}
	s := h.Second(t, l)
	if s == nil {
		t.Fatal("ledgertest: Harness.Second returned nil")
	}
	return []ledger.Ledger{l, s}
}

// t0 is the suite's clock. Its nanoseconds catch a driver that rounds times:
// UpdatedBefore compares them exactly.
var t0 = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// rec returns a staged record with every field set.
func rec(sid, owner, channel string) ledger.Record {
	return ledger.Record{
		SID: sid, Owner: owner, Side: "customer", Channel: channel,
		State: ledger.Staged, FileName: "Résumé – 日本.png", ContentType: "image/png",
		Size: 1234, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Created: at(0), Updated: at(0),
	}
}

// create adds rs to l and fails t on error.
func create(t testing.TB, l ledger.Ledger, rs ...ledger.Record) {
	t.Helper()
	for _, r := range rs {
		require.NoError(t, l.Create(context.Background(), r), "Create(%s): a file the library stored would have no record", r.SID)
	}
}

// get returns sid's record and fails t on error.
func get(t testing.TB, l ledger.Ledger, sid string) ledger.Record {
	t.Helper()
	r, err := l.Get(context.Background(), sid)
	require.NoError(t, err, "Get(%s): a file with a record could not be looked up", sid)
	return r
}

// change returns a change of sid from one state to another at second n.
func change(sid string, from ledger.State, to ledger.State, n int) ledger.Change {
	return ledger.Change{SID: sid, From: []ledger.State{from}, To: to, Now: at(n)}
}

// wantCode fails t unless err is an *errs.Error with code.
func wantCode(t testing.TB, err error, code errs.Code, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	if !assert.Error(t, err, "%s: got no error, want %s", what, code) {
		return
	}
	assert.True(t, errors.Is(err, code) && errs.As(err) != nil,
		"%s: got %v (code %s), want an *errs.Error with code %s", what, err, errs.CodeOf(err), code)
}

// sameRecord fails t unless got is want as a driver stores it: times equal
// to the nanosecond (in any location), an empty rendition list equal to
// none, and Seq ignored unless want has one.
func sameRecord(t testing.TB, want, got ledger.Record, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	assert.True(t, want.Created.Equal(got.Created), "%s: Created is %v, want %v", what, got.Created, want.Created)
	assert.True(t, want.Updated.Equal(got.Updated), "%s: Updated is %v, want %v", what, got.Updated, want.Updated)
	if want.Seq == 0 {
		got.Seq = 0
	}
	norm := func(r ledger.Record) ledger.Record {
		r.Created, r.Updated = time.Time{}, time.Time{}
		if len(r.Renditions) == 0 {
			r.Renditions = nil
		}
		return r
	}
	assert.Equal(t, norm(want), norm(got), "%s: the record differs from what was stored", what)
}

// sids returns the SIDs of rs, in order.
func sids(rs []ledger.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.SID
	}
	return out
}

// canceled returns a context that is already done.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
