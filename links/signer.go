package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// MinSecretLen is the shortest Key.Secret NewSigner accepts, in bytes.
const MinSecretLen = 32

// MaxKeyIDLen is the longest Key.ID, in bytes.
const MaxKeyIDLen = 32

// Key is a secret that signs or verifies links, with the id that names it in
// the tokens it signs.
type Key struct {
	// ID names the key in every token it signs, so that a verifier finds it
	// again after a rotation. It is 1 to MaxKeyIDLen ASCII letters, digits,
	// '-', '_' or '.', and it is not secret.
	ID string
	// Secret is the HMAC-SHA256 key: at least MinSecretLen random bytes, from
	// crypto/rand or a secret manager. NewSigner copies it.
	Secret []byte
}

// Disposition says how a browser should present a download: shown in the
// page (Inline) or saved as a file (Attachment). The zero value is
// Attachment, the safe one.
type Disposition uint8

// The dispositions.
const (
	// Attachment asks the browser to save the file.
	Attachment Disposition = iota
	// Inline asks the browser to show the file. The handler grants it only to
	// types that cannot run script; see the package doc.
	Inline
)

// String returns "attachment" or "inline", the Content-Disposition type.
func (d Disposition) String() string {
	if d == Inline {
		return "inline"
	}
	return "attachment"
}

// Claims are what a token binds.
type Claims struct {
	// Media is the storage key (or media SID) the link is for: 1 to
	// storage.MaxKeyLen bytes.
	Media string
	// Expires is the instant from which the token is refused. Tokens carry
	// whole Unix seconds, so Sign truncates it.
	Expires time.Time
	// Disposition is the presentation asked for.
	Disposition Disposition
	// Member, when not empty, binds the token to the member it was issued to:
	// Verify then accepts it only for that member. The member is part of the
	// signature but is not written into the token, so identities never show
	// in URLs, logs or browser histories.
	Member string
}

