package links_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/links"
)

// resplits returns the tokens a forger makes from tok, a token for (media,
// member), to pass it off as one for media2: the media bytes swapped for
// media2's, and also with a uvarint length in front of them rewritten, if
// the token has one there. The MAC stays. A forger holding no secret can do
// no more with a token than move bytes between its fields.
func resplits(tok []byte, media, media2 string) [][]byte {
	payload, mac := tok[:len(tok)-macLen], tok[len(tok)-macLen:]
	at := bytes.LastIndex(payload, []byte(media))
	if at < 0 || at+len(media) != len(payload) {
		return nil // the media does not end the payload: nothing to re-split
	}
	forge := func(head []byte) []byte {
		out := append(append([]byte(nil), head...), media2...)
		return append(out, mac...)
	}
	out := [][]byte{forge(payload[:at])}
	prefix := binary.AppendUvarint(nil, uint64(len(media)))
	if bytes.HasSuffix(payload[:at], prefix) {
		head := append([]byte(nil), payload[:at-len(prefix)]...)
		out = append(out, forge(binary.AppendUvarint(head, uint64(len(media2)))))
	}
	return out
}

// checkFraming signs a token for (media, member) and checks that no re-split
// of the same bytes, (media+member)[:cut] and the rest, verifies as another
// pair, and that the token itself verifies only for its member.
func checkFraming(t *testing.T, s *links.Signer, expires time.Time, media, member string, cut int) {
	t.Helper()
	tok := mustSign(t, s, links.Claims{Media: media, Expires: expires, Member: member})
	got, err := s.Verify(tok, member)
	require.NoError(t, err, "a genuine token is refused")
	assert.Equal(t, media, got.Media, "the token verifies for other media than it was signed for")
	assert.Equal(t, member, got.Member, "the token verifies for another member than it was signed for")

	whole := media + member
	media2, member2 := whole[:cut], whole[cut:]
	if media2 == media || media2 == "" || !utf8.ValidString(media2) {
		return
	}
	for _, forged := range resplits(decode(t, tok), media, media2) {
		c, err := s.Verify(encode(forged), member2)
		assert.Errorf(t, err, "a token for (%q, %q) verifies as (%q, %q): %+v", media, member, media2, member2, c)
	}
}

// TestTokenFraming: a token binds its media and member as two fields, so
// moving bytes from one to the other breaks it, whichever way they move.
func TestTokenFraming(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, key("k1"), &links.SignerOptions{Now: clk.Now})
	tests := []struct {
		name          string
		media, member string
		cut           int // where the forger re-splits media+member
	}{
		{"one byte from the member to the media", "a", "bc", 2},
		{"one byte from the media to the member", "ab", "c", 1},
		{"the whole member into the media", "media/a", "x", 8},
		{"a member that looks like a length", "media/a", "\x01z", 8},
		{"a path split elsewhere", "media/ME1", "agent:alice", 5},
		{"a long media", string(bytes.Repeat([]byte("m"), 200)), "agent:bob", 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFraming(t, s, clk.Now().Add(time.Hour), tt.media, tt.member, tt.cut)
		})
	}
}

// FuzzTokenFraming: for any media and member, no re-split of their bytes
// verifies, and a token verifies for its own member only.
func FuzzTokenFraming(f *testing.F) {
	f.Add("a", "bc", 2)
	f.Add("ab", "c", 1)
	f.Add("media/ME0123", "agent:alice", 3)
	f.Add("x", "\x01y", 2)
	clk := newClock()
	s := mustSigner(f, key("k1"), &links.SignerOptions{Now: clk.Now})
	f.Fuzz(func(t *testing.T, media, member string, cut int) {
		if media == "" || len(media) > 1024 || !utf8.ValidString(media) {
			return // Sign refuses it; TestSignRefusesBadClaims covers that
		}
		whole := len(media) + len(member)
		cut = ((cut % (whole + 1)) + whole + 1) % (whole + 1)
		checkFraming(t, s, clk.Now().Add(time.Hour), media, member, cut)
		if member != "" {
			tok := mustSign(t, s, links.Claims{Media: media, Expires: clk.Now().Add(time.Hour), Member: member})
			_, err := s.Verify(tok, member+"x")
			assert.Error(t, err, "a bound token verifies for another member")
		}
	})
}
