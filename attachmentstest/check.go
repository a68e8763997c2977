package attachmentstest

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// Check checks the file name with the given content against p as an upload
// is checked, and returns the final verdict: it runs validate.Policy.Check
// with no declared type and an unknown size, then drains the stream Check
// returns, so the size limit (which only that stream enforces) has its say.
// The error is the refusal, an *errs.Error, or nil when p accepts the file.
func Check(p validate.Policy, name string, content []byte) (validate.Verdict, error) {
	v, r, err := p.Check(context.Background(), name, "", 0, bytes.NewReader(content))
	if err != nil {
		return v, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return v, err
	}
	return v, nil
}

// Accepts asserts that p accepts the file name with the given content (see
// Check). On a refusal it reports the code and the words the sender would
// see, and returns false.
func Accepts(tb testing.TB, p validate.Policy, name string, content []byte) bool {
	tb.Helper()
	_, err := Check(p, name, content)
	return assert.NoError(tb, err, "the policy refuses %s (%d bytes) with %s: a member sending it would be told %q",
		name, len(content), errs.CodeOf(err), text(err))
}

// Refuses asserts that p refuses the file name with the given content (see
// Check) with code. It reports a file p accepts, or refuses with another
// code (and the words the sender would see), and returns false.
func Refuses(tb testing.TB, p validate.Policy, name string, content []byte, code errs.Code) bool {
	tb.Helper()
	_, err := Check(p, name, content)
	if err == nil {
		return assert.Fail(tb, "the policy accepts the file", "%s (%d bytes) went through; want it refused with %s",
			name, len(content), code)
	}
	return assert.Equal(tb, code, errs.CodeOf(err), "the policy refuses %s (%d bytes), but a member sending it would be told %q",
		name, len(content), text(err))
}

// Policy returns the policy cfg holds side to in a channel of type t (""
// for web chat), with its defaults filled in: what Accepts and Refuses check
// a Config's rules against. It fails tb when cfg has no policy for t.
func Policy(tb testing.TB, cfg attachments.Config, side attachments.Side, t attachments.ChannelType) validate.Policy {
	tb.Helper()
	p, err := cfg.PolicyIn(side, t)
	require.NoError(tb, err, "the Config has no policy for %s in a channel of type %q", side, t)
	return p
}

func text(err error) string {
	if e := errs.As(err); e != nil {
		return e.Text()
	}
	return ""
}
