package attachments_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

type echoIn struct{ Text string }
type echoOut struct{ Text string }

const echo attachments.Action[echoIn, echoOut] = "Echo"

// newEcho returns a registry with Echo registered; the implementation and
// the guard append to trace.
func newEcho(t *testing.T, trace *[]string) *attachments.Registry {
	t.Helper()
	var r attachments.Registry
	err := attachments.RegisterGuarded(&r, echo,
		func(_ context.Context, p echoIn) (echoOut, error) {
			*trace = append(*trace, "impl:"+p.Text)
			return echoOut{Text: p.Text}, nil
		},
		func(_ context.Context, p echoIn) error {
			*trace = append(*trace, "guard")
			if p.Text == "forbidden" {
				return &errs.Error{Code: errs.PermissionDenied}
			}
			return nil
		})
	require.NoError(t, err)
	return &r
}

func before(trace *[]string, name string) attachments.BeforeListener[echoIn] {
	return func(_ context.Context, p echoIn) (echoIn, error) {
		*trace = append(*trace, name)
		return p, nil
	}
}

func after(trace *[]string, name string) attachments.AfterListener[echoIn, echoOut] {
	return func(_ context.Context, p echoIn, r echoOut, err error) {
		*trace = append(*trace, fmt.Sprintf("%s(%s,%s,%v)", name, p.Text, r.Text, errs.CodeOf(err)))
	}
}

// mustAdd fails t when adding a listener fails, and returns its remove func:
// mustAdd(t)(attachments.OnBefore(…)).
func mustAdd(t testing.TB) func(remove func(), err error) func() {
	return func(remove func(), err error) func() {
		t.Helper()
		require.NoError(t, err, "adding a listener failed")
		return remove
	}
}

func TestInvokeRunsStepsInOrder(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b1")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a1")))
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b2")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a2")))

	got, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, "hi", got.Text)
	assert.Equal(t, []string{"guard", "b1", "b2", "impl:hi", "a1(hi,hi,)", "a2(hi,hi,)"}, trace,
		"the guard, listeners and implementation run out of order: a scanner could run after the send")
}

func TestBeforeListenerChangesPayload(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
		p.Text = strings.ToUpper(p.Text)
		return p, nil
	}))
	mustAdd(t)(attachments.OnBefore(r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
		p.Text += "!"
		return p, nil
	}))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	got, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, "HI!", got.Text, "the implementation does not see what the listeners changed, in order")
	assert.Equal(t, "a(HI!,HI!,)", trace[len(trace)-1], "the after-listener does not see the changed payload")
}

func TestCancelStopsTheChain(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b1")))
	mustAdd(t)(attachments.OnBefore(r, echo, func(context.Context, echoIn) (echoIn, error) {
		trace = append(trace, "cancel")
		return echoIn{}, attachments.Cancel("this file is not allowed here")
	}))
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b3")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))

	_, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"})
	require.ErrorIs(t, err, errs.Canceled)
	e := errs.As(err)
	require.NotNil(t, e)
	assert.Equal(t, "this file is not allowed here", e.Details.Reason, "the host cannot log why")
	assert.Equal(t, "this file is not allowed here", e.Text(), "the sender is not told why")
	assert.Equal(t, []string{"guard", "b1", "cancel", "a(x,,canceled)"}, trace, "a canceled action went on")
}

var errScanner = errors.New("scanner unreachable")

func TestListenerErrorStopsTheChainAndIsWrapped(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, func(context.Context, echoIn) (echoIn, error) {
		return echoIn{}, errScanner
	}))
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b2")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	_, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"})
	require.ErrorIs(t, err, errScanner, "the listener's error is lost for the logs")
	assert.Contains(t, err.Error(), "Echo", "the error does not name the action")
	assert.Contains(t, err.Error(), "before-listener", "the error does not name the listener")
	assert.Equal(t, []string{"guard", "a(x,,canceled)"}, trace)

	// A typed error keeps its code, so a host shows the right message.
	r2 := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r2, echo, func(context.Context, echoIn) (echoIn, error) {
		return echoIn{}, &errs.Error{Code: errs.Infected, Details: errs.Details{Reason: "Eicar"}}
	}))
	_, err = attachments.Invoke(context.Background(), r2, echo, echoIn{})
	e := errs.As(err)
	require.NotNil(t, e)
	assert.Equal(t, errs.Infected, e.Code, "the sender would see the wrong refusal")
	assert.Equal(t, "Eicar", e.Details.Reason)
}

