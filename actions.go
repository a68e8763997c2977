package attachments

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/attachkit/attachments/errs"
)

// Action names an action whose payload has type P and whose result has type
// R. Actions are typed constants, so the compiler rejects a wrong payload:
//
//	const Escalate attachments.Action[EscalatePayload, EscalateResult] = "Escalate"
//
// The name, string(a), is the action's identity in a Registry and in
// InvokeName.
type Action[P, R any] string

// impl is an action's implementation.
type impl[P, R any] func(ctx context.Context, p P) (R, error)

// guard is a built-in action's policy check, the library's authority. It
// runs before the before-listeners and cannot be removed or skipped by
// Replace. A guard must not change p. A host's own rules are
// before-listeners (OnBefore), and its own actions check what they need in
// their implementation.
type guard[P any] func(ctx context.Context, p P) error

// BeforeListener runs before an action's implementation. It returns the
// payload to go on with (p itself, or a changed copy), or an error that stops
// the action: Cancel(reason) to cancel it, or any other error.
type BeforeListener[P any] func(ctx context.Context, p P) (P, error)

// AfterListener observes an action's outcome: the payload as the
// before-listeners left it, the result, and the error (nil on success). It
// runs for every Invoke that got past the registry's lookup, canceled or not.
type AfterListener[P, R any] func(ctx context.Context, p P, r R, err error)

// Cancel returns the error a BeforeListener returns to cancel an action.
// reason is shown to the person who asked for the action, so phrase it for
// them. The error Invoke returns then matches errs.Canceled and carries reason
// as its Message and Details.Reason.
func Cancel(reason string) error {
	return &errs.Error{Code: errs.Canceled, Message: reason, Details: errs.Details{Reason: reason}}
}

// Registry holds actions, their guards, listeners and implementations.
//
// It is safe for concurrent use: listeners may be added and removed, and
// implementations replaced, while other goroutines invoke. Invoke reads a
// consistent snapshot without locking and without allocating.
//
// The zero value is an empty registry ready to use.
type Registry struct {
	mu      sync.Mutex                     // serialises writers
	actions atomic.Pointer[map[string]any] // name -> *entry[P, R]; copied on write
	nextID  atomic.Uint64
	// trace is Options.Trace, set by New before the registry is shared; nil
	// traces nothing and costs nothing.
	trace traceFunc
}

// traceFunc is Options.Trace's type: it starts a span named for an action
// and returns the function that ends it with Invoke's error.
type traceFunc = func(ctx context.Context, action, channel string) (context.Context, func(err error))

// entry is one action's state. Its chain is replaced whole on every change.
type entry[P, R any] struct {
	name  string
	chain atomic.Pointer[chain[P, R]]
}

type chain[P, R any] struct {
	guards []guard[P]
	before []listener[BeforeListener[P]]
	after  []listener[AfterListener[P, R]]
	impl   impl[P, R]
	// finally is the library's own last step, after every after-listener.
	// Hosts cannot see or remove it; built-in actions use it to clean up what
	// their guard staged. orig is the payload Invoke was given.
	finally func(ctx context.Context, orig, final P, r R, err error)
	// seal names who acts where in a payload (see guardSeal). When set, Invoke
	// refuses a payload the before-listeners resealed, and hands the
	// guard's seal to the implementation through the context, so a
	// replacement cannot call the original with another actor or channel.
	seal func(p P) guardSeal
}

// guardSeal is what an action's guard decided on: who acts (Actor), where
// (Channel) and on whom or what (Target). A before-listener or a
// replacement may change anything else in a payload (a message's text, its
// attributes, a download's disposition), but not these: the guard's checks
// were made for them.
type guardSeal struct{ Channel, Actor, Target string }

type sealKey struct{}

// setSeal sets a's seal; see chain.seal.
func setSeal[P, R any](r *Registry, a Action[P, R], f func(p P) guardSeal) error {
	return update(r, a, func(c *chain[P, R]) { c.seal = f })
}

// checkSeal refuses a payload whose seal is not the one Invoke's guard
// checked. Built-in implementations call it first.
func checkSeal(ctx context.Context, action string, s guardSeal) error {
	if guarded, ok := ctx.Value(sealKey{}).(guardSeal); !ok || guarded != s {
		return errResealed(action)
	}
	return nil
}

func errResealed(action string) error {
	return &errs.Error{Code: errs.PermissionDenied, Op: action,
		Message: "the request was changed after it was checked: who sends, where, or what it names"}
}

