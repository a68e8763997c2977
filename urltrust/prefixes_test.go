package urltrust_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/urltrust"
)

// TestIssueExamples are the URLs that a string comparison trusted and a
// browser opens elsewhere, and their neighbours.
func TestIssueExamples(t *testing.T) {
	trust, err := urltrust.Prefixes("https://files.example.com/chat/")
	require.NoError(t, err)
	for u, want := range map[string]bool{
		`https://files.example.com/chat/photo.png`:                   true,
		`https://files.example.com/chat/u/42/photo.png?v=2#top`:      true,
		`https://FILES.example.com:443/chat/photo.png`:               true,
		`https://files.example.com/chat/a\b.png`:                     true, // a browser opens /chat/a/b.png
		`https://files.example.com/chat/./photo.png`:                 true,
		`https://files.example.com/chat/..\tenant-b\photo.png`:       false, // opens /tenant-b/photo.png
		`https://files.example.com/chat/%2e%2e\tenant-b\photo.png`:   false,
		`https://files.example.com/chat/%2E%2E/tenant-b/photo.png`:   false,
		`https://files.example.com/chat/.%2e/tenant-b/photo.png`:     false,
		`https://files.example.com/chat/../tenant-b/photo.png`:       false,
		`https://files.example.com/chat/..%2Ftenant-b%2Fphoto.png`:   false, // one segment to a browser, two to a decoding server
		`https://files.example.com/chat/..%5Ctenant-b%5Cphoto.png`:   false,
		"https://files.example.com/chat/\t../tenant-b/photo.png":     false, // tabs are removed: /chat/../
		`https://files.example.com/chatroom/photo.png`:               false,
		`https://files.example.com/chat`:                             false,
		`https://files.example.com.evil.net/chat/photo.png`:          false,
		`https://files.example.com@evil.net/chat/photo.png`:          false,
		`https://user@files.example.com/chat/photo.png`:              false,
		`https://files.example.com:8443/chat/photo.png`:              false,
		`http://files.example.com/chat/photo.png`:                    false,
		`//files.example.com/chat/photo.png`:                         false,
		`https:files.example.com/chat/photo.png`:                     true, // a browser reads https://files.example.com/chat/photo.png
		`https://files.example.com%2Fchat%2F@evil.net/photo.png`:     false,
		`file:///etc/passwd`:                                         false,
		`javascript:alert(1)//files.example.com/chat/`:               false,
		"https://files.example.com/chat/\x00.png":                    true, // encoded as %00, still under /chat/
		`https://files.example.com/chat/photo.png/../../admin/x.png`: false,
	} {
		assert.Equal(t, want, trust(u), "%s", u)
	}
}

// TestBadPrefixes: a prefix that is no https URL prefix is an error, not a
// prefix that trusts something else.
func TestBadPrefixes(t *testing.T) {
	for _, p := range []string{"files.example.com/chat/", "http://files.example.com/", "https://",
		"https://u:p@files.example.com/", "https://files.example.com/chat/?x=1", "https://files.example.com/#x", "https://[::1/"} {
		_, err := urltrust.Prefixes(p)
		assert.Error(t, err, "%q", p)
	}
}

// corpusEntry is one test of the web-platform-tests URL corpus.
type corpusEntry struct {
	Input    string  `json:"input"`
	Base     *string `json:"base"`
	Href     string  `json:"href"`
	Protocol string  `json:"protocol"`
	Username string  `json:"username"`
	Password string  `json:"password"`
	Host     string  `json:"host"`
	Pathname string  `json:"pathname"`
	Failure  bool    `json:"failure"`
}

// corpus reads testdata/urltestdata.json from the whatwg-url module, which
// ships the web-platform-tests corpus browsers are tested against.
func corpus(t *testing.T) []corpusEntry {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/nlnwa/whatwg-url").Output()
	require.NoError(t, err, "the whatwg-url module should be in the module cache (go mod download)")
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "testdata", "urltestdata.json"))
	require.NoError(t, err)
	var raw []json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raw))
	var entries []corpusEntry
	for _, r := range raw {
		if r[0] != '{' {
			continue // a comment
		}
		var e corpusEntry
		require.NoError(t, json.Unmarshal(r, &e))
		entries = append(entries, e)
	}
	require.Greater(t, len(entries), 500, "the corpus should be whole")
	return entries
}

// inside is what the corpus says a browser makes of a URL, judged against
// a prefix (origin, path ending in "/"): https, no credentials, the same
// origin, the path under the prefix's, and no segment after it that holds
// an encoded "/" or "\".
func inside(e corpusEntry, origin, path string) bool {
	if e.Protocol != "https:" || e.Username != "" || e.Password != "" || "https://"+e.Host != origin ||
		!strings.HasPrefix(e.Pathname, path) {
		return false
	}
	rest := strings.ToLower(e.Pathname[len(path):])
	return !strings.Contains(rest, "%2f") && !strings.Contains(rest, "%5c")
}

// TestCorpus judges every URL of the web-platform-tests corpus against
// prefixes made from the corpus' own parse of it, and of other URLs: a URL
// is trusted exactly when, by the corpus' href, host and pathname, a
// browser resolves it under the prefix. The input is judged when it is
// absolute (no base); the href, which is absolute, always.
func TestCorpus(t *testing.T) {
	entries := corpus(t)
	type prefix struct{ origin, path string }
	var prefixes []prefix
	seen := map[prefix]bool{}
	for _, e := range entries {
		if e.Failure || e.Protocol != "https:" || e.Host == "" {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(e.Pathname, "/"), "/")
		dir := e.Pathname[:strings.LastIndex(e.Pathname, "/")+1]
		for _, p := range []prefix{{"https://" + e.Host, "/"}, {"https://" + e.Host, "/" + first + "/"}, {"https://" + e.Host, dir}} {
			if !seen[p] {
				seen[p] = true
				prefixes = append(prefixes, p)
			}
		}
	}
	prefixes = append(prefixes, prefix{"https://example.org", "/foo/"}, prefix{"https://example.com", "/chat/"})
	require.Greater(t, len(prefixes), 20, "the corpus should give https prefixes to test")

	var judged, trusted int
	for _, p := range prefixes {
		trust, err := urltrust.Prefixes(p.origin + p.path)
		require.NoError(t, err, "%s%s", p.origin, p.path)
		for _, e := range entries {
			if e.Failure {
				if e.Base == nil {
					assert.False(t, trust(e.Input), "%q fails to parse in a browser; under %s%s it must be refused", e.Input, p.origin, p.path)
				}
				continue
			}
			want := inside(e, p.origin, p.path)
			if e.Base == nil {
				assert.Equal(t, want, trust(e.Input), "input %q (a browser's href %q) under %s%s", e.Input, e.Href, p.origin, p.path)
				judged++
			}
			assert.Equal(t, want, trust(e.Href), "href %q under %s%s", e.Href, p.origin, p.path)
			judged++
			if want {
				trusted++
			}
		}
	}
	t.Logf("%d prefixes, %d judgements, %d inside", len(prefixes), judged, trusted)
	assert.Greater(t, trusted, 15, "the corpus should put some URLs inside the prefixes")
}