func TestGuardRefusalStopsTheChain(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	_, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "forbidden"})
	require.ErrorIs(t, err, errs.PermissionDenied)
	assert.Equal(t, []string{"guard", "a(forbidden,,permission_denied)"}, trace, "listeners ran on a refused action")
}

func TestPanicsBecomeErrors(t *testing.T) {
	for _, where := range []string{"guard", "before", "impl", "after"} {
		t.Run(where, func(t *testing.T) {
			var r attachments.Registry
			var ran []string
			impl := func(context.Context, echoIn) (echoOut, error) {
				ran = append(ran, "impl")
				if where == "impl" {
					panic("boom")
				}
				return echoOut{Text: "done"}, nil
			}
			guard := func(context.Context, echoIn) error {
				if where == "guard" {
					panic("boom")
				}
				return nil
			}
			require.NoError(t, attachments.RegisterGuarded(&r, echo, impl, guard))
			mustAdd(t)(attachments.OnBefore(&r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
				if where == "before" {
					panic("boom")
				}
				return p, nil
			}))
			var afterSaw error
			mustAdd(t)(attachments.OnAfter(&r, echo, func(_ context.Context, _ echoIn, _ echoOut, err error) {
				afterSaw = err
				if where == "after" {
					panic("boom")
				}
			}))
			res, err := attachments.Invoke(context.Background(), &r, echo, echoIn{})
			require.ErrorIs(t, err, errs.ListenerPanic, "a panic crashes the host or goes unreported")
			assert.Contains(t, err.Error(), "Echo", "the error does not name the action")
			assert.Contains(t, err.Error(), "boom", "the error does not carry the panic value")
			if where == "after" {
				assert.Equal(t, "done", res.Text, "the result of an action that took effect is lost")
				return
			}
			assert.ErrorIs(t, afterSaw, errs.ListenerPanic, "the after-listeners do not see the panic's error")
			assert.Equal(t, where == "impl", slices.Contains(ran, "impl"), "the implementation ran after a panic in %s", where)
		})
	}
}

func TestReplaceChainsAndKeepsTheGuard(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	require.NoError(t, attachments.Replace(r, echo, func(ctx context.Context, p echoIn, original func(context.Context, echoIn) (echoOut, error)) (echoOut, error) {
		trace = append(trace, "first")
		p.Text += "+1"
		return original(ctx, p)
	}))
	require.NoError(t, attachments.Replace(r, echo, func(ctx context.Context, p echoIn, original func(context.Context, echoIn) (echoOut, error)) (echoOut, error) {
		trace = append(trace, "second")
		p.Text += "+2"
		return original(ctx, p)
	}))
	got, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, "x+2+1", got.Text, "a second Replace does not wrap the first")
	assert.Equal(t, []string{"guard", "second", "first", "impl:x+2+1"}, trace)

	trace = nil
	_, err = attachments.Invoke(context.Background(), r, echo, echoIn{Text: "forbidden"})
	assert.ErrorIs(t, err, errs.PermissionDenied, "a replaced action skipped its guard")
	assert.NotContains(t, trace, "second", "the replacement ran after the guard refused")
}

func TestRemoveRemovesExactlyThatListener(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	same := before(&trace, "b")
	remove1 := mustAdd(t)(attachments.OnBefore(r, echo, same))
	mustAdd(t)(attachments.OnBefore(r, echo, same))
	removeAfter := mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	remove1()
	remove1() // a second call does nothing
	removeAfter()
	_, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, []string{"guard", "b", "impl:x"}, trace, "remove took away another listener, or none")
}

