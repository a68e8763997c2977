package clamav_test

import (
	"io"
	"os"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
)

// clamd is the one real clamd of this test binary, started by the first test
// that needs it.
var clamd clamavtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := clamd.Close(); err != nil {
		println("clamavtest:", err.Error())
	}
	os.Exit(code)
}

// transports are the ways to reach the shared clamd.
func transports(t *testing.T) []struct{ network, address string } {
	d := clamd.Get(t)
	return []struct{ network, address string }{{"tcp", d.TCPAddr}, {"unix", d.Socket}}
}

// newScanner returns a Scanner for network and address, failing t on error.
func newScanner(t testing.TB, network, address string, opts *clamav.Options) *clamav.Scanner {
	t.Helper()
	s, err := clamav.New(network, address, opts)
	if err != nil {
		t.Fatalf("New(%q, %q): %v", network, address, err)
	}
	return s
}

// wantCode fails t unless err is an *errs.Error with code want.
func wantCode(t testing.TB, err error, want errs.Code) *errs.Error {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != want {
		t.Fatalf("err = %v (code %q), want code %q", err, errs.CodeOf(err), want)
	}
	return e
}

// pattern is an endless reader of harmless text.
type pattern struct{ off int }

const patternText = "the quick brown fox jumps over the lazy dog, 0123456789\n"

func (p *pattern) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		c := copy(b[n:], patternText[p.off:])
		n += c
		p.off = (p.off + c) % len(patternText)
	}
	return n, nil
}

// sized returns a reader of n pattern bytes.
func sized(n int64) io.Reader { return io.LimitReader(&pattern{}, n) }

// failingReader yields n pattern bytes, then err.
func failingReader(n int64, err error) io.Reader {
	return io.MultiReader(sized(n), errReader{err})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
