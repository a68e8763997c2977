// Package e2e tests package otel end to end: one upload's trace through a
// real httpapi server, the preview queue, the ledger and storage, recorded
// by the OpenTelemetry SDK's in-memory exporter.
//
// It is a module of its own, so that otel's go.mod, which hosts build,
// carries none of these tests' dependencies (the SDK, httpapi, preview,
// Prometheus).
package e2e
