package chat_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// clock is a settable clock for the demo's sessions.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// plain sends a request with the given cookies only (no jar) and returns
// the status and the refusal.
func (d *demo) plain(t *testing.T, method, path, view string, cookies ...*http.Cookie) (int, errorReply) {
	t.Helper()
	req, err := http.NewRequest(method, d.hs.URL+path, strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if view != "" {
		req.Header.Set("X-Webchat-View", view)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var rep struct{ Error errorReply }
	if res.StatusCode >= 400 {
		require.NoError(t, json.NewDecoder(res.Body).Decode(&rep), "%s %s: a refusal that is not JSON", method, path)
	}
	return res.StatusCode, rep.Error
}

// sessionOf returns the jar's session cookie of view.
func (d *demo) sessionOf(t *testing.T, view string) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, d.hs.URL+"/", nil)
	for _, c := range d.client.Jar.Cookies(req.URL) {
		if c.Name == "webchat_session_"+view {
			return c
		}
	}
	t.Fatalf("no session cookie for the %s", view)
	return nil
}

// everyRoute is each route of the demo's API and of the library's, with
// the view that acts.
var everyRoute = []struct{ method, path, view string }{
	{http.MethodGet, "/api/customer/state", ""},
	{http.MethodGet, "/api/agent/events", ""},
	{http.MethodPost, "/api/customer/messages", ""},
	{http.MethodGet, "/api/agent/media/ME0/renditions/thumbnail", ""},
	{http.MethodPost, "/api/agent/block", ""},
	{http.MethodPost, "/api/agent/unblock", ""},
	{http.MethodGet, "/api/supervisor/journal", ""},
	{http.MethodPost, "/attachments/api/channels/" + chat.Channel + "/preflight", "customer"},
	{http.MethodPost, "/attachments/api/channels/" + chat.Channel + "/draft/files", "customer"},
	{http.MethodPost, "/attachments/api/channels/" + chat.Channel + "/draft/send", "customer"},
	{http.MethodDelete, "/attachments/api/channels/" + chat.Channel + "/messages/IM0", "agent"},
	{http.MethodGet, "/attachments/api/channels/" + chat.Channel + "/messages/IM0/media/ME0/link", "supervisor"},
	{http.MethodPost, "/attachments/api/channels/" + chat.Channel + "/uploads", "customer"},
}