// SignerOptions are the optional settings of a Signer. A nil *SignerOptions
// means all defaults.
type SignerOptions struct {
	// Previous are retired keys that still verify tokens but no longer sign.
	// Keep a key here for at least the longest link lifetime after it stops
	// signing, then drop it. Default: none.
	Previous []Key
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Signer mints and verifies link tokens: compact, URL-safe strings that carry
// a Claims and an HMAC-SHA256 over it.
//
// Keys rotate: one key signs, and it and every Previous key verify; a token
// names the key that signed it. A Signer is immutable and safe for concurrent
// use. The zero value is not usable; build one with NewSigner.
type Signer struct {
	current *macKey
	keys    map[string]*macKey
	now     func() time.Time
	enc     *base64.Encoding
	scratch sync.Pool // of *[]byte, see getScratch
}

// macKey is one key with a pool of HMAC states keyed with it, so that signing
// does not rebuild the HMAC pads every time.
type macKey struct {
	id   string
	pool sync.Pool // of hash.Hash
}

// The token format, version 2, before base64url (no padding):
//
//	version   1 byte, tokenVersion
//	flags     1 byte, flagInline | flagMember; other bits zero
//	idLen     1 byte, 1..MaxKeyIDLen
//	id        idLen bytes
//	expires   uvarint, Unix seconds
//	mediaLen  uvarint, 1..storage.MaxKeyLen
//	media     mediaLen bytes
//	mac       32 bytes, HMAC-SHA256(secret, all of the above || uvarint(len(member)) || member)
//
// Every variable field is length-prefixed, in the token and in the MAC input,
// so one MAC input splits into media and member one way only: a token for
// media "a" and member "bc" never verifies as media "ab" and member "c".
// (Version 1 let the media run to the MAC and appended the member bare, which
// allowed exactly that.) An unbound token MACs an empty member; flagMember,
// inside the MAC, tells the two apart.
const (
	tokenVersion = 2
	flagInline   = 1 << 0
	flagMember   = 1 << 1
	macLen       = sha256.Size
	maxVarintLen = binary.MaxVarintLen64
	minPayload   = 3 + 1 + 1 + 1 + 1 // header, 1-byte id, 1-byte expiry, 1-byte length, 1-byte media
	maxPayload   = 3 + MaxKeyIDLen + maxVarintLen + maxVarintLen + storage.MaxKeyLen
	// maxTokenLen is the longest token string Verify decodes: the unpadded
	// base64 length of the longest payload and its MAC.
	maxTokenLen = ((maxPayload+macLen)*8 + 5) / 6
)

// NewSigner returns a Signer that signs with current and verifies with
// current and opts.Previous. It fails with errs.InvalidConfig when a key id
// is malformed or used twice, or a secret is shorter than MinSecretLen.
func NewSigner(current Key, opts *SignerOptions) (*Signer, error) {
	if opts == nil {
		opts = &SignerOptions{}
	}
	s := &Signer{
		keys: make(map[string]*macKey, 1+len(opts.Previous)),
		now:  opts.Now,
		enc:  base64.RawURLEncoding.Strict(),
	}
	s.scratch.New = func() any { b := make([]byte, 0, 512); return &b }
	if s.now == nil {
		s.now = time.Now
	}
	for i, k := range append([]Key{current}, opts.Previous...) {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if _, dup := s.keys[k.ID]; dup {
			return nil, &errs.Error{Code: errs.InvalidConfig, Op: "links: new signer",
				Message: "key id " + k.ID + " is used twice"}
		}
		mk := newMACKey(k)
		s.keys[k.ID] = mk
		if i == 0 {
			s.current = mk
		}
	}
	return s, nil
}

func checkKey(k Key) error {
	bad := func(msg string) error {
		return &errs.Error{Code: errs.InvalidConfig, Op: "links: new signer", Message: msg}
	}
	if k.ID == "" || len(k.ID) > MaxKeyIDLen {
		return bad("a key id must be 1 to 32 bytes long")
	}
	for i := 0; i < len(k.ID); i++ {
		c := k.ID[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return bad("key id " + k.ID + " may hold only ASCII letters, digits, '-', '_' and '.'")
		}
	}
	if len(k.Secret) < MinSecretLen {
		return bad("the secret of key " + k.ID + " is shorter than 32 bytes")
	}
	return nil
}

func newMACKey(k Key) *macKey {
	secret := append([]byte(nil), k.Secret...)
	mk := &macKey{id: k.ID}
	mk.pool.New = func() any { return hmac.New(sha256.New, secret) }
	return mk
}

// appendMAC hashes msg and appends its MAC to dst. dst may alias msg: the
// MAC is written only after msg is consumed.
func (k *macKey) appendMAC(dst, msg []byte) []byte {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	dst = h.Sum(dst)
	k.pool.Put(h)
	return dst
}

// appendField appends s to b with its length in front, as a uvarint.
func appendField(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// maxScratch is the largest scratch buffer put back in the pool, so that one
// huge member name does not stay in memory.
const maxScratch = 4 << 10

// getScratch returns a buffer to build or decode a token in. The buffer
// escapes into the hash, so it would be a heap allocation each time; with the
// pool, a sign-and-verify allocates twice (the token and the media string)
// instead of five times, and costs two fifths less.
func (s *Signer) getScratch() *[]byte { return s.scratch.Get().(*[]byte) }

func (s *Signer) putScratch(b *[]byte, used []byte) {
	if cap(used) <= maxScratch {
		*b = used[:0]
		s.scratch.Put(b)
	}
}

// Sign returns a token for c, signed with the current key. It fails with
// errs.InvalidArgument when c.Media is empty, longer than storage.MaxKeyLen
// or not UTF-8, c.Expires is not after the Unix epoch, or
// c.Disposition is unknown. An Expires in the past is allowed: the token is
// simply already expired.
func (s *Signer) Sign(c Claims) (string, error) {
	bad := func(msg string) (string, error) {
		return "", &errs.Error{Code: errs.InvalidArgument, Op: "links: sign", Message: msg}
	}
	exp := c.Expires.Unix()
	switch {
	case c.Media == "" || len(c.Media) > storage.MaxKeyLen || !utf8.ValidString(c.Media):
		return bad("the media must be 1 to 1024 bytes of UTF-8")
	case exp <= 0:
		return bad("the expiry must be after the Unix epoch")
	case c.Disposition != Attachment && c.Disposition != Inline:
		return bad("unknown disposition")
	}
	var flags byte
	if c.Disposition == Inline {
		flags |= flagInline
	}
	if c.Member != "" {
		flags |= flagMember
	}
	id := s.current.id
	sb := s.getScratch()
	buf := append((*sb)[:0], tokenVersion, flags, byte(len(id)))
	buf = append(buf, id...)
	buf = binary.AppendUvarint(buf, uint64(exp))
	buf = appendField(buf, c.Media)
	n := len(buf)
	// MAC the payload and the member, then put the MAC where the member was.
	buf = s.current.appendMAC(buf[:n], appendField(buf, c.Member))
	tok := string(s.enc.AppendEncode(buf[len(buf):], buf))
	s.putScratch(sb, buf)
	return tok, nil
}

// Verify checks token and returns its claims. member is the identity of the
// member presenting the token, or "" when unknown; it matters only for a token
// bound to a member, which Verify accepts only for that member.
//
// Verify checks the signature, in constant time, before anything else it
// reports, so a forger learns nothing about expiry. It fails with an
// *errs.Error whose code is errs.LinkExpired for a genuine token past its
// expiry, and errs.LinkInvalid for anything else: malformed, truncated,
// tampered, signed by an unknown key, or bound to another member. The error's
// Details.Reason says which, for logs; it is not meant for the client.
func (s *Signer) Verify(token, member string) (Claims, error) {
	invalid := func(reason string) (Claims, error) {
		return Claims{}, &errs.Error{Code: errs.LinkInvalid, Op: "links: verify", Details: errs.Details{Reason: reason}}
	}
	if len(token) > maxTokenLen {
		return invalid("token too long")
	}
	// The token is copied into the scratch buffer and decoded right after
	// itself; there the member can follow the payload.
	sb := s.getScratch()
	scratch := append((*sb)[:0], token...)
	defer s.putScratch(sb, scratch)
	buf, err := s.enc.AppendDecode(scratch[len(token):], scratch[:len(token)])
	if err != nil || s.enc.EncodedLen(len(buf)) != len(token) {
		// The length check refuses the '\r' and '\n' the decoder skips, so
		// that one token has one spelling.
		return invalid("not base64url")
	}
	if len(buf) < minPayload+macLen {
		return invalid("token too short")
	}
	payload, mac := buf[:len(buf)-macLen], buf[len(buf)-macLen:]
	if payload[0] != tokenVersion {
		return invalid("unknown token version")
	}
	flags := payload[1]
	if flags&^(flagInline|flagMember) != 0 {
		return invalid("unknown flags")
	}
	idLen := int(payload[2])
	rest := payload[3:]
	if idLen == 0 || idLen > MaxKeyIDLen || idLen > len(rest) {
		return invalid("bad key id")
	}
	key, ok := s.keys[string(rest[:idLen])]
	if !ok {
		return invalid("unknown key")
	}
	rest = rest[idLen:]
	exp, n := binary.Uvarint(rest)
	if n <= 0 {
		return invalid("bad expiry")
	}
	rest = rest[n:]
	mediaLen, n := binary.Uvarint(rest)
	if n <= 0 || mediaLen == 0 || mediaLen != uint64(len(rest)-n) {
		return invalid("bad media length")
	}
	media := rest[n:]
	bound := flags&flagMember != 0
	if bound && member == "" {
		return invalid("bound to a member, presented by nobody")
	}
	var got [macLen]byte
	copy(got[:], mac)
	if !bound {
		member = ""
	}
	msg := appendField(payload, member) // over the MAC, saved in got
	if !hmac.Equal(key.appendMAC(msg[len(payload):len(payload)], msg), got[:]) {
		if bound {
			return invalid("bad signature or another member")
		}
		return invalid("bad signature")
	}
	// Genuine from here on: Sign wrote these fields, and checked that the
	// media is UTF-8. Check the bounds all the same.
	if exp == 0 || exp > math.MaxInt64 || len(media) > storage.MaxKeyLen {
		return invalid("bad claims")
	}
	c := Claims{Media: string(media), Expires: time.Unix(int64(exp), 0)}
	if flags&flagInline != 0 {
		c.Disposition = Inline
	}
	if bound {
		c.Member = member
	}
	if !s.now().Before(c.Expires) {
		return Claims{}, &errs.Error{Code: errs.LinkExpired, Op: "links: verify"}
	}
	return c, nil
}
