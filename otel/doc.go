// Package otel traces the attachments library with OpenTelemetry: a span
// for each action a Client invokes, for each HTTP request its handlers
// serve, and for each call to its ledger and its storage; the trace travels
// into the work an action leaves behind (previews, webhooks), and log
// records carry the trace and span IDs.
//
// The core module requires no tracing library. It calls the function in
// attachments.Options.Trace around each Invoke; a Tracing provides that
// function, and decorators for the rest:
//
//	t := otel.New(&otel.Options{TracerProvider: tp})
//	c, err := attachments.New(cfg, chat, members, &attachments.Options{
//		Trace:   t.Start,
//		Ledger:  t.Ledger(ledger),
//		Storage: t.Bucket(bucket),
//		Logger:  slog.New(otel.LogHandler(slog.NewJSONHandler(os.Stderr, nil))),
//	})
//	srv := t.Handler(apiHandler)                          // each route a span
//	hook := &http.Client{Transport: t.Transport(nil)}     // traceparent on webhooks
//
// With no TracerProvider set (and no global one), every span is the no-op
// span: an action costs a few function calls more, with no attributes and
// no closure. Leave attachments.Options.Trace nil and it costs nothing.
//
// # Attributes
//
// An action's span is named for the action and carries attachments.action,
// attachments.channel and attachments.outcome ("ok" or the error's stable
// code). A ledger span carries the operation and, where one is named, the
// media SID; a storage span the key and the size stored. Ledger and storage
// calls made outside any trace (the janitor's sweep) make no span. No span
// carries a member's identity or a file's name, nor an error's text, which
// may quote one: those are personal data, added only when the host opts in
// (Options.Identities, Options.FileNames) and calls Describe. A request's
// span is otelhttp's: its URL path names the channel and media SIDs, never
// a member.
//
// # Background work
//
// Work an action queues (the preview queue, the webhook Notifier) keeps the
// action's context, detached from its cancellation, so its ledger and
// storage calls and its webhook requests belong to the action's trace. Work
// that crosses a process (a job in a database) carries the trace as W3C
// headers: Inject writes them into a map the job stores, Extract reads them
// back when the job runs.
package otel
