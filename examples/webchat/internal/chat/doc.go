// Package chat is the web chat demo's server: a small chat of its own (Hub),
// the attachments Client wired to it and to local-disk storage, an HTTP API
// for the page, live updates by Server-Sent Events, and the page itself,
// embedded.
//
// The demo has one conversation and three people: a customer, the agent who
// serves them, and a supervisor who monitors it. The page shows the three
// side by side; every request names the view that acts.
//
// Files go through the library's own handlers (httpapi), as a host's
// would: uploads streamed from multipart or assembled from tus chunks,
// drafts, download links and deletes, with the acting view in the
// X-Webchat-View header. preview.Attach makes each picture's thumbnail and
// preview. The demo's own API (/api/{view}/…) holds only what a chat host
// has anyway: the state, events, text messages, blocks, the journal and
// links to renditions. Every refusal, from either, is httpapi's JSON
// {"error": {code, message, details}} with httpapi.Status, and never
// carries the cause behind it.
//
// # Security
//
// The demo has no sign-in: whoever reaches it can act as any of the three
// people, which is why it listens on 127.0.0.1 by default. A real host
// takes the member from its own session. Requests that change state are
// refused when they come from another origin (http.CrossOriginProtection),
// the page runs under a strict Content-Security-Policy, and downloads go
// through the library's signed, expiring links, served with nosniff, a
// sandbox policy and inline display for images only.
package chat
