// Package hooks describes the library's built-in actions to ready-made
// listeners, and holds what those listeners share. Its sub-packages are the
// listeners a host adds in one line each: clamav scans files with a real
// ClamAV, webhook asks a remote service before an action and tells it after,
// filter refuses files by simple rules, and audit logs outcomes without
// personal data.
//
// Before and After add one listener to several actions at once, seeing each
// invocation as an Event: which action, where, by whom, about which message
// and media, and, after it, how it ended. They are a thin adapter over the
// core's typed listeners (attachments.OnBefore and OnAfter), which they
// install, one per action: use the typed form to read or change one action's
// payload, and this one for a rule, a scanner, an audit or a webhook that
// treats every action alike and needs a stable, serialisable view of it. An Event never holds file bytes,
// message text or download links; a before-listener that needs the bytes
// calls Event.Open.
//
//	remove, err := hooks.Before(c, func(ctx context.Context, e hooks.Event) error {
//		if e.Side == attachments.SideCustomer && len(e.Media) > 0 && e.Media[0].Size > 1<<20 {
//			return attachments.Cancel("files from customers are limited to 1 MiB")
//		}
//		return nil
//	}, hooks.UploadActions()...) // uploads only: MediaActions() has DownloadMedia too
//
// An Event's Side is the side of the actor's role in the host's directory
// (attachments.Client.SideOf), never one the caller claims.
//
// # Security
//
// Event carries identities, channel names and file names, which are
// personal data: a listener that sends an Event elsewhere (webhook) or
// keeps it (audit) decides what leaves the process. Event.Open reads the
// stored file, never the client's stream, so what a listener checks is
// exactly what is stored and served.
package hooks
