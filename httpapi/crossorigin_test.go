package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
)

// TestCrossSiteRequestsAreRefused checks that a request a browser makes for
// another site — an <img> pointing at a download route, a form posting a
// file — is refused before it mints a link, writes the journal or tells
// whether the message exists, GETs included; and that a same-origin page,
// a trusted origin and a client that is no browser keep working.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	l := ledgermemory.New()
	e := newEnv(t, &envOptions{ledger: l, handler: &httpapi.Options{TrustedOrigins: []string{"https://app.example.com"}}})
	res, body := e.upload(t, customer, "channels/"+channel+"/messages", fileForm("a.txt", textFile(100, 1)))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var sent httpapi.SentReply
	require.NoError(t, json.Unmarshal(body, &sent))
	media := "channels/" + channel + "/messages/" + sent.Message.SID + "/media/" + sent.Message.Media[0].SID
	missing := "channels/" + channel + "/messages/IM00000000000000000000000000000000/media/ME00000000000000000000000000000000"
	self := e.url // the Origin of a page the server itself serves

	journal := func() int {
		entries, err := l.Entries(context.Background(), ledger.EntryQuery{Channel: channel, Limit: 1000})
		require.NoError(t, err)
		return len(entries)
	}
	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		ok      bool
	}{
		{"img from another site", "GET", media, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"img from another site, link route", "GET", media + "/link", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, false},
		{"probe for a message that does not exist", "GET", missing, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"a sibling subdomain", "GET", media, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"}, false},
		{"a Sec-Fetch-Site value no browser sends", "GET", media, map[string]string{"Sec-Fetch-Site": "bogus"}, false},
		{"an old browser: Origin of another host", "GET", media + "/link", map[string]string{"Origin": "https://evil.example"}, false},
		{"an opaque origin", "GET", media + "/link", map[string]string{"Origin": "null"}, false},
		{"a cross-site delete", "DELETE", "channels/" + channel + "/messages/" + sent.Message.SID, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"a cross-site preflight", "POST", "channels/" + channel + "/preflight", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, false},

		{"the same page", "GET", media + "/link", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": self}, true},
		{"typed in the address bar", "GET", media, map[string]string{"Sec-Fetch-Site": "none"}, true},
		{"an old browser on the same origin", "GET", media + "/link", map[string]string{"Origin": self}, true},
		{"a trusted origin", "GET", media + "/link", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}, true},
		{"no browser at all", "GET", media + "/link", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := journal()
			req, err := http.NewRequest(tc.method, e.api+tc.path, nil)
			require.NoError(t, err)
			req.Header.Set(memberHeader, agent.Identity)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			var eb httpapi.ErrorBody
			if !tc.ok {
				assert.Equal(t, http.StatusForbidden, res.StatusCode, "a cross-site request should be refused")
				require.NoError(t, json.NewDecoder(res.Body).Decode(&eb), "the refusal should be an ErrorBody")
				assert.Equal(t, errs.PermissionDenied, eb.Error.Code)
				assert.Equal(t, before, journal(), "a refused cross-site request must not write the journal")
				return
			}
			assert.Less(t, res.StatusCode, 400, "a same-site or non-browser request should pass")
			assert.Equal(t, before+1, journal(), "a link minted should be journalled")
		})
	}
	// The message is still there: the cross-site delete did nothing.
	assert.Len(t, e.chat.Messages(channel), 1)
}

// TestTrustedOriginsAreChecked checks that New refuses a trusted origin
// that is not an origin, rather than trusting something else than meant.
func TestTrustedOriginsAreChecked(t *testing.T) {
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, nil)
	require.NoError(t, err)
	defer c.Close(context.Background())
	for _, o := range []string{"app.example.com", "https://app.example.com/path", "ftp://app.example.com", "https://"} {
		_, err := httpapi.New(c, memberOf, &httpapi.Options{TrustedOrigins: []string{o}})
		assert.Equal(t, errs.InvalidArgument, errs.CodeOf(err), "%q is not an origin", o)
	}
}
