package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// A host mounts the handlers on its own mux, with its own authentication
// deciding who a request acts for.
func ExampleNew() {
	client, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(context.Background())

	// The host's own session lookup; here, a header stands in for it.
	member := func(r *http.Request) (attachments.Member, error) {
		id := r.Header.Get("X-User")
		if id == "" {
			return attachments.Member{}, errors.New("not signed in")
		}
		return attachments.Member{Identity: id}, nil
	}
	registry := prometheus.NewRegistry()
	h, err := httpapi.New(client, member, &httpapi.Options{
		Registerer: registry,
		Limits:     &httpapi.Limits{MemberRate: 5, MemberUploads: 3},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close(context.Background())

	mux := http.NewServeMux()
	mux.Handle(httpapi.DefaultPath, h)        // the API and tus uploads
	mux.Handle("/attachments/dl/", h.Links()) // the download links
	mux.Handle("/metrics", h.Metrics())
	srv := httpapi.NewServer("127.0.0.1:8080", mux)
	// Then go srv.ListenAndServe(), and srv.Shutdown(ctx) to stop.
	fmt.Println(srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
	// Output: 10s 1m0s 2m0s
}

// A host with its own http.Server sets the same timeouts NewServer does.
func ExampleNewServer() {
	srv := httpapi.NewServer(":8080", http.NotFoundHandler())
	own := &http.Server{
		Addr:              ":8080",
		ReadHeaderTimeout: httpapi.ReadHeaderTimeout,
		ReadTimeout:       httpapi.ReadTimeout,
		IdleTimeout:       httpapi.IdleTimeout,
		MaxHeaderBytes:    httpapi.MaxHeaderBytes,
	}
	fmt.Println(srv.ReadTimeout == own.ReadTimeout, srv.IdleTimeout == own.IdleTimeout)
	// Output: true true
}

// A host's own handler answers a library error with the same status as
// the Handler does.
func ExampleStatus() {
	err := &errs.Error{Code: errs.FileTooLarge}
	fmt.Println(httpapi.Status(errs.CodeOf(err)), httpapi.Status(errs.RateLimited), httpapi.Status(errs.NotFound))
	// Output: 413 429 404
}
