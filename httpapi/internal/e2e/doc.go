// Package e2e tests httpapi end to end with the clients a host's users run
// (tus-js-client in headless Chromium, over a real server) and against its
// OpenAPI contract (every request and response validated).
//
// It is a module of its own, so that httpapi's go.mod carries none of these
// tests' dependencies (chromedp, an OpenAPI validator and what they bring):
// a host that requires httpapi gets only what the handlers use.
package e2e
