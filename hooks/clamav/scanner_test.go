package clamav_test

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name             string
		network, address string
		opts             *clamav.Options
	}{
		{"udp", "udp", "127.0.0.1:3310", nil},
		{"empty network", "", "127.0.0.1:3310", nil},
		{"empty address", "tcp", "", nil},
		{"negative dial timeout", "tcp", "127.0.0.1:3310", &clamav.Options{DialTimeout: -1}},
		{"negative idle timeout", "tcp", "127.0.0.1:3310", &clamav.Options{IdleTimeout: -time.Second}},
		{"negative concurrency", "tcp", "127.0.0.1:3310", &clamav.Options{MaxConcurrent: -1}},
		{"negative chunk", "unix", "/run/clamd.ctl", &clamav.Options{ChunkSize: -1}},
		{"huge chunk", "unix", "/run/clamd.ctl", &clamav.Options{ChunkSize: clamav.MaxChunkSize + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := clamav.New(tt.network, tt.address, tt.opts)
			if s != nil {
				t.Errorf("New returned a Scanner with an error")
			}
			wantCode(t, err, errs.InvalidConfig)
		})
	}
}

func TestZeroScannerFailsInsteadOfHanging(t *testing.T) {
	var s clamav.Scanner
	_, err := s.Scan(t.Context(), strings.NewReader("x"))
	wantCode(t, err, errs.InvalidConfig)
}

func TestScanNilReader(t *testing.T) {
	s := newScanner(t, "tcp", "127.0.0.1:1", nil)
	_, err := s.Scan(t.Context(), nil)
	wantCode(t, err, errs.InvalidArgument)
}

// downAddrs are addresses where nothing listens.
func downAddrs(t *testing.T) [][2]string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return [][2]string{{"tcp", addr}, {"unix", filepath.Join(t.TempDir(), "clamd.sock")}}
}

func TestClamdDown(t *testing.T) {
	for _, a := range downAddrs(t) {
		t.Run(a[0], func(t *testing.T) {
			s := newScanner(t, a[0], a[1], nil)
			wantCode(t, s.Ping(t.Context()), errs.Unavailable)
			_, err := s.Version(t.Context())
			wantCode(t, err, errs.Unavailable)
			_, err = s.Scan(t.Context(), strings.NewReader("hello"))
			e := wantCode(t, err, errs.Unavailable)
			if strings.Contains(e.Text(), a[1]) {
				t.Errorf("Text() = %q shows the address to the sender", e.Text())
			}
		})
	}
}

// TestIdleTimeout covers a clamd that takes the stream and never answers,
// and one that stops reading it: both give up after IdleTimeout.
func TestIdleTimeout(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn, <-chan struct{})
		size   int64
	}{
		{"no reply", silent, 100 << 10},
		// Far more than the socket buffers hold, so a write blocks.
		{"stops reading", stalled, 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, tt.handle)
			s := newScanner(t, "tcp", f.addr, &clamav.Options{IdleTimeout: 200 * time.Millisecond})
			// ctx outlives the idle timeout by far: only the latter may end the scan.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := s.Scan(ctx, sized(tt.size))
			e := wantCode(t, err, errs.Unavailable)
			var ne net.Error
			if !errors.As(e, &ne) || !ne.Timeout() {
				t.Errorf("err = %v, want a timeout as its cause", err)
			}
		})
	}
}

// scanAsync runs Scan in a goroutine and returns a channel for its error.
func scanAsync(ctx context.Context, s *clamav.Scanner, r io.Reader) <-chan error {
	errc := make(chan error, 1)
	go func() {
		_, err := s.Scan(ctx, r)
		errc <- err
	}()
	return errc
}

// await returns the value ch delivers, failing t if it takes more than
// 10 seconds (a hang, not a slow machine).
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing after 10s", what)
		panic("unreachable")
	}
}

