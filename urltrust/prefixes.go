package urltrust

import (
	"fmt"
	"strings"

	whatwg "github.com/nlnwa/whatwg-url/url"
)

// prefix is a trusted origin and path, both as a browser parses them.
type prefix struct {
	origin string // "https://host[:port]"
	path   string // ends in "/"
}

// Prefixes returns a function for attachments.Options.TrustURL that trusts
// an https URL when, as a browser parses it, its origin is one prefix's and
// its path is under that prefix's path. Each prefix is an absolute https
// URL such as "https://files.example.com/chat/"; its path is a directory
// whether it ends in "/" or not. A prefix that is not one is an error.
func Prefixes(prefixes ...string) (func(rawURL string) bool, error) {
	var ps []prefix
	for _, raw := range prefixes {
		u, err := whatwg.Parse(raw)
		if err != nil || u.Scheme() != "https" || u.Host() == "" || u.Username() != "" || u.Password() != "" ||
			u.Search() != "" || u.Hash() != "" || strings.HasSuffix(raw, "#") || strings.HasSuffix(raw, "?") {
			return nil, fmt.Errorf("urltrust: %q is not an https URL prefix with a host and a path", raw)
		}
		path := u.Pathname()
		if !strings.HasSuffix(path, "/") {
			path += "/"
		}
		ps = append(ps, prefix{origin: "https://" + u.Host(), path: path})
	}
	return func(rawURL string) bool { return trusted(ps, rawURL) }, nil
}

// trusted reports whether rawURL, as a browser parses it, is under one of
// ps.
func trusted(ps []prefix, rawURL string) bool {
	u, err := whatwg.Parse(rawURL)
	if err != nil || u.Scheme() != "https" || u.Username() != "" || u.Password() != "" || u.OpaquePath() {
		return false
	}
	origin, path := "https://"+u.Host(), u.Pathname()
	for _, p := range ps {
		if origin != p.origin || !strings.HasPrefix(path, p.path) {
			continue
		}
		rest := strings.ToLower(path[len(p.path):])
		// One segment to a browser, another path to a server that decodes
		// before it splits.
		return !strings.Contains(rest, "%2f") && !strings.Contains(rest, "%5c")
	}
	return false
}
