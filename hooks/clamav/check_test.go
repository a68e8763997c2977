package clamav_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
)

func TestCheckVerdicts(t *testing.T) {
	d := clamd.Get(t)
	for _, failOpen := range []bool{false, true} {
		s := newScanner(t, "unix", d.Socket, &clamav.Options{FailOpen: failOpen})
		if err := s.Check(t.Context(), strings.NewReader("a clean note")); err != nil {
			t.Errorf("FailOpen %v: Check(clean) = %v, want nil", failOpen, err)
		}

		err := s.Check(t.Context(), strings.NewReader(clamavtest.EICAR))
		e := wantCode(t, err, errs.Infected)
		if !errors.Is(err, errs.Infected) {
			t.Errorf("errors.Is(%v, errs.Infected) = false", err)
		}
		if e.Message != errs.Infected.Message() {
			t.Errorf("Message = %q, want %q", e.Message, errs.Infected.Message())
		}
		if e.Details.Reason != clamavtest.EICARSignature {
			t.Errorf("Details.Reason = %q, want %q", e.Details.Reason, clamavtest.EICARSignature)
		}
		if strings.Contains(e.Text(), "Eicar") {
			t.Errorf("Text() = %q names the signature to the sender", e.Text())
		}

		// Past the stream limit the file was not scanned: refused even when
		// failing open.
		err = s.Check(t.Context(), sized(2*d.StreamMaxLength))
		wantCode(t, err, errs.FileTooLarge)
	}
}

// failures are the ways clamd can fail a Check.
func failures(t *testing.T) []struct {
	name string
	opts clamav.Options
	addr [2]string
} {
	down := downAddrs(t)
	silentAddr := startFake(t, silent).addr
	stuck := startFake(t, stalled).addr
	errorAddr := startFake(t, answering("stream: Can't allocate memory ERROR\x00")).addr
	idle := clamav.Options{IdleTimeout: 100 * time.Millisecond}
	return []struct {
		name string
		opts clamav.Options
		addr [2]string
	}{
		{"tcp down", clamav.Options{}, down[0]},
		{"unix down", clamav.Options{}, down[1]},
		{"slow to answer", idle, [2]string{"tcp", silentAddr}},
		{"stuck", idle, [2]string{"tcp", stuck}},
		{"error reply", clamav.Options{}, [2]string{"tcp", errorAddr}},
	}
}

func TestCheckFailsClosedByDefault(t *testing.T) {
	for _, tt := range failures(t) {
		t.Run(tt.name, func(t *testing.T) {
			s := newScanner(t, tt.addr[0], tt.addr[1], &tt.opts)
			err := s.Check(t.Context(), sized(8<<20))
			e := wantCode(t, err, errs.Unavailable)
			if e.Message == "" || strings.Contains(e.Text(), tt.addr[1]) {
				t.Errorf("Text() = %q, want a message for the sender without the address", e.Text())
			}
		})
	}
}

func TestCheckFailOpen(t *testing.T) {
	for _, tt := range failures(t) {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			opts := tt.opts
			opts.FailOpen = true
			opts.Logger = slog.New(slog.NewTextHandler(&log, nil))
			s := newScanner(t, tt.addr[0], tt.addr[1], &opts)
			if err := s.Check(t.Context(), sized(8<<20)); err != nil {
				t.Fatalf("Check = %v, want nil (fail open)", err)
			}
			if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "unscanned") {
				t.Errorf("log = %q, want a warning that the file went through unscanned", log.String())
			}
		})
	}
	t.Run("canceled ctx is not clamd's failure", func(t *testing.T) {
		s := newScanner(t, "tcp", startFake(t, silent).addr, &clamav.Options{FailOpen: true})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		wantCode(t, s.Check(ctx, strings.NewReader("x")), errs.Canceled)
	})
}

// file is a reopenable file for CheckFile that records whether it was
// closed.
type file struct {
	io.Reader
	closed bool
}

func (f *file) Close() error { f.closed = true; return nil }

func TestCheckFile(t *testing.T) {
	d := clamd.Get(t)
	s := newScanner(t, "unix", d.Socket, nil)
	tests := []struct {
		name string
		data io.Reader
		code errs.Code // "" for nil
	}{
		{"clean", strings.NewReader("clean"), ""},
		{"eicar", strings.NewReader(clamavtest.EICAR), errs.Infected},
		{"unreadable", failingReader(100, errors.New("io error")), errs.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &file{Reader: tt.data}
			err := s.CheckFile(t.Context(), func(context.Context) (io.ReadCloser, error) { return f, nil })
			if got := errs.CodeOf(err); got != tt.code {
				t.Errorf("CheckFile = %v, want code %q", err, tt.code)
			}
			if !f.closed {
				t.Errorf("file not closed")
			}
		})
	}
	t.Run("open fails", func(t *testing.T) {
		gone := &errs.Error{Code: errs.NotFound, Op: "get staged/1"}
		fo := newScanner(t, "unix", d.Socket, &clamav.Options{FailOpen: true})
		type key struct{}
		ctx := context.WithValue(t.Context(), key{}, "caller's")
		err := fo.CheckFile(ctx, func(ctx context.Context) (io.ReadCloser, error) {
			if ctx.Value(key{}) != "caller's" {
				t.Errorf("open got another ctx than the caller's")
			}
			return nil, gone
		})
		if e := wantCode(t, err, errs.NotFound); !errors.Is(e, gone) {
			t.Errorf("err = %v, want it to wrap the open error", err)
		}
	})
	t.Run("nil open", func(t *testing.T) {
		wantCode(t, s.CheckFile(t.Context(), nil), errs.InvalidArgument)
	})
}
