package leaktest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func blockedUntil(stop chan struct{}) { <-stop }

func TestCheckFindsAGoroutineLeftRunning(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); blockedUntil(stop) }()
	r.end()
	close(stop)
	<-done
	if assert.Len(t, r.errors, 1, "a goroutine still blocked when the test ends is a leak") {
		assert.Contains(t, r.errors[0], "blockedUntil", "the report shows where the leaked goroutine is")
	}
}

func TestCheckPassesWhenEveryGoroutineStopped(t *testing.T) {
	r := &recorder{TB: t}
	Check(r)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 10 {
		wg.Go(func() { blockedUntil(stop) })
	}
	close(stop)
	wg.Wait() // the goroutines may still be returning: Check lets them
	r.end()
	assert.Empty(t, r.errors, "goroutines that were stopped are not leaks")
}

func TestCheckIgnoresGoroutinesFromBefore(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); blockedUntil(stop) }()
	defer func() { close(stop); <-done }()
	r := &recorder{TB: t}
	Check(r)
	r.end()
	assert.Empty(t, r.errors, "a goroutine running before Check is not the test's")
	assert.False(t, strings.Contains(strings.Join(r.errors, ""), "blockedUntil"))
}
