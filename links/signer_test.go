package links_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
)

// key returns a test key whose secret is derived from its id.
func key(id string) links.Key {
	return links.Key{ID: id, Secret: bytes.Repeat([]byte(id+"-secret/"), 8)}
}

func mustSigner(t testing.TB, current links.Key, opts *links.SignerOptions) *links.Signer {
	t.Helper()
	s, err := links.NewSigner(current, opts)
	if err != nil {
		t.Fatalf("NewSigner(%q): %v", current.ID, err)
	}
	return s
}

func mustSign(t testing.TB, s *links.Signer, c links.Claims) string {
	t.Helper()
	tok, err := s.Sign(c)
	if err != nil {
		t.Fatalf("Sign(%+v): %v", c, err)
	}
	return tok
}

// The token layout is documented in signer.go: base64url without padding of a
// payload followed by a 32-byte HMAC-SHA256.
const macLen = 32

func decode(t testing.TB, tok string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatalf("decode %q: %v", tok, err)
	}
	return b
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestNewSignerRefusesBadKeys(t *testing.T) {
	tests := []struct {
		name    string
		current links.Key
		prev    []links.Key
	}{
		{"empty id", links.Key{ID: "", Secret: key("a").Secret}, nil},
		{"id too long", links.Key{ID: strings.Repeat("a", links.MaxKeyIDLen+1), Secret: key("a").Secret}, nil},
		{"id with a space", links.Key{ID: "k 1", Secret: key("a").Secret}, nil},
		{"id with a slash", links.Key{ID: "k/1", Secret: key("a").Secret}, nil},
		{"id not ASCII", links.Key{ID: "clé", Secret: key("a").Secret}, nil},
		{"short secret", links.Key{ID: "k1", Secret: make([]byte, links.MinSecretLen-1)}, nil},
		{"nil secret", links.Key{ID: "k1"}, nil},
		{"duplicate id", key("k1"), []links.Key{key("k0"), key("k1")}},
		{"short previous secret", key("k1"), []links.Key{{ID: "k0", Secret: []byte("short")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := links.NewSigner(tt.current, &links.SignerOptions{Previous: tt.prev})
			if !errors.Is(err, errs.InvalidConfig) {
				t.Fatalf("NewSigner() = %v, %v; want an %s error", s, err, errs.InvalidConfig)
			}
			if strings.Contains(err.Error(), string(tt.current.Secret)) && len(tt.current.Secret) > 0 {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
	if _, err := links.NewSigner(links.Key{ID: strings.Repeat("Az09-_.", 4), Secret: make([]byte, links.MinSecretLen)}, nil); err != nil {
		t.Errorf("NewSigner(longest valid id, shortest secret) = %v; want no error", err)
	}
}

func TestSignRefusesBadClaims(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	exp := clk.Now().Add(time.Minute)
	tests := []struct {
		name string
		c    links.Claims
	}{
		{"no media", links.Claims{Expires: exp}},
		{"media too long", links.Claims{Media: strings.Repeat("m", 1025), Expires: exp}},
		{"media not UTF-8", links.Claims{Media: "media/\xff", Expires: exp}},
		{"zero expiry", links.Claims{Media: "m"}},
		{"expiry before 1970", links.Claims{Media: "m", Expires: time.Unix(-5, 0)}},
		{"unknown disposition", links.Claims{Media: "m", Expires: exp, Disposition: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := s.Sign(tt.c)
			if !errors.Is(err, errs.InvalidArgument) || tok != "" {
				t.Fatalf("Sign() = %q, %v; want an %s error", tok, err, errs.InvalidArgument)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	exp := clk.Now().Add(5 * time.Minute)
	tests := []struct {
		name   string
		c      links.Claims
		member string // who presents the token
	}{
		{"attachment", links.Claims{Media: "media/ME0123456789abcdef0123456789abcdef", Expires: exp}, ""},
		{"inline", links.Claims{Media: "m", Expires: exp, Disposition: links.Inline}, ""},
		{"bound to a member", links.Claims{Media: "m", Expires: exp, Member: "agent:alice"}, "agent:alice"},
		{"unbound, presented by someone", links.Claims{Media: "m", Expires: exp}, "customer:bob"},
		{"longest media", links.Claims{Media: strings.Repeat("é", 512), Expires: exp}, ""},
		{"sub-second expiry is truncated", links.Claims{Media: "m", Expires: exp.Add(999 * time.Millisecond)}, ""},
	}
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, s, tt.c)
			if !urlSafe.MatchString(tok) {
				t.Errorf("token %q is not URL-safe base64", tok)
			}
			if tt.c.Member != "" && strings.Contains(string(decode(t, tok)), tt.c.Member) {
				t.Errorf("token carries the member %q in clear", tt.c.Member)
			}
			got, err := s.Verify(tok, tt.member)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			want := tt.c
			want.Expires = tt.c.Expires.Truncate(time.Second)
			if got.Media != want.Media || !got.Expires.Equal(want.Expires) ||
				got.Disposition != want.Disposition || got.Member != want.Member {
				t.Errorf("Verify() = %+v; want %+v", got, want)
			}
		})
	}
}

func TestTokenIsCompact(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	media := "media/ME0123456789abcdef0123456789abcdef" // 40 bytes, a typical key
	tok := mustSign(t, s, links.Claims{Media: media, Expires: clk.Now().Add(time.Hour), Member: "agent:alice"})
	// version, flags, id length, "k1", 5-byte expiry, media length, media, MAC.
	if want := base64.RawURLEncoding.EncodedLen(3 + 2 + 5 + 1 + len(media) + macLen); len(tok) != want {
		t.Errorf("len(token) = %d; want %d", len(tok), want)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	clk := newClock()
	now := clk.Now()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now, Previous: []links.Key{key("k0")}})
	valid := links.Claims{Media: "media/a", Expires: now.Add(5 * time.Minute)}
	tok := mustSign(t, s, valid)
	raw := decode(t, tok)
	tokB := mustSign(t, s, links.Claims{Media: "media/b", Expires: valid.Expires})
	rawB := decode(t, tokB)

	// forger has the right key id and format but not the secret.
	forger := mustSigner(t, links.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}, &links.SignerOptions{Now: clk.Now})
	stranger := mustSigner(t, key("k9"), &links.SignerOptions{Now: clk.Now})
	bound := mustSign(t, s, links.Claims{Media: "media/a", Expires: valid.Expires, Member: "agent:alice"})

	withMAC := func(payload, mac []byte) string {
		return encode(append(append([]byte(nil), payload...), mac...))
	}
	edit := func(f func(b []byte) []byte) string {
		return encode(f(append([]byte(nil), raw...)))
	}

	tests := []struct {
		name   string
		token  string
		member string
		want   errs.Code
	}{
		{"empty", "", "", errs.LinkInvalid},
		{"garbage", "hello", "", errs.LinkInvalid},
		{"not base64url", strings.Replace(tok, tok[:1], "*", 1), "", errs.LinkInvalid},
		{"std base64 with padding", base64.StdEncoding.EncodeToString(raw), "", errs.LinkInvalid},
		{"with a trailing dot", tok + ".", "", errs.LinkInvalid},
		{"with spaces", " " + tok + " ", "", errs.LinkInvalid},
		{"with a newline", tok[:10] + "\n" + tok[10:], "", errs.LinkInvalid},
		{"with a trailing CRLF", tok + "\r\n", "", errs.LinkInvalid},
		{"too long", strings.Repeat("A", 4096), "", errs.LinkInvalid},
		{"truncated by one char", tok[:len(tok)-1], "", errs.LinkInvalid},
		{"truncated MAC", encode(raw[:len(raw)-1]), "", errs.LinkInvalid},
		{"MAC only", encode(raw[len(raw)-macLen:]), "", errs.LinkInvalid},
		{"no MAC", encode(raw[:len(raw)-macLen]), "", errs.LinkInvalid},
		{"half", tok[:len(tok)/2], "", errs.LinkInvalid},
		{"extended", encode(append(append([]byte(nil), raw...), 0)), "", errs.LinkInvalid},
		{"forged with a guessed secret", mustSign(t, forger, valid), "", errs.LinkInvalid},
		{"forged and expired", mustSign(t, forger, links.Claims{Media: "media/a", Expires: now.Add(-time.Hour)}), "", errs.LinkInvalid},
		{"zero MAC", withMAC(raw[:len(raw)-macLen], make([]byte, macLen)), "", errs.LinkInvalid},
		{"unknown key", mustSign(t, stranger, valid), "", errs.LinkInvalid},
		{"key id renamed", edit(func(b []byte) []byte { b[4] = '9'; return b }), "", errs.LinkInvalid},
		{"version 1", edit(func(b []byte) []byte { b[0] = 1; return b }), "", errs.LinkInvalid},
		{"version 3", edit(func(b []byte) []byte { b[0] = 3; return b }), "", errs.LinkInvalid},
		{"media length one short", edit(func(b []byte) []byte { b[len(b)-macLen-len("media/a")-1]--; return b }), "", errs.LinkInvalid},
		{"unknown flag", edit(func(b []byte) []byte { b[1] |= 0x80; return b }), "", errs.LinkInvalid},
		{"made inline", edit(func(b []byte) []byte { b[1] |= 1; return b }), "", errs.LinkInvalid},
		{"member flag added", edit(func(b []byte) []byte { b[1] |= 2; return b }), "agent:alice", errs.LinkInvalid},
		{"expiry pushed back", edit(func(b []byte) []byte { b[5]++; return b }), "", errs.LinkInvalid},
		{"other media, same MAC", withMAC(rawB[:len(rawB)-macLen], raw[len(raw)-macLen:]), "", errs.LinkInvalid},
		{"media swapped in place", edit(func(b []byte) []byte { b[len(b)-macLen-1] = 'b'; return b }), "", errs.LinkInvalid},
		{"media extended", withMAC(append(append([]byte(nil), raw[:len(raw)-macLen]...), 'x'), raw[len(raw)-macLen:]), "", errs.LinkInvalid},
		{"bound, presented by nobody", bound, "", errs.LinkInvalid},
		{"bound, presented by another member", bound, "agent:mallory", errs.LinkInvalid},
		{"bound, presented by a prefix of the member", bound, "agent:ali", errs.LinkInvalid},
		{"expired a second ago", mustSign(t, s, links.Claims{Media: "media/a", Expires: now.Add(-time.Second)}), "", errs.LinkExpired},
		{"expires right now", mustSign(t, s, links.Claims{Media: "media/a", Expires: now}), "", errs.LinkExpired},
		{"expired, bound", mustSign(t, s, links.Claims{Media: "m", Expires: now.Add(-time.Hour), Member: "x"}), "x", errs.LinkExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.Verify(tt.token, tt.member)
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("Verify() = %+v, %v; want code %s", c, err, tt.want)
			}
			if c != (links.Claims{}) {
				t.Errorf("Verify() returned claims %+v with an error", c)
			}
			if e := errs.As(err); e == nil || e.Err != nil {
				t.Errorf("Verify() error %#v; want an *errs.Error with no cause", err)
			}
		})
	}
	if _, err := s.Verify(tok, ""); err != nil {
		t.Fatalf("the untouched token: Verify() = %v", err)
	}
}

func TestVerifyRefusesEveryBitFlip(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	raw := decode(t, mustSign(t, s, links.Claims{Media: "media/a", Expires: clk.Now().Add(time.Hour), Member: "m"}))
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			if _, err := s.Verify(encode(b), "m"); !errors.Is(err, errs.LinkInvalid) {
				t.Fatalf("byte %d bit %d flipped: Verify() = %v; want %s", i, bit, err, errs.LinkInvalid)
			}
		}
	}
}