// TestEveryRouteNeedsASession: with no session, a forged one, one made for
// another view, or an expired one, every route of the API refuses with
// permission_denied and the reason that sends the page to its sign-in.
func TestEveryRouteNeedsASession(t *testing.T) {
	clk := &clock{now: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	d := newDemo(t, &chat.Options{Now: clk.Now, SessionLifetime: time.Hour})
	customer, agent := d.sessionOf(t, "customer"), d.sessionOf(t, "agent")
	forged := *customer
	payload, _, _ := strings.Cut(customer.Value, ".")
	forged.Value = payload + ".AAAA" + strings.Repeat("B", 39)
	swapped := *agent // the agent's cookie under the customer's name
	swapped.Name = customer.Name
	agentAsCustomer := *customer // the customer's payload signed for the customer, sent as the agent's
	agentAsCustomer.Name = agent.Name

	for _, tc := range []struct {
		name    string
		cookies func(view string) []*http.Cookie
	}{
		{"no session", func(string) []*http.Cookie { return nil }},
		{"a forged signature", func(string) []*http.Cookie {
			return []*http.Cookie{with(&forged, "customer"), with(&forged, "agent"), with(&forged, "supervisor")}
		}},
		{"another view's cookie", func(string) []*http.Cookie {
			return []*http.Cookie{&swapped, &agentAsCustomer, with(&agentAsCustomer, "supervisor")}
		}},
		{"garbage", func(string) []*http.Cookie {
			return []*http.Cookie{{Name: customer.Name, Value: "x"}, {Name: agent.Name, Value: "."}, {Name: "webchat_session_supervisor", Value: "a.b.c"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range everyRoute {
				status, rep := d.plain(t, r.method, r.path, r.view, tc.cookies(r.view)...)
				assert.Equal(t, http.StatusForbidden, status, "%s %s: a request without a valid session got through", r.method, r.path)
				assert.Equal(t, "permission_denied", rep.Code, "%s %s", r.method, r.path)
				assert.Equal(t, "sign_in", rep.Details["reason"], "%s %s: the page would not offer the sign-in", r.method, r.path)
			}
		})
	}

	// The jar's real sessions work, until they expire.
	status, _ := d.do(t, http.MethodGet, "/api/customer/state", nil, "", nil)
	require.Equal(t, http.StatusOK, status, "a fresh session is refused")
	clk.add(time.Hour)
	status, rep := d.plain(t, http.MethodGet, "/api/customer/state", "", customer)
	assert.Equal(t, http.StatusForbidden, status, "an expired session still works")
	assert.Equal(t, "your session has expired; sign in again", rep.Message)
	status, _ = d.plain(t, http.MethodPost, "/attachments/api/channels/"+chat.Channel+"/preflight", "customer", customer)
	assert.Equal(t, http.StatusForbidden, status, "an expired session still works on the library's API")
}

// with returns a copy of c named for view.
func with(c *http.Cookie, view string) *http.Cookie {
	cc := *c
	cc.Name = "webchat_session_" + view
	return &cc
}

// TestSessionCookie: the cookie a sign-in sets is signed, HttpOnly,
// SameSite=Strict, expiring, Secure on TLS; its key lives in the data
// directory, readable by its owner only, so sessions outlive a restart;
// signing out clears it.
func TestSessionCookie(t *testing.T) {
	dir := t.TempDir()
	srv, err := chat.Open(dir, &chat.Options{Logger: quietLogger(), SessionLifetime: 2 * time.Hour})
	require.NoError(t, err)
	for _, tls := range []bool{false, true} {
		var hs *httptest.Server
		if tls {
			hs = httptest.NewTLSServer(srv)
		} else {
			hs = httptest.NewServer(srv)
		}
		client := hs.Client()
		res, err := client.Post(hs.URL+"/session/agent", "application/json", nil)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		cs := res.Cookies()
		require.Len(t, cs, 1)
		c := cs[0]
		assert.Equal(t, "webchat_session_agent", c.Name)
		assert.True(t, c.HttpOnly, "the session cookie is readable by scripts")
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
		assert.Equal(t, "/", c.Path)
		assert.Equal(t, 7200, c.MaxAge, "the session cookie does not expire with the session")
		assert.Equal(t, tls, c.Secure, "Secure on TLS only (tls=%v)", tls)

		req, _ := http.NewRequest(http.MethodDelete, hs.URL+"/session/agent", nil)
		res, err = client.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Len(t, res.Cookies(), 1)
		assert.Equal(t, -1, res.Cookies()[0].MaxAge, "signing out does not clear the cookie")
		hs.Close()
	}
	srv.EndStreams()
	require.NoError(t, srv.Close(t.Context()))

	info, err := os.Stat(filepath.Join(dir, "session.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the session key is readable by others")

	// A session survives a restart on the same data directory.
	d := openDemo(t, dir, nil)
	cookie := d.sessionOf(t, "supervisor")
	d.close(t)
	d = openDemo(t, dir, nil)
	status, _ := d.plain(t, http.MethodGet, "/api/supervisor/journal", "", cookie)
	assert.Equal(t, http.StatusOK, status, "a session from before the restart is refused")
	// A data directory of its own has a key of its own.
	other := newDemo(t, nil)
	status, _ = other.plain(t, http.MethodGet, "/api/supervisor/journal", "", cookie)
	assert.Equal(t, http.StatusForbidden, status, "another data directory's session is accepted")
}
