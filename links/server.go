package links

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// DefaultLifetime is how long a link works when IssueOptions.Lifetime is zero.
const DefaultLifetime = 5 * time.Minute

// MaxLifetime is the longest lifetime Issue accepts: seven days, the longest
// S3 allows for a pre-signed URL, so both kinds of link live alike.
const MaxLifetime = 7 * 24 * time.Hour

// Link is a temporary download link.
type Link struct {
	// URL is where the file can be fetched until ExpiresAt: the handler's
	// base URL and a token, or the storage's own pre-signed URL.
	URL string
	// ExpiresAt is when the link stops working, to the second on the
	// signer's clock. A pre-signed URL's backend counts the same lifetime on
	// its own clock.
	ExpiresAt time.Time
}

// Options are the optional settings of a Server. A nil *Options means all
// defaults.
type Options struct {
	// NativeURLs makes Issue return the storage's own pre-signed URL when its
	// driver can mint one (storage.Bucket.CanSignURLs) and the link is not
	// bound to a member, which such a URL cannot check. Default false: such
	// URLs bypass this handler, so the browser gets the object store's
	// headers, not its nosniff and sandbox (the safe Content-Type and
	// Content-Disposition are still requested).
	NativeURLs bool
	// MemberOf returns the identity of the member making a request, as the
	// host knows it (a session cookie, a header set by its gateway), or ""
	// when unknown. Setting it binds links: each link issued to a member
	// (IssueOptions.Member, which DownloadMedia always sets) works only for
	// requests MemberOf maps to that member, so a link passed on or leaked
	// is refused. Default nil: the server cannot tell who asks, so a link is
	// a bearer token until it expires.
	MemberOf func(r *http.Request) string
	// Logger receives a record for each request the handler refuses or fails,
	// with the reason (never the token). Default nil: nothing is logged.
	Logger *slog.Logger
}

// Server mints temporary download links for the blobs of one bucket (Issue)
// and serves them (ServeHTTP). The host mounts it at its base URL:
//
//	mux.Handle("/attachments/dl/", srv)
//
// A Server is safe for concurrent use. The zero value is not usable; build
// one with New.
type Server struct {
	bucket *storage.Bucket
	signer *Signer
	base   string // ends with '/'
	opts   Options
	bufs   sync.Pool // copy buffers, see downloadWriter
}

// New returns a Server for bucket whose links are signed by signer and start
// with baseURL, where the host mounts the handler: an absolute http or https
// URL ("https://chat.example.com/dl") or an absolute path ("/dl"), with no
// query or fragment. It fails with errs.InvalidConfig when an argument is
// missing or malformed.
func New(bucket *storage.Bucket, signer *Signer, baseURL string, opts *Options) (*Server, error) {
	bad := func(msg string) (*Server, error) {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "links: new", Message: msg}
	}
	if bucket == nil || signer == nil {
		return bad("a bucket and a signer are required")
	}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		return bad("the base URL is not a URL")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(baseURL, "?#"):
		return bad("the base URL must have no query or fragment")
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//"):
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil:
	default:
		return bad("the base URL must be an http(s) URL or an absolute path")
	}
	if opts == nil {
		opts = &Options{}
	}
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	s := &Server{bucket: bucket, signer: signer, base: baseURL, opts: *opts}
	s.bufs.New = func() any { b := make([]byte, copyBufSize); return &b }
	return s, nil
}

// WithBucket returns a Server like s — the same signer, base URL and
// options — that serves the blobs of bucket instead. A Client uses it to
// serve, under the host's link server, media that host stores hold.
func (s *Server) WithBucket(bucket *storage.Bucket) *Server {
	c := &Server{bucket: bucket, signer: s.signer, base: s.base, opts: s.opts}
	c.bufs.New = s.bufs.New
	return c
}

// IssueOptions are the optional settings of one link. A nil *IssueOptions
// means all defaults.
type IssueOptions struct {
	// Disposition is the presentation asked for. Inline is granted only to
	// the types of the inline list (see the package doc). Default Attachment.
	Disposition Disposition
	// Member is the member the link is issued to. When the Server has
	// Options.MemberOf, the link is bound to it: the handler serves it only
	// to requests MemberOf maps to the same member. Without MemberOf, or
	// with Member "", anyone holding the link can use it until it expires.
	Member string
	// Lifetime is how long the link works, from 1 second to MaxLifetime.
	// Default DefaultLifetime.
	Lifetime time.Duration
}

// Issue returns a link to the blob at key. It is what the DownloadMedia
// action calls once it has checked that the member may download the media.
//
// The link is the handler's base URL and a signed token, or, with
// Options.NativeURLs, the storage's pre-signed URL. Issue does not check that
// the blob exists, except for a pre-signed URL, which needs the blob's type
// and name; a link to a missing blob gets 404.
//
// It fails with errs.InvalidKey for an invalid key, errs.InvalidArgument for
// a lifetime out of range, errs.Canceled when ctx is done, and the storage's
// errors for a pre-signed URL.
func (s *Server) Issue(ctx context.Context, key string, opts *IssueOptions) (Link, error) {
	if opts == nil {
		opts = &IssueOptions{}
	}
	op := "links: issue " + key
	if err := ctx.Err(); err != nil {
		return Link{}, &errs.Error{Code: errs.Canceled, Op: op, Err: err}
	}
	if err := storage.CheckKey(key); err != nil {
		e := errs.As(err)
		e.Op = op
		return Link{}, e
	}
	lifetime := opts.Lifetime
	if lifetime == 0 {
		lifetime = DefaultLifetime
	}
	if lifetime < time.Second || lifetime > MaxLifetime {
		return Link{}, &errs.Error{Code: errs.InvalidArgument, Op: op,
			Message: "a link must last from 1 second to 7 days"}
	}
	exp := s.signer.now().Add(lifetime).Truncate(time.Second)
	member := opts.Member
	if s.opts.MemberOf == nil {
		member = "" // no request could prove it: binding would refuse them all
	}

	if s.opts.NativeURLs && member == "" && s.bucket.CanSignURLs() {
		info, err := s.bucket.Stat(ctx, key)
		if err != nil {
			return Link{}, err
		}
		ctype, disp := present(info.Metadata.ContentType, opts.Disposition)
		u, err := s.bucket.SignedURL(ctx, key, storage.SignedURLOptions{
			Expiry:             lifetime,
			ContentType:        ctype,
			ContentDisposition: contentDisposition(disp, info.Metadata.FileName),
		})
		if err != nil {
			return Link{}, err
		}
		return Link{URL: u, ExpiresAt: exp}, nil
	}

	tok, err := s.signer.Sign(Claims{Media: key, Expires: exp, Disposition: opts.Disposition, Member: member})
	if err != nil {
		if e := errs.As(err); e != nil {
			e.Op = op
		}
		return Link{}, err
	}
	return Link{URL: s.base + tok, ExpiresAt: exp}, nil
}