func TestMisuseIsATypedError(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	ctx := context.Background()
	impl := func(context.Context, echoIn) (echoOut, error) { return echoOut{}, nil }
	const unknown attachments.Action[echoIn, echoOut] = "Nope"
	// The same name with other types, as a host might declare by mistake.
	const wrongTypes attachments.Action[string, int] = "Echo"
	for _, tt := range []struct {
		what string
		err  func() error
		want errs.Code
	}{
		{"a second Register", func() error { return attachments.Register(r, echo, impl) }, errs.AlreadyRegistered},
		{"Register with no name", func() error { return attachments.Register(r, "", impl) }, errs.InvalidArgument},
		{"Invoke of an unknown action", func() error { _, err := attachments.Invoke(ctx, r, unknown, echoIn{}); return err }, errs.UnknownAction},
		{"OnBefore on an unknown action", func() error { _, err := attachments.OnBefore(r, unknown, before(&trace, "b")); return err }, errs.UnknownAction},
		{"InvokeName of an unknown name", func() error { _, err := r.InvokeName(ctx, "Nope", echoIn{}); return err }, errs.UnknownAction},
		{"InvokeName with the wrong payload", func() error { _, err := r.InvokeName(ctx, "Echo", "a string"); return err }, errs.InvalidPayload},
		{"Invoke with other types", func() error { _, err := attachments.Invoke(ctx, r, wrongTypes, "x"); return err }, errs.InvalidPayload},
	} {
		assert.ErrorIs(t, tt.err(), tt.want, "%s: a host cannot tell its mistake", tt.what)
	}
	res, err := r.InvokeName(ctx, "Echo", echoIn{Text: "ok"})
	require.NoError(t, err)
	assert.Equal(t, echoOut{Text: "ok"}, res, "InvokeName loses the result")
}

func TestCancelledContextStopsBeforeTheNextStep(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	ctx, cancel := context.WithCancel(context.Background())
	mustAdd(t)(attachments.OnBefore(r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
		trace = append(trace, "b1")
		cancel() // the client went away while we were busy
		return p, nil
	}))
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b2")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	_, err := attachments.Invoke(ctx, r, echo, echoIn{Text: "x"})
	require.ErrorIs(t, err, errs.Canceled)
	require.ErrorIs(t, err, context.Canceled, "the context's error is lost")
	assert.Equal(t, []string{"guard", "b1", "a(x,,canceled)"}, trace, "work went on for a client that left")

	trace = nil
	_, err = attachments.Invoke(ctx, r, echo, echoIn{Text: "y"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, trace, "guard", "the guard ran on a cancelled context")
}

// TestConcurrentListenersAndInvokes is meant for -race: listeners come and
// go while many goroutines invoke, and each Invoke sees a consistent chain.
func TestConcurrentListenersAndInvokes(t *testing.T) {
	var r attachments.Registry
	require.NoError(t, attachments.Register(&r, echo, func(_ context.Context, p echoIn) (echoOut, error) {
		return echoOut(p), nil
	}))
	var calls atomic.Int64
	// One listener that stays: every Invoke must run it exactly once.
	mustAdd(t)(attachments.OnBefore(&r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
		p.Text += "!"
		return p, nil
	}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				rb, _ := attachments.OnBefore(&r, echo, func(_ context.Context, p echoIn) (echoIn, error) {
					calls.Add(1)
					return p, nil
				})
				ra, _ := attachments.OnAfter(&r, echo, func(context.Context, echoIn, echoOut, error) { calls.Add(1) })
				rb()
				ra()
			}
		})
	}
	for range 16 {
		wg.Go(func() {
			for range 300 {
				got, err := attachments.Invoke(context.Background(), &r, echo, echoIn{Text: "x"})
				if err != nil || got.Text != "x!" {
					t.Errorf("Invoke = %q, %v; want %q", got.Text, err, "x!")
					return
				}
			}
		})
	}
	wg.Wait()
	// Every temporary listener was removed.
	var trace []string
	mustAdd(t)(attachments.OnAfter(&r, echo, after(&trace, "a")))
	before := calls.Load()
	_, err := attachments.Invoke(context.Background(), &r, echo, echoIn{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, before, calls.Load(), "a removed listener still runs")
}

func BenchmarkInvoke(b *testing.B) {
	for _, n := range []int{0, 1, 8} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			var r attachments.Registry
			_ = attachments.Register(&r, echo, func(_ context.Context, p echoIn) (echoOut, error) {
				return echoOut(p), nil
			})
			for range n {
				mustAdd(b)(attachments.OnBefore(&r, echo, func(_ context.Context, p echoIn) (echoIn, error) { return p, nil }))
				mustAdd(b)(attachments.OnAfter(&r, echo, func(context.Context, echoIn, echoOut, error) {}))
			}
			ctx := context.Background()
			p := echoIn{Text: "x"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := attachments.Invoke(ctx, &r, echo, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