func TestCancel(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		f := startFake(t, silent)
		s := newScanner(t, "tcp", f.addr, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := s.Scan(ctx, strings.NewReader("x"))
		e := wantCode(t, err, errs.Canceled)
		if !errors.Is(e, context.Canceled) {
			t.Errorf("err = %v, want it to wrap context.Canceled", err)
		}
		if _, total := f.counts(); total != 0 {
			t.Errorf("connections = %d, want 0", total)
		}
	})
	t.Run("during the scan closes the connection", func(t *testing.T) {
		f := startFake(t, silent)
		s := newScanner(t, "tcp", f.addr, &clamav.Options{IdleTimeout: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		errc := scanAsync(ctx, s, strings.NewReader("hello"))
		await(t, f.accepted, "accept")
		cancel()
		wantCode(t, await(t, errc, "Scan after cancel"), errs.Canceled)
		// silent returns only once the client closed its end.
		await(t, f.handlerExited, "connection closed")
	})
	t.Run("deadline during the scan", func(t *testing.T) {
		f := startFake(t, silent)
		s := newScanner(t, "tcp", f.addr, &clamav.Options{IdleTimeout: time.Hour})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := s.Scan(ctx, strings.NewReader("hello"))
		if e := wantCode(t, err, errs.Canceled); !errors.Is(e, context.DeadlineExceeded) {
			t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
	})
	t.Run("while waiting for a slot", func(t *testing.T) {
		f := startFake(t, silent)
		s := newScanner(t, "tcp", f.addr, &clamav.Options{MaxConcurrent: 1, IdleTimeout: time.Hour})
		holder, release := context.WithCancel(t.Context())
		first := scanAsync(holder, s, strings.NewReader("first"))
		await(t, f.accepted, "first accept")
		ctx, cancel := context.WithCancel(t.Context())
		second := scanAsync(ctx, s, strings.NewReader("second"))
		cancel()
		wantCode(t, await(t, second, "second Scan"), errs.Canceled)
		release()
		wantCode(t, await(t, first, "first Scan"), errs.Canceled)
		if _, total := f.counts(); total != 1 {
			t.Errorf("connections = %d, want 1: the canceled call must not dial", total)
		}
	})
}

func TestMaxConcurrent(t *testing.T) {
	const limit, calls = 2, 7
	release := make(chan struct{})
	f := startFake(t, func(c net.Conn, stop <-chan struct{}) {
		select {
		case <-release:
			answering("stream: OK\x00")(c, stop)
		case <-stop:
		}
	})
	s := newScanner(t, "tcp", f.addr, &clamav.Options{MaxConcurrent: limit})
	var wg sync.WaitGroup
	errc := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, err := s.Scan(t.Context(), sized(10<<10))
			errc <- err
		})
	}
	for range limit {
		await(t, f.accepted, "accept")
	}
	// Give calls past the limit a chance to connect, were they not held back.
	time.Sleep(100 * time.Millisecond)
	if peak, total := f.counts(); peak != limit || total != limit {
		t.Errorf("open, accepted connections = %d, %d before release; want %d, %d", peak, total, limit, limit)
	}
	close(release)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("Scan: %v", err)
		}
	}
	// Past the release the fake's count of open connections lags behind
	// the client's closes, so only the total is checked.
	if _, total := f.counts(); total != calls {
		t.Errorf("connections = %d, want %d", total, calls)
	}
}

// TestOddClamd covers replies a real clamd should not give, and a clamd that
// answers before it has the whole stream.
func TestOddClamd(t *testing.T) {
	cutShort := func(reply string) func(net.Conn, <-chan struct{}) {
		return func(c net.Conn, _ <-chan struct{}) {
			io.CopyN(io.Discard, c, 1000)
			io.WriteString(c, reply)
		}
	}
	tests := []struct {
		name   string
		handle func(net.Conn, <-chan struct{})
		size   int64
		want   clamav.Result
		code   errs.Code // "" when want applies
	}{
		{"ok", answering("stream: OK\x00"), 1, clamav.Result{}, ""},
		{"found", answering("stream: Some.Sig FOUND\x00"), 1, clamav.Result{Infected: true, Signature: "Some.Sig"}, ""},
		{"error", answering("stream: Can't allocate memory ERROR\x00"), 1, clamav.Result{}, errs.Unavailable},
		{"unknown command", answering("UNKNOWN COMMAND\x00"), 1, clamav.Result{}, errs.Unavailable},
		{"no terminator", answering("stream: OK"), 1, clamav.Result{}, errs.Unavailable},
		{"closes without a word", func(net.Conn, <-chan struct{}) {}, 1, clamav.Result{}, errs.Unavailable},
		{"endless reply", answering(strings.Repeat("x", 10000)), 1, clamav.Result{}, errs.Unavailable},
		{"OK to a stream cut short", cutShort("stream: OK\x00"), 64 << 20, clamav.Result{}, errs.Unavailable},
		{"FOUND in a stream cut short", cutShort("stream: Early.Sig FOUND\x00"), 64 << 20, clamav.Result{Infected: true, Signature: "Early.Sig"}, ""},
		{"size limit", cutShort("INSTREAM size limit exceeded. ERROR\x00"), 64 << 20, clamav.Result{}, errs.FileTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, tt.handle)
			s := newScanner(t, "tcp", f.addr, &clamav.Options{IdleTimeout: 10 * time.Second})
			got, err := s.Scan(t.Context(), sized(tt.size))
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Scan = %+v, %v; want %+v, nil", got, err, tt.want)
			}
		})
	}
}
