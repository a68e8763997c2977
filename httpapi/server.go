package httpapi

import (
	"net/http"
	"time"
)

// The timeouts NewServer sets. A host that builds its own http.Server
// should set the same, or tighter:
//
//	srv := &http.Server{
//		Handler:           mux,
//		ReadHeaderTimeout: httpapi.ReadHeaderTimeout, // a client that dribbles its headers (slowloris)
//		ReadTimeout:       httpapi.ReadTimeout,       // a whole request; uploads move it on while bytes arrive
//		IdleTimeout:       httpapi.IdleTimeout,       // a kept-alive connection with nothing to say
//		MaxHeaderBytes:    httpapi.MaxHeaderBytes,
//	}
//
// Without ReadTimeout, a client that declares a large body and then sends
// nothing holds its connection for as long as it likes. WriteTimeout stays
// 0: it would also cut off downloads of large files, and the links handler
// serves those.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
)

// NewServer returns an http.Server for addr and handler with the timeouts
// above. Upload handlers move the read deadline forward while bytes arrive
// (see Options.StallTimeout), so ReadTimeout bounds the wait for a body's
// bytes, not the length of an upload.
func NewServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
