package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/shutdown"
	"github.com/attachkit/attachments/storage"
)

// DefaultPath is where a Handler expects to be mounted by default.
const DefaultPath = "/attachments/api/"

// DefaultStallTimeout is the default of Options.StallTimeout.
const DefaultStallTimeout = 30 * time.Second

// DefaultMinBodyRate and DefaultBodyRateWindow are the defaults of
// Options.MinBodyRate and Options.BodyRateWindow.
const (
	DefaultMinBodyRate    = 16 << 10
	DefaultBodyRateWindow = 30 * time.Second
)

// uploadOverhead is how much more than the largest file an upload request
// may carry: the multipart framing and the small fields before the file.
const uploadOverhead = 1 << 20

// MemberFunc resolves the member a request acts for, from the host's own
// authentication (a session cookie, a bearer token). The library trusts
// what it returns. An error refuses the request with its code, or with
// errs.PermissionDenied when it has none.
type MemberFunc func(r *http.Request) (attachments.Member, error)

// Options are New's optional settings. A nil *Options means all defaults.
type Options struct {
	// Path is the path the host mounts the Handler at; every route is under
	// it, and tus upload URLs are made from it. Default DefaultPath.
	Path string
	// StallTimeout is how long a request's body may go without a byte
	// arriving before the upload is cut off (upload_incomplete) and its
	// connection closed. The deadline moves forward while bytes arrive, so
	// a large upload on a slow link is not cut off. Default
	// DefaultStallTimeout.
	StallTimeout time.Duration
	// MinBodyRate is the slowest a request's body may arrive, in bytes a
	// second, averaged over BodyRateWindow: a body that brings fewer than
	// MinBodyRate × BodyRateWindow bytes in a window is cut off
	// (upload_incomplete, "too slowly") and its connection closed, so
	// clients that dribble their bodies cannot hold connections and upload
	// slots for long. Default DefaultMinBodyRate (16 KiB/s); negative: no
	// minimum. A body smaller than one window's bytes must arrive whole
	// within the window.
	MinBodyRate int64
	// BodyRateWindow is the window MinBodyRate is averaged over. Default
	// DefaultBodyRateWindow.
	BodyRateWindow time.Duration
	// Limits are the per-member and per-channel limits. Default nil: none.
	Limits *Limits
	// Registerer receives the Handler's metrics. When it is also a
	// prometheus.Gatherer (a *prometheus.Registry is), Metrics serves it.
	// Default: a registry of the Handler's own, which Metrics serves. The
	// package never registers with prometheus' global registry.
	Registerer prometheus.Registerer
	// TrustedOrigins are origins ("https://app.example.com") whose pages may
	// call the Handler although they are another site: a host whose page is
	// served from another origin than its API lists that origin here. A
	// host behind a proxy that rewrites the Host header lists its public
	// origin too, as browsers that send no Sec-Fetch-Site are judged by
	// comparing Origin with Host. Default none: a browser request from
	// another site, GETs included, is refused with permission_denied.
	TrustedOrigins []string
	// UploadLifetime is how long an unfinished tus upload is kept, from its
	// creation, before Sweep deletes it. Default 24 hours.
	UploadLifetime time.Duration
	// UploadStorage is where tus uploads keep their chunks until they are
	// whole. The chunks are temporary: a bucket that skips fsync
	// (filesystem.Options.NoSync) writes them faster, and a power cut then
	// costs at worst the upload in flight, which the client starts again.
	// Default: the Client's storage, under tus/.
	UploadStorage *storage.Bucket
	// SweepInterval is how often a background sweep deletes expired tus
	// uploads, until Close. Default 10 minutes; negative: never (call Sweep).
	SweepInterval time.Duration
	// Logger receives the Handler's log lines. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handler serves the attachments HTTP API under its path. Mount it on the
// host's mux; Links and Metrics are served separately. Every route names
// the channel in its path, and the member comes from the host's MemberFunc:
//
//	POST   {path}channels/{channel}/messages                  upload a file and send it (multipart: size?, text?, file)
//	DELETE {path}channels/{channel}/messages/{message}        delete a message and its files
//	GET    {path}channels/{channel}/messages/{message}/media/{media}       303 to a fresh download link
//	GET    {path}channels/{channel}/messages/{message}/media/{media}/link  the link as JSON
//	GET    {path}channels/{channel}/media/{media}[/link]      the same for a file in the member's draft
//	POST   {path}channels/{channel}/draft/files               attach a file to the draft (multipart: size?, file)
//	DELETE {path}channels/{channel}/draft/files/{media}       detach it
//	POST   {path}channels/{channel}/draft/send                send the draft (JSON: {"text": …})
//	POST   {path}channels/{channel}/preflight                 check a file before uploading it (JSON: name, contentType, size)
//	POST   {path}channels/{channel}/uploads                   create a tus upload (see the package doc)
//	HEAD, PATCH, DELETE {path}uploads/{id}                    continue or terminate it
//	GET    {path}openapi.json                                 the OpenAPI 3 document of these routes
//
// Answers are JSON in camelCase; refusals are ErrorBody with the status
// Status gives. A Handler is safe for concurrent use; Close stops its
// background sweep.
type Handler struct {
	client  *attachments.Client
	member  MemberFunc
	path    string
	stall   time.Duration
	minRate int64
	window  time.Duration
	limits  *limiter
	metrics *metrics
	log     *slog.Logger
	now     func() time.Time
	// maxUpload bounds an upload request's body: the largest file any side
	// may send, plus room for the form around it.
	maxFile   int64
	maxUpload int64
	tus       *tusUploads
	openAPI   []byte // the OpenAPI document, with the Handler's path
	handler   http.Handler

	// stop cancels the context the background sweep runs under.
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New returns a Handler that invokes c's actions for the members member
// resolves. Close it when done.
func New(c *attachments.Client, member MemberFunc, opts *Options) (*Handler, error) {
	if c == nil || member == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "httpapi.New", Message: "a Client and a MemberFunc are required"}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.MinBodyRate == 0 {
		o.MinBodyRate = DefaultMinBodyRate
	}
	if o.BodyRateWindow <= 0 {
		o.BodyRateWindow = DefaultBodyRateWindow
	}
	if o.UploadLifetime <= 0 {
		o.UploadLifetime = 24 * time.Hour
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		client: c, member: member, path: o.Path, stall: o.StallTimeout, minRate: o.MinBodyRate, window: o.BodyRateWindow,
		limits: newLimiter(o.Limits, o.Now), metrics: m, log: o.Logger, now: o.Now,
	}
	for _, side := range []attachments.Side{attachments.SideCustomer, attachments.SideAgent, attachments.SideSupervisor} {
		if p, err := c.Config().PolicyIn(side, attachments.ChannelWeb); err == nil && p.Enabled {
			h.maxFile = max(h.maxFile, p.SizeLimit())
		}
	}
	h.maxUpload = h.maxFile + uploadOverhead
	if o.UploadStorage == nil {
		o.UploadStorage = c.Storage()
	}
	if h.tus, err = newTusUploads(h, o.UploadStorage, o.UploadLifetime); err != nil {
		return nil, err
	}
	if h.openAPI, err = openAPIFor(o.Path); err != nil {
		return nil, err
	}
	site, err := newSameSite(o.TrustedOrigins)
	if err != nil {
		return nil, err
	}
	routes := h.routes()
	h.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// OPTIONS (tus discovery) reveals nothing and records nothing.
		if r.Method != http.MethodOptions {
			if err := site.check(r); err != nil {
				h.fail(w, r, nil, err)
				return
			}
		}
		routes.ServeHTTP(w, r)
	})
	ctx, stop := context.WithCancel(context.Background())
	h.stop = stop
	if o.SweepInterval > 0 {
		h.wg.Go(func() { h.sweeper(ctx, o.SweepInterval) })
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// Links returns the Client's download-link handler with the links_served
// and download_bytes metrics. Mount it where the Client's links point
// ("/attachments/dl/" by default).
func (h *Handler) Links() http.Handler { return h.metrics.countLinks(h.client.Links()) }

// Metrics returns the handler that serves the metrics in Prometheus' text
// format; mount it at /metrics. When Options.Registerer cannot be gathered,
// it answers 404: serve your own registry instead.
func (h *Handler) Metrics() http.Handler { return h.metrics.handler }

// Close stops the background sweep (cancelling a sweep in progress) and
// waits for it to end, or for ctx to end, whichever comes first: then it
// returns an errs.Canceled error wrapping ctx's. It does not close the
// Client, and requests in flight are the http.Server's to end (Shutdown).
// Close may be called more than once.
func (h *Handler) Close(ctx context.Context) error {
	h.stop()
	return shutdown.Wait(ctx, &h.wg, "httpapi close", "stopped waiting for the sweep")
}

// sweeper sweeps expired tus uploads every interval until ctx, which Close
// cancels, ends.
func (h *Handler) sweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sweepCtx, cancel := context.WithTimeout(ctx, interval)
		n, err := h.Sweep(sweepCtx)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return // Close stopped it
		case err != nil:
			// Expired uploads keep their chunks until a sweep gets through.
			h.log.ErrorContext(ctx, "httpapi: sweeping expired uploads failed", "count", n, "err", err)
		case n > 0:
			h.log.InfoContext(ctx, "httpapi: swept expired uploads", "count", n)
		}
	}
}

