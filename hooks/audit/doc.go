// Package audit logs the outcome of every attachment action with log/slog,
// without personal data, so the log can be kept as long as operations
// need it.
//
//	remove, err := audit.Install(c, logger, &audit.Options{ChannelKey: key})
//
// Each record says which action ran and how it ended (its code), the
// actor's side, and for each file its media SID, sniffed type and size; a
// refusal for malware adds the signature name. It never holds an identity,
// a file name, message text, a cancel reason (which a listener or a webhook
// may have written about a person) or a download link.
//
// # Security
//
// Channels often name a conversation with a person, so they are left out,
// or, with Options.ChannelKey, logged as a keyed hash: the records of one
// conversation can be linked to each other, and to a channel whose name an
// investigator already knows (by hashing it with the key), but the log alone
// names none. Keep the key out of the log's reach; rotating it unlinks old
// records from new ones.
//
// Media and message SIDs are random identifiers. They point into the host's
// storage and chat, where the personal data lives under its own retention
// (see attachments.Config.LogRetention); once that is purged, the audit log
// points at nothing.
//
// The library's Journal is the other record: it keeps identities and file
// names, for a short retention. This log is the one to keep.
package audit
