package sqlledger_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// sqliteHarness opens each ledger on a new file; Second opens the same file
// through a second *sql.DB, as a second process would.
func sqliteHarness() ledgertest.Harness {
	paths := map[ledger.Ledger]string{}
	return ledgertest.Harness{
		New: func(t testing.TB) ledger.Ledger {
			path := filepath.Join(t.TempDir(), "ledger.db")
			l := openSQLite(t, path)
			paths[l] = path
			return l
		},
		Second: func(t testing.TB, first ledger.Ledger) ledger.Ledger {
			return openSQLite(t, paths[first])
		},
	}
}

// openSQLite opens a ledger on path, closed when t ends.
func openSQLite(t testing.TB, path string) *sqlledger.Ledger {
	t.Helper()
	l, err := sqlledger.OpenSQLite(t.Context(), path)
	require.NoError(t, err, "OpenSQLite(%s)", path)
	t.Cleanup(func() { require.NoError(t, l.Close(), "Close") })
	return l
}

func TestSQLiteConformance(t *testing.T) { ledgertest.RunConformanceTests(t, sqliteHarness()) }

func BenchmarkSQLite(b *testing.B) { ledgertest.RunBenchmarks(b, sqliteHarness()) }
