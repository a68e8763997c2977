// Package leaktest fails a test that leaves goroutines running: everything
// that starts goroutines in this repository (a Client's janitor, previews'
// workers, a webhook notifier, httpapi's sweeper) promises that its Close or
// Stop ends them, and a test that calls Check holds it to that promise.
//
// Check compares the goroutines alive when it is called with those alive
// when the test ends. It is meant for tests that do not call t.Parallel
// (Go runs those after every sequential test, so no other test's goroutines
// are counted).
package leaktest

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// settle is how long Check lets goroutines that are on their way out (their
// owner's Close has returned, their last deferred call has run) finish
// returning before it calls them leaked. It is a bound, not a wait: Check
// returns as soon as they are gone.
const settle = 5 * time.Second

// Check records the goroutines running now and, when the test and its
// cleanups (registered before Check) have finished, fails the test if any
// goroutine started since is still running, printing each one's stack.
// Call it first, before the test starts what it must stop.
func Check(t testing.TB) {
	t.Helper()
	before := map[string]bool{}
	for _, g := range goroutines() {
		before[g.id] = true
	}
	t.Cleanup(func() {
		var leaked []goroutine
		deadline := time.Now().Add(settle)
		for {
			leaked = leaked[:0]
			for _, g := range goroutines() {
				if !before[g.id] && !g.ignored() {
					leaked = append(leaked, g)
				}
			}
			if len(leaked) == 0 || time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
			time.Sleep(time.Millisecond)
		}
		for _, g := range leaked {
			t.Errorf("leaked goroutine %s, still running %s after the test:\n%s", g.id, settle, g.stack)
		}
	})
}

type goroutine struct{ id, stack string }

// ignored reports whether g belongs to the runtime or the testing package
// rather than to the code under test.
func (g goroutine) ignored() bool {
	for _, s := range []string{
		"testing.(*T).Run(", "testing.tRunner(", "testing.runTests(", "testing.(*M).",
		"runtime.goexit0", "os/signal.signal_recv", "runtime.ensureSigM",
	} {
		if strings.Contains(g.stack, s) {
			return true
		}
	}
	return false
}

// goroutines returns every goroutine but the caller's.
func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for i, block := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 {
			continue // the caller
		}
		header, _, _ := bytes.Cut(block, []byte("\n"))
		id, ok := bytes.CutPrefix(header, []byte("goroutine "))
		if !ok {
			continue
		}
		id, _, _ = bytes.Cut(id, []byte(" "))
		out = append(out, goroutine{id: string(id), stack: string(block)})
	}
	return slices.Clip(out)
}