func TestKeyRotation(t *testing.T) {
	clk := newClock()
	exp := clk.Now().Add(5 * time.Minute)
	c := links.Claims{Media: "media/a", Expires: exp}

	old := mustSigner(t, key("2031-01"), &links.SignerOptions{Now: clk.Now})
	rotated := mustSigner(t, key("2031-02"), &links.SignerOptions{Now: clk.Now, Previous: []links.Key{key("2031-01")}})
	retired := mustSigner(t, key("2031-02"), &links.SignerOptions{Now: clk.Now})

	oldTok, newTok := mustSign(t, old, c), mustSign(t, rotated, c)
	tests := []struct {
		name   string
		s      *links.Signer
		token  string
		wantOK bool
	}{
		{"old key, before rotation", old, oldTok, true},
		{"old token after rotation", rotated, oldTok, true},
		{"new token after rotation", rotated, newTok, true},
		{"new token on a node not yet rotated", old, newTok, false},
		{"old token after the old key is retired", retired, oldTok, false},
		{"new token after the old key is retired", retired, newTok, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Verify(tt.token, "")
			if gotOK := err == nil; gotOK != tt.wantOK {
				t.Errorf("Verify() error = %v; want ok %v", err, tt.wantOK)
			}
			if err != nil && !errors.Is(err, errs.LinkInvalid) {
				t.Errorf("Verify() error = %v; want %s", err, errs.LinkInvalid)
			}
		})
	}
	if oldTok == newTok {
		t.Error("the rotated signer signs like the old one")
	}
}

