package clamavtest

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
)

// Shared starts one Daemon for a whole test binary, on first use, and
// shares it between tests. Its zero value is ready to use; declare one as a
// package-level variable of a _test.go file and Close it in TestMain.
type Shared struct {
	// Options configure the daemon. Set them before the first Get.
	Options *Options

	once sync.Once
	d    *Daemon
	err  error
}

// Get returns the shared daemon, starting it on the first call. When clamd
// is not installed, it fails the test if the environment variable CI is
// "true", and skips it otherwise. When clamd fails to start, it fails the
// test.
func (s *Shared) Get(tb testing.TB) *Daemon {
	tb.Helper()
	s.once.Do(func() { s.d, s.err = Start(context.Background(), s.Options) })
	switch {
	case errors.Is(s.err, ErrNotInstalled) && os.Getenv("CI") != "true":
		tb.Skipf("skipping: %v", s.err)
	case s.err != nil:
		tb.Fatal(s.err)
	}
	return s.d
}

// Close stops the daemon if Get started one.
func (s *Shared) Close() error {
	// A Get after Close must not start a daemon nobody stops.
	s.once.Do(func() { s.err = errors.New("clamavtest: Shared used after Close") })
	if s.d == nil {
		return nil
	}
	return s.d.Close()
}