type listener[F any] struct {
	id   uint64
	name string
	fn   F
}

// invoker is what InvokeName needs from an entry, whatever its types.
type invoker interface {
	invokeAny(ctx context.Context, trace traceFunc, payload any) (any, error)
}

// Register adds the host's own action a with its implementation, which
// checks what it needs itself; before- and after-listeners, Replace and
// InvokeName then work on it as on a built-in action. It returns an
// errs.AlreadyRegistered error when a's name is taken, and
// errs.InvalidArgument when impl is nil.
func Register[P, R any](r *Registry, a Action[P, R], impl func(ctx context.Context, p P) (R, error)) error {
	return register(r, a, impl)
}

// register is Register with the built-in actions' guards.
func register[P, R any](r *Registry, a Action[P, R], fn impl[P, R], guards ...guard[P]) error {
	name := string(a)
	if fn == nil || name == "" {
		return &errs.Error{Code: errs.InvalidArgument, Op: "register " + name, Message: "an action needs a name and an implementation"}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snapshot()
	if _, ok := old[name]; ok {
		return &errs.Error{Code: errs.AlreadyRegistered, Op: "register " + name}
	}
	e := &entry[P, R]{name: name}
	e.chain.Store(&chain[P, R]{guards: guards, impl: fn})
	m := make(map[string]any, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[name] = e
	r.actions.Store(&m)
	return nil
}

func (r *Registry) snapshot() map[string]any {
	if m := r.actions.Load(); m != nil {
		return *m
	}
	return nil
}

// lookup finds a's entry. The error is errs.UnknownAction, or
// errs.InvalidPayload when a's name is registered with other types.
func lookup[P, R any](r *Registry, a Action[P, R]) (*entry[P, R], error) {
	v, ok := r.snapshot()[string(a)]
	if !ok {
		return nil, &errs.Error{Code: errs.UnknownAction, Op: string(a), Message: "unknown action " + string(a)}
	}
	e, ok := v.(*entry[P, R])
	if !ok {
		return nil, &errs.Error{Code: errs.InvalidPayload, Op: string(a),
			Message: fmt.Sprintf("action %s does not take %s", a, typeName[P]())}
	}
	return e, nil
}

// update applies f to a copy of a's chain under the writers' lock.
func update[P, R any](r *Registry, a Action[P, R], f func(c *chain[P, R])) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, err := lookup(r, a)
	if err != nil {
		return err
	}
	c := *e.chain.Load()
	// Fresh slices, so a snapshot an Invoke holds never changes under it.
	c.guards = append([]guard[P](nil), c.guards...)
	c.before = append([]listener[BeforeListener[P]](nil), c.before...)
	c.after = append([]listener[AfterListener[P, R]](nil), c.after...)
	f(&c)
	e.chain.Store(&c)
	return nil
}

// Replace replaces a's implementation with fn, which receives the
// implementation it replaces as original, and may call it. Replacements
// chain: a second Replace wraps the first. Guards still run: Replace changes
// what the action does, never the rules it is held to.
func Replace[P, R any](r *Registry, a Action[P, R], fn func(ctx context.Context, p P, original func(context.Context, P) (R, error)) (R, error)) error {
	if fn == nil {
		return &errs.Error{Code: errs.InvalidArgument, Op: "replace " + string(a), Message: "nil replacement"}
	}
	return update(r, a, func(c *chain[P, R]) {
		original := c.impl
		c.impl = func(ctx context.Context, p P) (R, error) { return fn(ctx, p, original) }
	})
}

// OnBefore adds a before-listener to a. Before-listeners run in the order
// added. The returned function removes exactly this listener; calling it
// again does nothing.
func OnBefore[P, R any](r *Registry, a Action[P, R], l BeforeListener[P]) (remove func(), err error) {
	if l == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "before " + string(a), Message: "nil listener"}
	}
	id := r.nextID.Add(1)
	err = update(r, a, func(c *chain[P, R]) {
		c.before = append(c.before, listener[BeforeListener[P]]{id: id, name: funcName(l), fn: l})
	})
	if err != nil {
		return nil, err
	}
	return func() {
		_ = update(r, a, func(c *chain[P, R]) { c.before = without(c.before, id) })
	}, nil
}