func TestSignerCopiesSecrets(t *testing.T) {
	clk := newClock()
	k := key("k1")
	s := mustSigner(t, k, &links.SignerOptions{Now: clk.Now})
	tok := mustSign(t, s, links.Claims{Media: "m", Expires: clk.Now().Add(time.Minute)})
	clear(k.Secret)
	if _, err := s.Verify(tok, ""); err != nil {
		t.Errorf("after the caller zeroes its secret: Verify() = %v; want ok", err)
	}
}

func TestSignerClockDecidesExpiry(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	tok := mustSign(t, s, links.Claims{Media: "m", Expires: clk.Now().Add(5 * time.Minute)})
	steps := []struct {
		advance time.Duration
		want    errs.Code
	}{
		{0, ""},
		{5*time.Minute - time.Second, ""},
		{time.Second, errs.LinkExpired},
		{24 * time.Hour, errs.LinkExpired},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if _, err := s.Verify(tok, ""); errs.CodeOf(err) != st.want {
			t.Errorf("at %v: Verify() = %v; want code %q", clk.Now(), err, st.want)
		}
	}
}

func TestSignerIsSafeForConcurrentUse(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now, Previous: []links.Key{key("k0")}})
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				c := links.Claims{Media: fmt.Sprintf("media/%d/%d", g, i), Expires: clk.Now().Add(time.Minute), Member: fmt.Sprint(g)}
				tok, err := s.Sign(c)
				if err == nil {
					_, err = s.Verify(tok, c.Member)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// FuzzVerifyToken checks that Verify never panics, refuses with one of the
// two link codes, and accepts only canonical tokens it could have minted.
func FuzzVerifyToken(f *testing.F) {
	clk := newClock()
	s := mustSigner(f, key("k1"), &links.SignerOptions{Now: clk.Now, Previous: []links.Key{key("k0")}})
	old := mustSigner(f, key("k0"), &links.SignerOptions{Now: clk.Now})
	exp := clk.Now().Add(time.Hour)
	for _, c := range []links.Claims{
		{Media: "media/a", Expires: exp},
		{Media: "media/ME0123456789abcdef", Expires: exp, Disposition: links.Inline},
		{Media: "m", Expires: exp, Member: "agent:alice"},
		{Media: "m", Expires: clk.Now().Add(-time.Minute)},
		{Media: strings.Repeat("x/", 512), Expires: exp},
	} {
		tok := mustSign(f, s, c)
		f.Add(tok, c.Member)
		f.Add(tok[:len(tok)-3], c.Member)
		f.Add(mustSign(f, old, c), "")
	}
	f.Add("", "")
	f.Add("AQAC", "x")
	f.Fuzz(func(t *testing.T, token, member string) {
		c, err := s.Verify(token, member)
		if err != nil {
			if code := errs.CodeOf(err); code != errs.LinkInvalid && code != errs.LinkExpired {
				t.Fatalf("Verify(%q) error code %q; want %s or %s", token, code, errs.LinkInvalid, errs.LinkExpired)
			}
			return
		}
		// Accepted: it must be exactly what one of our keys would mint for these claims.
		for _, signer := range []*links.Signer{s, old} {
			again, err := signer.Sign(c)
			if err != nil {
				t.Fatalf("Sign(%+v) of accepted claims: %v", c, err)
			}
			if again == token {
				return
			}
		}
		t.Fatalf("Verify accepted %q (%+v), which no key would mint", token, c)
	})
}

// BenchmarkLinkSignVerify mints and verifies one link. Target: under 2 µs.
func BenchmarkLinkSignVerify(b *testing.B) {
	s := mustSigner(b, key("k1"), nil)
	c := links.Claims{Media: "media/ME0123456789abcdef0123456789abcdef", Expires: time.Now().Add(5 * time.Minute), Member: "agent:alice"}
	b.ReportAllocs()
	for b.Loop() {
		tok, err := s.Sign(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Verify(tok, c.Member); err != nil {
			b.Fatal(err)
		}
	}
}
