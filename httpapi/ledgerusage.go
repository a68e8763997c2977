package httpapi

import (
	"context"

	"github.com/attachkit/attachments/ledger"
)

// LedgerUsage returns the Usage the quotas read from l, the ledger the
// Client keeps (Options.Ledger): every live file the member uploaded, in
// any channel, and those staged or in a draft as pending. Shared by every
// instance, so a member's quota holds across them.
func LedgerUsage(l ledger.Ledger) Usage { return ledgerUsage{l} }

type ledgerUsage struct{ l ledger.Ledger }

func (u ledgerUsage) Usage(ctx context.Context, identity string) (Stored, error) {
	got, err := u.l.Usage(ctx, identity)
	return Stored{Bytes: got.Bytes, Files: got.Files, Pending: got.Pending}, err
}
