package chat

import (
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
)

// demoLimits are the demo's per-member limits, sized for a person trying it
// by hand and for its browser test: generous enough that nobody clicking
// around meets them, small enough to show that a host sets them. Quotas
// come from the ledger (httpapi.LedgerUsage): what a member has stored,
// sent or staged.
func demoLimits(l ledger.Ledger) *httpapi.Limits {
	return &httpapi.Limits{
		MemberRate:    20, // requests a second, on average
		MemberBurst:   60, // a page that loads many thumbnails at once
		MemberUploads: 6,  // three files per message, twice over
		Usage:         httpapi.LedgerUsage(l),
		MaxBytes:      1 << 30, // 1 GiB a member
		MaxFiles:      1000,
		MaxPending:    20, // staged in drafts or unfinished tus uploads
	}
}