// OnAfter adds an after-listener to a. After-listeners run in the order
// added. The returned function removes exactly this listener; calling it
// again does nothing.
func OnAfter[P, R any](r *Registry, a Action[P, R], l AfterListener[P, R]) (remove func(), err error) {
	if l == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "after " + string(a), Message: "nil listener"}
	}
	id := r.nextID.Add(1)
	err = update(r, a, func(c *chain[P, R]) {
		c.after = append(c.after, listener[AfterListener[P, R]]{id: id, name: funcName(l), fn: l})
	})
	if err != nil {
		return nil, err
	}
	return func() {
		_ = update(r, a, func(c *chain[P, R]) { c.after = without(c.after, id) })
	}, nil
}

func without[F any](ls []listener[F], id uint64) []listener[F] {
	out := ls[:0]
	for _, l := range ls {
		if l.id != id {
			out = append(out, l)
		}
	}
	return out
}

// Invoke runs action a with payload p: the guards, then the before-listeners
// one at a time in registration order, then the implementation, then every
// after-listener in registration order.
//
// A guard's error, a before-listener's cancel or error, a done context (checked
// before each step) or a failing implementation stops the chain; the
// after-listeners still run and see the error. A panic in any of them is
// recovered and returned as an errs.ListenerPanic error naming the action and
// the function. The error Invoke returns is always one *errs.Error, with one
// code, and wraps the cause.
//
// Every after-listener sees the action's own outcome. If one panics:
//
//   - when the action succeeded, Invoke still returns the result, since the
//     action took effect, together with an errs.ListenerPanic error;
//   - when the action failed, Invoke returns the action's error (its code,
//     message and details: what the caller must act on), with the panic
//     added to its cause for the logs.
//
// Panics of several after-listeners all go into that one error's cause.
func Invoke[P, R any](ctx context.Context, r *Registry, a Action[P, R], p P) (R, error) {
	e, err := lookup(r, a)
	if err != nil {
		var zero R
		return zero, err
	}
	return e.invoke(ctx, r.trace, p)
}

// invoke runs the chain, inside a span when the registry traces: the span
// covers every step, so the ledger and storage calls of the guard, the
// implementation and the listeners are its children, and the work an
// after-listener queues can carry it.
func (e *entry[P, R]) invoke(ctx context.Context, trace traceFunc, orig P) (R, error) {
	c := e.chain.Load()
	if trace == nil {
		return e.invokeChain(ctx, c, orig)
	}
	var channel string
	if c.seal != nil {
		channel = c.seal(orig).Channel
	}
	ctx, end := trace(ctx, e.name, channel)
	res, err := e.invokeChain(ctx, c, orig)
	end(err)
	return res, err
}

func (e *entry[P, R]) invokeChain(ctx context.Context, c *chain[P, R], orig P) (res R, err error) {
	p, res, outcome := e.run(ctx, c, orig)
	err = outcome
	for i := range c.after {
		if perr := callAfter(ctx, e.name, c.after[i], p, res, outcome); perr != nil {
			err = addPanic(err, perr)
		}
	}
	if c.finally != nil {
		c.finally(ctx, orig, p, res, err)
	}
	return res, err
}

// setFinally sets a's last step; see chain.finally.
func setFinally[P, R any](r *Registry, a Action[P, R], f func(ctx context.Context, orig, final P, r R, err error)) error {
	return update(r, a, func(c *chain[P, R]) { c.finally = f })
}

// run is everything up to the after-listeners. It returns the payload as the
// before-listeners left it.
func (e *entry[P, R]) run(ctx context.Context, c *chain[P, R], orig P) (P, R, error) {
	var zero R
	p := orig
	for _, g := range c.guards {
		if err := ctxErr(ctx, e.name); err != nil {
			return p, zero, err
		}
		if err := callGuard(ctx, e.name, g, p); err != nil {
			return p, zero, err
		}
	}
	for i := range c.before {
		if err := ctxErr(ctx, e.name); err != nil {
			return p, zero, err
		}
		next, err := callBefore(ctx, e.name, c.before[i], p)
		if err != nil {
			return p, zero, err
		}
		p = next
	}
	if err := ctxErr(ctx, e.name); err != nil {
		return p, zero, err
	}
	if c.seal != nil {
		s := c.seal(orig)
		if c.seal(p) != s {
			return p, zero, errResealed(e.name)
		}
		ctx = context.WithValue(ctx, sealKey{}, s)
	}
	res, err := callImpl(ctx, e.name, c.impl, p)
	return p, res, err
}

