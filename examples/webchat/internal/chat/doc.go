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
// drafts, download links and deletes. preview.Attach makes each picture's
// thumbnail and preview. The demo's own API (/api/{view}/…) holds only what
// a chat host has anyway: the state, events, text messages, blocks, the
// journal and links to renditions. Every refusal, from either, is httpapi's
// JSON {"error": {code, message, details}} with httpapi.Status, never
// carries the cause behind it, and goes in the journal (audit).
//
// # Security
//
// Each view signs in (the demo has no passwords: choosing the view is the
// sign-in) and holds a session cookie of its own: signed with HMAC-SHA256
// under a key kept in the data directory, HttpOnly, SameSite=Strict, Secure
// on TLS, expiring (see session.go). The httpapi.MemberFunc and every route
// of the demo's API read it; without it, or with a forged or expired one, a
// request is refused. Requests that change state are refused when they come
// from another origin (http.CrossOriginProtection), the page runs under a
// strict Content-Security-Policy, and downloads go through the library's
// signed, expiring links, served with nosniff, a sandbox policy, inline
// display for images only, and no-cache, so a deleted file does not come
// back from a browser's cache.
package chat
