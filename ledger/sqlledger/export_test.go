package sqlledger

import "github.com/attachkit/attachments/ledger"

// ListQuery is listQuery, in l's dialect, for the plan tests of package
// sqlledger_test, which holds the PostgreSQL server.
func ListQuery(l *Ledger, q ledger.Query) (string, []any) {
	query, args := l.listQuery(q)
	return l.q(query), args
}
