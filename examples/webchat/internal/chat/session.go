package chat

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
)

// The demo's sign-in: each view of the page signs in as its person (the
// demo has no passwords: choosing the view is the sign-in) and gets a
// session cookie of its own, named for the view. A session cookie is
// stateless and signed:
//
//	base64url(identity "|" expiry in Unix seconds) "." base64url(HMAC-SHA256)
//
// the MAC over the view's name and that payload, with a key kept in the
// data directory (session.key, readable by its owner only), so sessions
// outlive a restart and a cookie made for one view is worthless for another.
// The cookie is HttpOnly, SameSite=Strict, Secure on TLS, and expires with
// the session. Being stateless, a session cannot be revoked before it
// expires (signing out clears the browser's copy); a host that needs that
// keeps a session ID server-side, or rotates the key.
//
// A product with one person per browser reads one cookie. The demo shows
// three people in one page, so a browser holds up to three sessions: the
// view in the path (/api/{view}/…) or in the X-Webchat-View header (the
// library's routes) picks which one a request uses, and names nobody
// without its cookie.

// DefaultSessionLifetime is Options.SessionLifetime's default.
const DefaultSessionLifetime = 12 * time.Hour

// sessionReason is the refusal's Details.Reason when a request has no valid
// session, so the page knows to offer the sign-in again.
const sessionReason = "sign_in"

// sessionCookie names the cookie that holds view's session.
func sessionCookie(view string) string { return "webchat_session_" + view }

// sessions issues and checks the session cookies.
type sessions struct {
	key      []byte
	lifetime time.Duration
	now      func() time.Time
}

func (ss *sessions) mac(view, payload string) []byte {
	m := hmac.New(sha256.New, ss.key)
	m.Write([]byte("webchat session v1\x00" + view + "\x00" + payload))
	return m.Sum(nil)
}

// issue sets p's session cookie on w and returns when it expires.
func (ss *sessions) issue(w http.ResponseWriter, r *http.Request, p Person) time.Time {
	expires := ss.now().Add(ss.lifetime).Truncate(time.Second)
	payload := base64.RawURLEncoding.EncodeToString([]byte(p.Member.Identity + "|" + strconv.FormatInt(expires.Unix(), 10)))
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie(p.View),
		Value:    payload + "." + base64.RawURLEncoding.EncodeToString(ss.mac(p.View, payload)),
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(ss.lifetime / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	return expires
}

// end clears view's session cookie.
func (ss *sessions) end(w http.ResponseWriter, r *http.Request, view string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie(view), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// identity returns the identity of r's session for view: the cookie must be
// there, signed with the key for that view, and not expired.
func (ss *sessions) identity(r *http.Request, view string) (string, error) {
	signIn := func(msg string) error {
		return &errs.Error{Code: errs.PermissionDenied, Op: "session", Message: msg, Details: errs.Details{Reason: sessionReason}}
	}
	c, err := r.Cookie(sessionCookie(view))
	if err != nil || c.Value == "" {
		return "", signIn("sign in first")
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, ss.mac(view, payload)) {
		return "", signIn("your session is not valid; sign in again")
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	identity, exp, ok := strings.Cut(string(raw), "|")
	unix, perr := strconv.ParseInt(exp, 10, 64)
	if err != nil || !ok || perr != nil || identity == "" {
		return "", signIn("your session is not valid; sign in again")
	}
	if !ss.now().Before(time.Unix(unix, 0)) {
		return "", signIn("your session has expired; sign in again")
	}
	return identity, nil
}

// signedIn returns the person view speaks for, when r carries that view's
// session.
func (s *Server) signedIn(r *http.Request, view string) (Person, error) {
	p, ok := s.person(view)
	if !ok {
		return Person{}, &errs.Error{Code: errs.PermissionDenied, Op: "session", Message: "sign in first",
			Details: errs.Details{Reason: sessionReason}}
	}
	identity, err := s.sessions.identity(r, view)
	if err != nil {
		return Person{}, err
	}
	if identity != p.Member.Identity {
		return Person{}, &errs.Error{Code: errs.PermissionDenied, Op: "session", Message: "your session is not valid; sign in again",
			Details: errs.Details{Reason: sessionReason}}
	}
	return p, nil
}

// sessionReply answers a sign-in.
type sessionReply struct {
	View      string    `json:"view"`
	Identity  string    `json:"identity"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// handleSignIn signs a view in as its person: the demo's chooser, with no
// password. A host checks a password, a single sign-on or a magic link
// here; what follows (the signed, expiring, HttpOnly cookie) is the same.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	p, ok := s.person(r.PathValue("view"))
	if !ok {
		s.fail(w, r, &errs.Error{Code: errs.NotFound, Message: "no such view"})
		return
	}
	expires := s.sessions.issue(w, r, p)
	rep := sessionReply{View: p.View, Identity: p.Member.Identity, Name: p.Name, ExpiresAt: expires.UTC()}
	s.respond(w, r, http.StatusOK, rep, nil)
}

// handleSignOut ends a view's session.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.person(r.PathValue("view")); !ok {
		s.fail(w, r, &errs.Error{Code: errs.NotFound, Message: "no such view"})
		return
	}
	s.sessions.end(w, r, r.PathValue("view"))
	w.WriteHeader(http.StatusNoContent)
}

// loadSessionKey reads the key that signs session cookies from path, or
// makes a new random one there (readable by its owner only). A production
// host would take it from its secret manager.
func loadSessionKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("session key %s: want 32 bytes or more, in hex", path)
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("session key: %w", err)
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails
	if err := writeSecret(path, []byte(hex.EncodeToString(k)+"\n")); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return k, nil
}

// writeSecret creates the file at path, readable by its owner only, with
// data; a file already there is an error, and a failed write leaves none.
func writeSecret(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
