package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// sameSite refuses requests a browser makes on behalf of another site, GETs
// included: every route of the Handler reveals or records something (a
// link minted, a journal entry written, whether a message or file exists),
// so an <img> or a form on another site must not reach one in a member's
// name. net/http's CrossOriginProtection lets safe methods through, which
// is why the Handler has this check of its own.
//
// The decision, in order:
//   - an Origin in Options.TrustedOrigins passes;
//   - Sec-Fetch-Site (every current browser sends it): "same-origin" and
//     "none" (the user typed the URL) pass, anything else is refused;
//   - without it, an Origin whose host is the request's Host passes, any
//     other Origin (and "null") is refused;
//   - a request with neither header is not from a browser that tells, and
//     passes: curl, a mobile app, a server.
type sameSite struct {
	trusted map[string]bool // "scheme://host[:port]", lower case
}

// newSameSite checks the trusted origins, each an origin such as
// "https://app.example.com".
func newSameSite(origins []string) (*sameSite, error) {
	s := &sameSite{trusted: map[string]bool{}}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, &errs.Error{Code: errs.InvalidArgument, Op: "httpapi.New",
				Message: "a trusted origin is a scheme and a host, such as https://app.example.com: " + o, Err: err}
		}
		s.trusted[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return s, nil
}

// check refuses r with permission_denied when a browser sent it for
// another site.
func (s *sameSite) check(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin != "" && s.trusted[strings.ToLower(origin)] {
		return nil
	}
	refuse := &errs.Error{Code: errs.PermissionDenied, Op: "cross-site request", Message: "requests from other sites are not allowed"}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return nil
		}
		return refuse
	}
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return refuse
	}
	return nil
}
