package sqlledger_test

import (
	"path/filepath"
	"testing"

	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// sqliteHarness opens each ledger on a new file.
func sqliteHarness() ledgertest.Harness {
	return harness(func(t testing.TB) string { return filepath.Join(t.TempDir(), "ledger.db") }, openSQLite)
}

// openSQLite opens a ledger on path, closed when t ends.
func openSQLite(t testing.TB, path string) *sqlledger.Ledger {
	t.Helper()
	l, err := sqlite.Open(t.Context(), path)
	return closeWith(t, l, err)
}

func TestSQLiteConformance(t *testing.T) { ledgertest.RunConformanceTests(t, sqliteHarness()) }

func BenchmarkSQLite(b *testing.B) { ledgertest.RunBenchmarks(b, sqliteHarness()) }