func ctxErr(ctx context.Context, action string) error {
	if err := ctx.Err(); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: action, Err: err}
	}
	return nil
}

// Each call below recovers a panic into an error. The strings naming the
// step are only built when something goes wrong, so a call allocates nothing.

func callGuard[P any](ctx context.Context, action string, g guard[P], p P) (err error) {
	defer recoverAs(&err, action, "guard", "")
	return asError(action, "", "", g(ctx, p))
}

func callBefore[P any](ctx context.Context, action string, l listener[BeforeListener[P]], p P) (_ P, err error) {
	defer recoverAs(&err, action, "before-listener", l.name)
	p, err = l.fn(ctx, p)
	return p, asError(action, "before-listener", l.name, err)
}

func callImpl[P, R any](ctx context.Context, action string, fn impl[P, R], p P) (_ R, err error) {
	defer recoverAs(&err, action, "implementation", "")
	r, err := fn(ctx, p)
	return r, asError(action, "", "", err)
}

func callAfter[P, R any](ctx context.Context, action string, l listener[AfterListener[P, R]], p P, r R, err error) (perr error) {
	defer recoverAs(&perr, action, "after-listener", l.name)
	l.fn(ctx, p, r, err)
	return nil
}

// addPanic adds perr, an after-listener's panic, to err, the error Invoke
// returns so far, keeping one *errs.Error: err's code, message and details
// when there is an err, with perr joined into its cause; perr itself when
// there is none.
func addPanic(err, perr error) error {
	if err == nil {
		return perr
	}
	e := errs.As(err) // run returns only *errs.Error; the fallback is for safety
	if e == nil {
		e = &errs.Error{Code: errs.Internal, Err: err}
	}
	c := *e
	if c.Err == nil {
		c.Err = perr
	} else {
		c.Err = errors.Join(c.Err, perr)
	}
	return &c
}

// recoverAs turns a panic into an errs.ListenerPanic error in *err that names
// the action and the step (kind, and the listener's function name).
func recoverAs(err *error, action, kind, name string) {
	v := recover()
	if v == nil {
		return
	}
	*err = &errs.Error{Code: errs.ListenerPanic, Op: stepName(action, kind, name),
		Err: fmt.Errorf("panic: %v", v)}
}

func stepName(action, kind, name string) string {
	switch {
	case kind == "":
		return action
	case name == "":
		return action + ": " + kind
	}
	return action + ": " + kind + " " + name
}

// asError makes err an *errs.Error naming the action (and the listener, for a
// listener's error), keeping the code, message and details of an *errs.Error
// in err and wrapping err itself. A listener's plain error cancels the action.
func asError(action, kind, name string, err error) error {
	if err == nil {
		return nil
	}
	op := stepName(action, kind, name)
	if e := errs.As(err); e != nil {
		switch e.Op {
		case op:
			return err
		case "":
			// Not yet placed: name where it stopped, without another layer.
			c := *e
			c.Op = op
			return &c
		}
		return &errs.Error{Code: e.Code, Op: op, Message: e.Message, Details: e.Details, Err: err}
	}
	code := errs.Internal
	if kind == "before-listener" || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		code = errs.Canceled
	}
	return &errs.Error{Code: code, Op: op, Err: err}
}

func funcName(fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return "?"
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func typeName[T any]() string {
	return reflect.TypeFor[T]().String()
}

// InvokeName invokes the action registered under name with payload, for hosts
// that dispatch by name (from a client's request, say). The payload must have
// the action's payload type: a mismatch is an errs.InvalidPayload error and an
// unknown name errs.UnknownAction; neither panics.
func (r *Registry) InvokeName(ctx context.Context, name string, payload any) (any, error) {
	v, ok := r.snapshot()[name]
	if !ok {
		return nil, &errs.Error{Code: errs.UnknownAction, Op: name, Message: "unknown action " + name}
	}
	return v.(invoker).invokeAny(ctx, r.trace, payload)
}

func (e *entry[P, R]) invokeAny(ctx context.Context, trace traceFunc, payload any) (any, error) {
	p, ok := payload.(P)
	if !ok {
		return nil, &errs.Error{Code: errs.InvalidPayload, Op: e.name,
			Message: fmt.Sprintf("action %s takes %s, not %T", e.name, typeName[P](), payload)}
	}
	return e.invoke(ctx, trace, p)
}
