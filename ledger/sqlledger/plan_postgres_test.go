package sqlledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// TestPostgresSweepReadsOnlyWhatIsDue: on a ledger of sent files that
// changed before the sweep's cutoff, with a few fresh drafts, as production
// looks, PostgreSQL plans the sweep's two
// queries (expired files, deletes to finish) on the partial indexes of the
// sweepable states, and a pass reads a handful of pages: not the primary
// key, not the table, whose size it must not follow.
func TestPostgresSweepReadsOnlyWhatIsDue(t *testing.T) {
	l := openPostgres(t, server.CreateDatabase(t))
	ctx := t.Context()
	_, err := l.DB().ExecContext(ctx, `INSERT INTO media (sid, owner, side, channel, state, message_sid, store, location, file_name,
		content_type, size, sha256, renditions, created, updated)
		SELECT 'ME' || i, 'owner' || (i % 100), 'customer', 'CH' || (i % 10),
		CASE WHEN i % 1000 = 0 THEN 'drafted' ELSE 'sent' END, 'IM' || i, '', '', 'a.png', 'image/png', 10, 'ab', '',
		$1::bigint, CASE WHEN i % 1000 = 0 THEN $1::bigint ELSE $1::bigint - 7200000000000 - i::bigint * 1000000000 END
		FROM generate_series(1, 50000) AS i`, scaleNow.UnixNano())
	require.NoError(t, err)
	_, err = l.DB().ExecContext(ctx, "ANALYZE media")
	require.NoError(t, err)
	cutoff := scaleNow.Add(-time.Hour)
	for _, tt := range []struct {
		name  string
		q     ledger.Query
		index string
	}{
		{"expired", ledger.Query{States: []ledger.State{ledger.Uploading, ledger.Staged, ledger.Drafted}, UpdatedBefore: cutoff, Limit: 100}, "media_expiring"},
		{"deletes to finish", ledger.Query{States: []ledger.State{ledger.Deleted}, UpdatedBefore: cutoff, Limit: 100}, "media_deleted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args := sqlledger.ListQuery(l, tt.q)
			rows, err := l.DB().QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
			require.NoError(t, err)
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan = append(plan, line)
			}
			require.NoError(t, rows.Err())
			text := strings.Join(plan, "\n")
			assert.Contains(t, text, "Index Scan using "+tt.index, "the sweep must read the partial index of what it may sweep\n%s", text)
			assert.NotContains(t, text, "media_pkey", "walking the primary key costs the table\n%s", text)
			assert.NotContains(t, text, "Seq Scan", "scanning the table costs the table\n%s", text)
		})
	}
}
