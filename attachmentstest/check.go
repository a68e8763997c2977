package attachmentstest

import (
	"bytes"
	"context"
	"io"

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
func Accepts(t T, p validate.Policy, name string, content []byte) bool {
	t.Helper()
	_, err := Check(p, name, content)
	return assert.NoError(t, err, "the policy refuses %s (%d bytes) with %s: a member sending it would be told %q",
		name, len(content), errs.CodeOf(err), text(err))
}

// Refuses asserts that p refuses the file name with the given content (see
// Check) with code. It reports a file p accepts, or refuses with another
// code (and the words the sender would see), and returns false.
func Refuses(t T, p validate.Policy, name string, content []byte, code errs.Code) bool {
	t.Helper()
	_, err := Check(p, name, content)
	if err == nil {
		return assert.Fail(t, "the policy accepts the file", "%s (%d bytes) went through; want it refused with %s",
			name, len(content), code)
	}
	return assert.Equal(t, code, errs.CodeOf(err), "the policy refuses %s (%d bytes), but a member sending it would be told %q",
		name, len(content), text(err))
}

// Policy returns the policy cfg holds side to in a channel of type ct (""
// for web chat), with its defaults filled in: what Accepts and Refuses check
// a Config's rules against. It fails t when cfg has no policy for ct.
func Policy(t T, cfg attachments.Config, side attachments.Side, ct attachments.ChannelType) validate.Policy {
	t.Helper()
	p, err := cfg.PolicyIn(side, ct)
	require.NoError(t, err, "the Config has no policy for %s in a channel of type %q", side, ct)
	return p
}

func text(err error) string {
	if e := errs.As(err); e != nil {
		return e.Text()
	}
	return ""
}
