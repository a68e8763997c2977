package sqlledger_test

import (
	"os"
	"testing"

	"github.com/attachkit/attachments/internal/pgtest"
	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
)

// server is the test binary's PostgreSQL server, started by TestMain.
var server *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }

// postgresHarness opens each ledger on a new database.
func postgresHarness() ledgertest.Harness {
	return harness(func(t testing.TB) string { return server.CreateDatabase(t) }, openPostgres)
}

// openPostgres opens a ledger on dsn, closed when t ends.
func openPostgres(t testing.TB, dsn string) *sqlledger.Ledger {
	t.Helper()
	l, err := postgres.Open(t.Context(), dsn)
	return closeWith(t, l, err)
}

func TestPostgresConformance(t *testing.T) { ledgertest.RunConformanceTests(t, postgresHarness()) }

func BenchmarkPostgres(b *testing.B) { ledgertest.RunBenchmarks(b, postgresHarness()) }
