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
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "hi" {
		t.Errorf("result = %q, want %q", got.Text, "hi")
	}
	want := []string{"guard", "b1", "b2", "impl:hi", "a1(hi,hi,)", "a2(hi,hi,)"}
	if !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "HI!" {
		t.Errorf("implementation saw %q, want %q", got.Text, "HI!")
	}
	if last := trace[len(trace)-1]; last != "a(HI!,HI!,)" {
		t.Errorf("after-listener saw %s, want the changed payload", last)
	}
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
	if !errors.Is(err, errs.Canceled) {
		t.Fatalf("err = %v, want errs.Canceled", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Details.Reason != "this file is not allowed here" || e.Text() != "this file is not allowed here" {
		t.Errorf("error %#v does not carry the reason", e)
	}
	want := []string{"guard", "b1", "cancel", "a(x,,canceled)"}
	if !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
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
	if !errors.Is(err, errScanner) {
		t.Fatalf("err = %v, want it to wrap the listener's error", err)
	}
	if !strings.Contains(err.Error(), "Echo") || !strings.Contains(err.Error(), "before-listener") {
		t.Errorf("err = %q, want it to name the action and the listener", err)
	}
	if want := []string{"guard", "a(x,,canceled)"}; !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
	// A typed error keeps its code, so a host shows the right message.
	r2 := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r2, echo, func(context.Context, echoIn) (echoIn, error) {
		return echoIn{}, &errs.Error{Code: errs.Infected, Details: errs.Details{Reason: "Eicar"}}
	}))
	_, err = attachments.Invoke(context.Background(), r2, echo, echoIn{})
	if e := errs.As(err); e == nil || e.Code != errs.Infected || e.Details.Reason != "Eicar" {
		t.Errorf("err = %#v, want code infected with its details", err)
	}
}

func TestGuardRefusalStopsTheChain(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	mustAdd(t)(attachments.OnBefore(r, echo, before(&trace, "b")))
	mustAdd(t)(attachments.OnAfter(r, echo, after(&trace, "a")))
	_, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "forbidden"})
	if !errors.Is(err, errs.PermissionDenied) {
		t.Fatalf("err = %v, want permission_denied", err)
	}
	if want := []string{"guard", "a(forbidden,,permission_denied)"}; !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
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
			if err := attachments.RegisterGuarded(&r, echo, impl, guard); err != nil {
				t.Fatal(err)
			}
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
			if !errors.Is(err, errs.ListenerPanic) {
				t.Fatalf("err = %v, want listener_panic", err)
			}
			if !strings.Contains(err.Error(), "Echo") || !strings.Contains(err.Error(), "boom") {
				t.Errorf("err = %q, want the action and the panic value", err)
			}
			if where == "after" {
				if res.Text != "done" {
					t.Errorf("result lost after an after-listener panic: %+v", res)
				}
				return
			}
			if !errors.Is(afterSaw, errs.ListenerPanic) {
				t.Errorf("after-listener saw %v, want the panic's error", afterSaw)
			}
			if (where == "impl") != slices.Contains(ran, "impl") {
				t.Errorf("implementation ran = %v after a panic in %s", ran, where)
			}
		})
	}
}

func TestReplaceChainsAndKeepsTheGuard(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	err := attachments.Replace(r, echo, func(ctx context.Context, p echoIn, original func(context.Context, echoIn) (echoOut, error)) (echoOut, error) {
		trace = append(trace, "first")
		p.Text += "+1"
		return original(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = attachments.Replace(r, echo, func(ctx context.Context, p echoIn, original func(context.Context, echoIn) (echoOut, error)) (echoOut, error) {
		trace = append(trace, "second")
		p.Text += "+2"
		return original(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "x+2+1" {
		t.Errorf("result = %q, want %q", got.Text, "x+2+1")
	}
	if want := []string{"guard", "second", "first", "impl:x+2+1"}; !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
	trace = nil
	if _, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "forbidden"}); !errors.Is(err, errs.PermissionDenied) {
		t.Errorf("a replaced action skipped its guard: err = %v", err)
	}
	if slices.Contains(trace, "second") {
		t.Errorf("replacement ran after the guard refused: %v", trace)
	}
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
	if _, err := attachments.Invoke(context.Background(), r, echo, echoIn{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"guard", "b", "impl:x"}; !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
}

func TestMisuseIsATypedError(t *testing.T) {
	var trace []string
	r := newEcho(t, &trace)
	impl := func(context.Context, echoIn) (echoOut, error) { return echoOut{}, nil }
	if err := attachments.Register(r, echo, impl); !errors.Is(err, errs.AlreadyRegistered) {
		t.Errorf("second Register: err = %v, want already_registered", err)
	}
	const unknown attachments.Action[echoIn, echoOut] = "Nope"
	if _, err := attachments.Invoke(context.Background(), r, unknown, echoIn{}); !errors.Is(err, errs.UnknownAction) {
		t.Errorf("Invoke unknown: err = %v, want unknown_action", err)
	}
	if _, err := attachments.OnBefore(r, unknown, before(&trace, "b")); !errors.Is(err, errs.UnknownAction) {
		t.Errorf("OnBefore unknown: err = %v, want unknown_action", err)
	}
	if _, err := r.InvokeName(context.Background(), "Nope", echoIn{}); !errors.Is(err, errs.UnknownAction) {
		t.Errorf("InvokeName unknown: err = %v, want unknown_action", err)
	}
	if _, err := r.InvokeName(context.Background(), "Echo", "a string"); !errors.Is(err, errs.InvalidPayload) {
		t.Errorf("InvokeName wrong payload: err = %v, want invalid_payload", err)
	}
	// The same name with other types, as a host might declare by mistake.
	const wrongTypes attachments.Action[string, int] = "Echo"
	if _, err := attachments.Invoke(context.Background(), r, wrongTypes, "x"); !errors.Is(err, errs.InvalidPayload) {
		t.Errorf("Invoke with other types: err = %v, want invalid_payload", err)
	}
	res, err := r.InvokeName(context.Background(), "Echo", echoIn{Text: "ok"})
	if err != nil || res.(echoOut).Text != "ok" {
		t.Errorf("InvokeName = %v, %v; want the result", res, err)
	}
	if err := attachments.Register(r, "", impl); !errors.Is(err, errs.InvalidArgument) {
		t.Errorf("Register with no name: err = %v, want invalid_argument", err)
	}
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
	if !errors.Is(err, errs.Canceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled wrapping context.Canceled", err)
	}
	if want := []string{"guard", "b1", "a(x,,canceled)"}; !slices.Equal(trace, want) {
		t.Errorf("trace = %v, want %v", trace, want)
	}
	trace = nil
	if _, err := attachments.Invoke(ctx, r, echo, echoIn{Text: "y"}); !errors.Is(err, context.Canceled) {
		t.Errorf("already cancelled: err = %v", err)
	}
	if slices.Contains(trace, "guard") {
		t.Errorf("guard ran on a cancelled context: %v", trace)
	}
}

// TestConcurrentListenersAndInvokes is meant for -race: listeners come and
// go while many goroutines invoke, and each Invoke sees a consistent chain.
func TestConcurrentListenersAndInvokes(t *testing.T) {
	var r attachments.Registry
	err := attachments.Register(&r, echo, func(_ context.Context, p echoIn) (echoOut, error) {
		return echoOut(p), nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := attachments.Invoke(context.Background(), &r, echo, echoIn{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != before {
		t.Errorf("a removed listener still runs")
	}
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
