// Package urltrust decides whether a URL lies under trusted prefixes the
// way a browser reads it, for attachments.Options.TrustURL: a message may
// carry media by a URL the host trusts (Flex's media shape), and a client
// opens that URL as its browser parses it, not as a string.
//
//	trust, err := urltrust.Prefixes("https://files.example.com/chat/")
//	c, err := attachments.New(cfg, transport, members, &attachments.Options{TrustURL: trust})
//
// # Security
//
// A URL is parsed by the WHATWG URL Standard (github.com/nlnwa/whatwg-url),
// the parser browsers implement: "\" is "/" in an https URL, "%2e%2e" is
// "..", dot segments are resolved, hosts are lower-cased and IDNA-mapped,
// the default port is dropped. Trust is then decided on what the browser
// would request: the scheme is https, there are no credentials, the origin
// equals a prefix's origin, and the path's segments begin with the
// prefix's. A segment that a server could still read as another path —
// an encoded "/" or "\" ("%2F", "%5C") — is refused as well, although a
// browser keeps it as one segment. So "https://files.example.com/chat/..\tenant-b\x.png"
// (which a browser opens as /tenant-b/x.png) and
// "https://files.example.com.evil.net/chat/x.png" are refused.
package urltrust
