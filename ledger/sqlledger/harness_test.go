package sqlledger_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/ledgertest"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// harness returns a conformance harness whose ledgers open opens on a new
// store newStore makes (a file, a database); Second opens the same store
// again, as a second process would.
func harness(newStore func(t testing.TB) string, open func(t testing.TB, store string) *sqlledger.Ledger) ledgertest.Harness {
	stores := map[ledger.Ledger]string{}
	return ledgertest.Harness{
		New: func(t testing.TB) ledger.Ledger {
			store := newStore(t)
			l := open(t, store)
			stores[l] = store
			return l
		},
		Second: func(t testing.TB, first ledger.Ledger) ledger.Ledger {
			return open(t, stores[first])
		},
	}
}

// closeWith closes l when t ends.
func closeWith(t testing.TB, l *sqlledger.Ledger, err error) *sqlledger.Ledger {
	t.Helper()
	require.NoError(t, err, "opening the ledger")
	t.Cleanup(func() { require.NoError(t, l.Close(), "Close") })
	return l
}