// call is one request to a route: who makes it, in which channel, and its
// body as it is read.
type call struct {
	r       *http.Request
	member  attachments.Member
	channel string
	body    *requestBody
	// tusReply is the answer of a tus upload whose last PATCH already ran
	// the action (see tusUploads.finishStreaming).
	tusReply any
}

type callKey struct{}

// callFrom returns the call a request's context carries, for tus' data
// store and hooks, which see only the context.
func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// route registers fn for pattern under the Handler's path. Before fn runs,
// the body is wrapped (see requestBody), the member is resolved, and the
// rate limits are applied; an error fn returns is the request's answer.
func (h *Handler) route(mux *http.ServeMux, method, pattern string, fn func(w http.ResponseWriter, c *call) error) {
	mux.HandleFunc(method+" "+h.path+pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{channel: r.PathValue("channel")}
		c.body = newRequestBody(w, r, h.stall, h.minRate, h.window)
		r.Body = c.body
		m, err := h.member(r)
		if err != nil {
			if errs.As(err) == nil {
				err = &errs.Error{Code: errs.PermissionDenied, Op: "member", Err: err}
			}
			h.fail(w, r, c.body, err)
			return
		}
		if m.Identity == "" {
			h.fail(w, r, c.body, &errs.Error{Code: errs.PermissionDenied, Op: "member", Message: "sign in first"})
			return
		}
		c.member = m
		if err := h.limits.allow(m.Identity, c.channel); err != nil {
			h.fail(w, r, c.body, err)
			return
		}
		c.r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
		if err := fn(w, c); err != nil {
			if errs.CodeOf(err) == errs.Canceled && r.Context().Err() != nil && !c.body.done() {
				// The client went away mid-body: its upload is incomplete,
				// whichever noticed first, the body's read or the context.
				err = &errs.Error{Code: errs.UploadIncomplete, Op: "upload", Err: err}
			}
			h.fail(w, c.r, c.body, err)
		}
	})
}

// fail answers r with err as an ErrorBody. When the request's body was not
// read to its end, the answer says Connection: close, and net/http closes
// the connection after it rather than read the rest of a body that may be
// huge, or never come.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, body *requestBody, err error) {
	rep, status := errorBody(err)
	h.metrics.refused(rep.Error.Code)
	switch {
	case status >= 500:
		h.log.Error("httpapi: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	case rep.Error.Code == errs.UploadIncomplete:
		// A client that stopped sending: worth an operator's eye when many do.
		h.log.Info("httpapi: upload incomplete", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		h.log.Debug("httpapi: request refused", "method", r.Method, "path", r.URL.Path, "code", rep.Error.Code, "err", err)
	}
	if body != nil && !body.done() {
		w.Header().Set("Connection", "close")
	}
	WriteError(w, err)
}
