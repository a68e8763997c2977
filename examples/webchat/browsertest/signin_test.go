package browsertest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/attachkit/attachments/examples/webchat/internal/chat"
)

// clock is a clock the test moves, for the demo's sessions.
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

// status fetches path from the page, with the view header when view is not
// empty, and returns the answer's status.
func (s *session) status(method, path, view string) int {
	s.t.Helper()
	headers := `{}`
	if view != "" {
		headers = `{'X-Webchat-View': '` + view + `', 'Content-Type': 'application/json'}`
	}
	return run(s, method+" "+path, chromedp.Evaluate[int](`fetch('`+path+`', {method: '`+method+`', headers: `+headers+
		`, body: '`+method+`' === 'GET' ? undefined : '{}'}).then((r) => r.status)`, chromedp.EvalAwaitPromise))
}

// TestSignInInBrowser: every view starts signed out and the API refuses the
// page until it signs in; the session cookie is signed, HttpOnly,
// SameSite=Strict and expiring; a forged cookie and an expired session
// send the view back to its sign-in, saying why; Sign out ends it.
func TestSignInInBrowser(t *testing.T) {
	clk := &clock{now: time.Now()}
	d := startDemo(t, chat.Options{Now: clk.Now, SessionLifetime: time.Hour})
	s := &session{t: t, ctx: browser(t), deadline: time.Now().Add(testTimeout)}
	axe := axeSource(t)
	s.do("1440 px wide", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(d.hs.URL+"/"))
	for _, v := range allViews {
		s.do("the "+v+" view offers the sign-in",
			chromedp.WaitVisible(chromedp.CSS(view(v, ".signin-btn"))))
		if got := s.text(view(v, ".signin-btn")); got != "Sign in as the "+v {
			t.Errorf("the %s view's sign-in button says %q", v, got)
		}
	}
	if n := run(s, "count messages", chromedp.Evaluate[int](`document.querySelectorAll('li.msg').length`)); n != 0 {
		t.Errorf("signed out, the page shows %d messages", n)
	}
	checkAccessibility(t, s, axe, "the sign-in")
	screenshotAs(t, s, "webchat-signin")

	lib := "/attachments/api/channels/" + chat.Channel + "/"
	for _, r := range []struct{ method, path, view string }{
		{"GET", "/api/customer/state", ""},
		{"GET", "/api/supervisor/journal", ""},
		{"POST", "/api/agent/block", ""},
		{"POST", lib + "preflight", "customer"},
		{"POST", lib + "draft/send", "customer"},
	} {
		if got := s.status(r.method, r.path, r.view); got != 403 {
			t.Errorf("signed out, %s %s answered %d, want 403", r.method, r.path, got)
		}
	}

	s.signIn("customer")
	if got := run(s, "read document.cookie", chromedp.Evaluate[string](`document.cookie`)); strings.Contains(got, "webchat_session") {
		t.Errorf("the page's scripts can read the session cookie: %q", got)
	}
	cookies, err := chromedp.Call(s.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{d.hs.URL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var sess *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "webchat_session_customer" {
			sess = c
		}
	}
	if sess == nil {
		t.Fatalf("no session cookie after signing in: %+v", cookies.Cookies)
	}
	if !sess.HTTPOnly || sess.SameSite != network.CookieSameSiteStrict || sess.Session || sess.Path != "/" {
		t.Errorf("the session cookie is HttpOnly=%v SameSite=%q session-only=%v path %q; want HttpOnly, Strict, expiring, /",
			sess.HTTPOnly, sess.SameSite, sess.Session, sess.Path)
	}
	if got := s.status("GET", "/api/customer/state", ""); got != 200 {
		t.Errorf("signed in, the customer's state answered %d", got)
	}
	if got := s.status("GET", "/api/agent/state", ""); got != 403 {
		t.Errorf("signed in as the customer only, the agent's state answered %d, want 403", got)
	}

	// A forged cookie: the customer's payload with another signature.
	payload, _, _ := strings.Cut(sess.Value, ".")
	if _, err := chromedp.Call(s.ctx, network.SetCookie, network.SetCookieParams{Name: sess.Name, Value: payload + ".Zm9yZ2Vk",
		URL: d.hs.URL + "/", Path: "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict}); err != nil {
		t.Fatal(err)
	}
	s.do("reload with a forged session", chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"][data-signed-in="false"] .signin-btn`)))
	if got := s.text(view("customer", ".signin-why")); !strings.Contains(got, "not valid") {
		t.Errorf("with a forged session the customer's view says %q, want that the session is not valid", got)
	}
	if got := s.status("GET", "/api/customer/state", ""); got != 403 {
		t.Errorf("a forged session: the state answered %d, want 403", got)
	}

	// An expired session: the server's clock moves past its end.
	s.signIn("customer")
	clk.add(time.Hour + time.Second)
	s.do("reload after the session expired", chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"][data-signed-in="false"] .signin-btn`)))
	if got := s.text(view("customer", ".signin-why")); !strings.Contains(got, "expired") {
		t.Errorf("with an expired session the customer's view says %q, want that it expired", got)
	}
	if got := s.status("POST", lib+"preflight", "customer"); got != 403 {
		t.Errorf("an expired session: the preflight answered %d, want 403", got)
	}

	s.signIn("customer")
	s.do("sign out", chromedp.Click(chromedp.CSS(view("customer", ".signout"))),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="customer"][data-signed-in="false"] .signin-btn`)))
	if got := s.status("GET", "/api/customer/state", ""); got != 403 {
		t.Errorf("signed out, the customer's state answered %d, want 403", got)
	}
}
