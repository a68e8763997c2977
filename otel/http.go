package otel

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Handler returns h with a server span around each request, the parent of
// the spans of the action it invokes. It reads a caller's traceparent. The
// span is named for the route that served the request ("POST
// /attachments/channels/{channel}/messages"), as http.ServeMux matched it,
// so an httpapi.Handler needs nothing more; a request no route matched is
// named for its method only. Its attributes are otelhttp's: the method,
// URL path (channel and media SIDs, never a member or a file's name),
// status, sizes, and the client's address and user agent.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "attachments",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(t.prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}),
	)
}

// Transport returns rt (http.DefaultTransport when nil) with a client span
// around each request that sends the request context's trace as a
// traceparent header: give it to webhook.NotifierOptions.Client and
// webhook.GateOptions.Client, and each webhook request joins the trace of
// the action it reports.
func (t *Tracing) Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(t.tp), otelhttp.WithPropagators(t.prop))
}
