package attachments_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// TestInvokeReturnsOneError: whatever the action and its after-listeners
// do, Invoke and InvokeName return one *errs.Error with one code: the
// action's when it failed, listener_panic when it succeeded and an
// after-listener panicked. Every after-listener sees the action's outcome.
func TestInvokeReturnsOneError(t *testing.T) {
	tooLarge := &errs.Error{Code: errs.FileTooLarge, Message: "the file is over 10 MB", Details: errs.Details{Limit: 10 << 20}}
	tests := []struct {
		name     string
		fail     bool // the implementation fails with tooLarge
		panics   int  // after-listeners that panic, of three
		wantCode errs.Code
	}{
		{"succeeds", false, 0, ""},
		{"succeeds, one after-listener panics", false, 1, errs.ListenerPanic},
		{"succeeds, two after-listeners panic", false, 2, errs.ListenerPanic},
		{"fails", true, 0, errs.FileTooLarge},
		{"fails, one after-listener panics", true, 1, errs.FileTooLarge},
		{"fails, two after-listeners panic", true, 2, errs.FileTooLarge},
	}
	for _, tt := range tests {
		for _, byName := range []bool{false, true} {
			name := tt.name
			if byName {
				name += ", by name"
			}
			t.Run(name, func(t *testing.T) {
				var r attachments.Registry
				require.NoError(t, attachments.Register(&r, echo, func(_ context.Context, p echoIn) (echoOut, error) {
					if tt.fail {
						return echoOut{}, tooLarge
					}
					return echoOut{Text: p.Text}, nil
				}))
				var saw []errs.Code
				for i := range 3 {
					_, err := attachments.OnAfter(&r, echo, func(_ context.Context, _ echoIn, _ echoOut, err error) {
						saw = append(saw, errs.CodeOf(err))
						if i < tt.panics {
							panic("boom")
						}
					})
					require.NoError(t, err)
				}

				var res echoOut
				var err error
				if byName {
					var v any
					v, err = r.InvokeName(context.Background(), string(echo), echoIn{Text: "hi"})
					res, _ = v.(echoOut)
				} else {
					res, err = attachments.Invoke(context.Background(), &r, echo, echoIn{Text: "hi"})
				}

				wantSaw := errs.Code("")
				if tt.fail {
					wantSaw = errs.FileTooLarge
				}
				assert.Equal(t, []errs.Code{wantSaw, wantSaw, wantSaw}, saw, "an after-listener saw another outcome than the action's")
				if tt.wantCode == "" {
					assert.NoError(t, err)
					return
				}
				e, ok := err.(*errs.Error)
				require.True(t, ok, "Invoke returned %T (%v), not one *errs.Error", err, err)
				assert.Equal(t, tt.wantCode, e.Code, "the caller gets the wrong code")
				for _, other := range []errs.Code{errs.FileTooLarge, errs.ListenerPanic} {
					if other != tt.wantCode {
						assert.NotErrorIs(t, err, other, "the error matches two codes, so a host's switch takes either branch")
					}
				}
				if tt.fail {
					assert.Equal(t, tooLarge.Message, e.Message, "the sender loses the action's message")
					assert.Equal(t, tooLarge.Details, e.Details, "the sender loses the action's details")
				} else {
					assert.Equal(t, "hi", res.Text, "the result of an action that took effect is lost")
				}
				if tt.panics > 0 {
					assert.Contains(t, err.Error(), "boom", "the panic is lost from the logs")
				}
			})
		}
	}
}
