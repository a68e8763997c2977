package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
)

// SignatureHeader is the request header that carries a webhook's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>." + body>".
const SignatureHeader = "X-Attachkit-Signature"

// MinSecretLen is the shortest secret a Gate, a Notifier or Verify accepts,
// in bytes.
const MinSecretLen = 16

// DefaultMaxSkew is how far a signature's timestamp may be from the
// receiver's clock when VerifyOptions.MaxSkew is zero.
const DefaultMaxSkew = 5 * time.Minute

// DefaultMaxBody is the largest body VerifyRequest reads when
// VerifyOptions.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifyOptions are Verify's optional arguments. A nil *VerifyOptions means
// every default.
type VerifyOptions struct {
	// MaxSkew is how far the signature's timestamp may be from Now, either
	// way. Zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// MaxBody is the largest body VerifyRequest reads. Zero means
	// DefaultMaxBody.
	MaxBody int64
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Verify checks that header, a SignatureHeader value, signs body with
// secret at a time within MaxSkew of now. It compares in constant time. A
// header may carry several v1 signatures; one match is enough.
//
// It returns nil when the signature holds, and otherwise an
// errs.PermissionDenied error whose Details.Reason is "malformed" (the
// header cannot be parsed), "expired" (its time is outside the window:
// a replay, or a clock off by more than MaxSkew) or "mismatch" (another
// secret or a changed body). A receiver answers all three with 401 and
// acts on nothing in the body. A secret shorter than MinSecretLen is an
// errs.InvalidArgument error.
func Verify(secret []byte, header string, body []byte, opts *VerifyOptions) error {
	if len(secret) < MinSecretLen {
		return &errs.Error{Code: errs.InvalidArgument, Op: "webhook verify", Message: "webhook secret too short"}
	}
	o := opts.withDefaults()
	ts, sigs, ok := parseSignature(header)
	if !ok {
		return denied("malformed", "malformed webhook signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return denied("malformed", "malformed webhook signature")
	}
	skew := o.Now().Sub(time.Unix(sec, 0))
	if skew > o.MaxSkew || skew < -o.MaxSkew {
		return denied("expired", "webhook signature outside the allowed time window")
	}
	want := mac(secret, ts, body)
	match := false
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		// Check every signature, so the time taken does not say which matched.
		if err == nil && hmac.Equal(got, want) {
			match = true
		}
	}
	if !match {
		return denied("mismatch", "webhook signature does not match")
	}
	return nil
}

// VerifyRequest reads r's body, at most MaxBody bytes, and verifies it
// against r's SignatureHeader as Verify does. It returns the body only when
// the signature holds. A body over MaxBody is an errs.InvalidArgument error.
func VerifyRequest(r *http.Request, secret []byte, opts *VerifyOptions) ([]byte, error) {
	o := opts.withDefaults()
	if r.Body == nil {
		return nil, denied("malformed", "webhook request has no body")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, o.MaxBody+1))
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "webhook verify", Message: "could not read the webhook body", Err: err}
	}
	if int64(len(body)) > o.MaxBody {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "webhook verify", Message: "webhook body too large",
			Details: errs.Details{Limit: o.MaxBody}}
	}
	if err := Verify(secret, r.Header.Get(SignatureHeader), body, &o); err != nil {
		return nil, err
	}
	return body, nil
}

func (o *VerifyOptions) withDefaults() VerifyOptions {
	var c VerifyOptions
	if o != nil {
		c = *o
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = DefaultMaxSkew
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// parseSignature splits "t=…,v1=…[,v1=…]" into the timestamp and the v1
// signatures. Unknown keys are ignored, for later schemes; a header without
// exactly one t and at least one v1 is malformed.
func parseSignature(h string) (ts string, sigs []string, ok bool) {
	if len(h) > 1024 {
		return "", nil, false
	}
	for part := range strings.SplitSeq(h, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || v == "" {
			return "", nil, false
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, false
			}
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	return ts, sigs, ts != "" && len(sigs) > 0
}

func denied(reason, msg string) error {
	return &errs.Error{Code: errs.PermissionDenied, Op: "webhook verify", Message: msg,
		Details: errs.Details{Reason: reason}}
}
