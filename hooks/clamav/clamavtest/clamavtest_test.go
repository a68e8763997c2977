package clamavtest_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
)

func TestFindMissing(t *testing.T) {
	if _, err := clamavtest.Find(filepath.Join(t.TempDir(), "clamd")); !errors.Is(err, clamavtest.ErrNotInstalled) {
		t.Errorf("Find(missing) err = %v, want ErrNotInstalled", err)
	}
}

// recorder is a testing.TB that records the skip or failure Shared.Get
// reports, and stops the goroutine as the real ones do.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()              {}
func (r *recorder) Skipf(string, ...any) { r.skipped = true; runtime.Goexit() }
func (r *recorder) Fatal(...any)         { r.failed = true; runtime.Goexit() }

func TestSharedMissingClamd(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		var s clamavtest.Shared
		s.Options = &clamavtest.Options{Path: filepath.Join(t.TempDir(), "clamd")}
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Get(r)
		}()
		<-done
		if wantFail := ci == "true"; r.failed != wantFail || r.skipped == wantFail {
			t.Errorf("CI=%q: failed, skipped = %v, %v; want %v, %v", ci, r.failed, r.skipped, wantFail, !wantFail)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

func TestStartNotClamd(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where Start makes the daemon's directory
	_, err := clamavtest.Start(t.Context(), &clamavtest.Options{Path: "/bin/false"})
	if err == nil {
		t.Fatal("Start(/bin/false) = nil error")
	}
	if !strings.Contains(err.Error(), "exited") {
		t.Errorf("err = %v, want it to say clamd exited", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("Start left %d entries behind in TMPDIR", len(left))
	}
}

func TestStartAndClose(t *testing.T) {
	var s clamavtest.Shared
	d := s.Get(t)
	for _, a := range [][2]string{{"tcp", d.TCPAddr}, {"unix", d.Socket}} {
		sc, err := clamav.New(a[0], a[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sc.Scan(t.Context(), strings.NewReader(clamavtest.EICAR))
		if err != nil || res.Signature != clamavtest.EICARSignature {
			t.Errorf("%s: Scan(EICAR) = %+v, %v; want %s", a[0], res, err, clamavtest.EICARSignature)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(d.Socket)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("daemon directory still there after Close: %v", err)
	}
	if c, err := net.Dial("tcp", d.TCPAddr); err == nil {
		c.Close()
		t.Errorf("clamd still listening on %s after Close", d.TCPAddr)
	}
}
