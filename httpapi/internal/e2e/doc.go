// Package e2e holds httpapi's end-to-end tests that need heavy test-only
// dependencies (an OpenAPI validator), in a module of its own so that
// httpapi's go.mod, which hosts build, does not require them.
package e2e
