package sqlledger

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// TestSQLitePlansUseIndexes: the queries behind the sweep, EraseMember, a
// message's files, a draft's files and its limit, and Usage search an index
// rather than scan the table, so they cost what they return. SQLite plans
// without statistics, so an empty database shows the plan a large one gets.
func TestSQLitePlansUseIndexes(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "ledger.db")) // the package sqlite's driver, which this package does not import
	require.NoError(t, err)
	l, err := Open(t.Context(), db, &Options{Dialect: SQLite, CloseDB: true})
	require.NoError(t, err)
	defer l.Close()
	before := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	attach := ledger.Change{SID: "ME1", From: []ledger.State{ledger.Staged}, To: ledger.Drafted, Owner: "alice", Limit: 3, Now: before}
	attachSQL, attachArgs := update(attach, nil)
	queries := []struct {
		name  string
		query string
		args  []any
	}{
		{"sweep", "", []any{ledger.Query{States: []ledger.State{ledger.Uploading, ledger.Staged, ledger.Drafted}, UpdatedBefore: before, AfterSeq: 7, Limit: 100}}},
		{"deletes to finish", "", []any{ledger.Query{States: []ledger.State{ledger.Deleted}, UpdatedBefore: before, AfterSeq: 7, Limit: 100}}},
		{"check, in SID order", "", []any{ledger.Query{BySID: true, AfterSID: "ME7", Limit: 1000}}},
		{"erase", "", []any{ledger.Query{Owner: "alice", AfterSeq: 7, Limit: 100}}},
		{"a message's files", "", []any{ledger.Query{MessageSID: "IM1", Channel: "CH1"}}},
		{"a draft's files", "", []any{ledger.Query{Owner: "alice", Channel: "CH1", States: []ledger.State{ledger.Drafted}}}},
		{"attach with a limit", attachSQL, attachArgs},
		{"usage", "SELECT COUNT(*), SUM(size) FROM media WHERE owner = $1 AND state <> $2", []any{"alice", "deleted"}},
		{"purge", "DELETE FROM journal WHERE time < $1", []any{int64(5)}},
		{"a channel's journal", "SELECT entry FROM journal WHERE channel = $1 ORDER BY id DESC LIMIT 10", []any{"CH1"}},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			query, args := q.query, q.args
			if query == "" {
				query, args = l.listQuery(args[0].(ledger.Query))
			}
			plan := explain(t.Context(), t, l.db, l.q(query), args)
			for _, line := range plan {
				assert.False(t, strings.HasPrefix(line, "SCAN "), "%s: %q scans a whole table: its cost grows with the ledger\nplan: %q", q.name, line, plan)
			}
		})
	}
}

// explain returns SQLite's query plan for query, one line a step.
func explain(ctx context.Context, t *testing.T, db *sql.DB, query string, args []any) []string {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err, "EXPLAIN %s", query)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, plan, fmt.Sprintf("no plan for %s", query))
	return plan
}
