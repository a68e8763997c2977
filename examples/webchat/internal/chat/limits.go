package chat

import (
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
)

// demoLimits are the demo's per-member limits, sized for a person trying it
// by hand and for its browser test: generous enough that nobody clicking
// around meets them, small enough to show that a host sets them.
func demoLimits() *httpapi.Limits {
	return &httpapi.Limits{
		MemberRate:    20, // requests a second, on average
		MemberBurst:   60, // a page that loads many thumbnails at once
		MemberUploads: 6,  // three files per message, twice over
	}
}

// demoQuota is what one member may store, reserved in the ledger as each
// upload's bytes arrive.
var demoQuota = ledger.Quota{
	Bytes:   1 << 30, // 1 GiB a member
	Files:   1000,
	Pending: 20, // uploading, staged or in drafts
}
