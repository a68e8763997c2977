package clamav

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
)

// Scanner talks to one clamd. It opens a connection for each call and holds
// at most Options.MaxConcurrent of them at once. It is safe for concurrent
// use and holds nothing that needs closing.
//
// The zero value is not usable; create a Scanner with New.
type Scanner struct {
	network, address string
	opts             Options
	dialer           net.Dialer
	slots            chan struct{}
	bufs             sync.Pool // *[]byte of instreamBufLen(opts.ChunkSize)
}

// New returns a Scanner for the clamd listening at address on network, as
// for net.Dial: "tcp" with "127.0.0.1:3310", or "unix" with a socket path
// such as "/run/clamav/clamd.ctl". It does not connect; call Ping to check
// that clamd answers.
//
// New returns an errs.InvalidConfig error for an unsupported network, an
// empty address or a bad option.
func New(network, address string, opts *Options) (*Scanner, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "clamav new",
			Message: fmt.Sprintf("unsupported clamd network %q: want tcp or unix", network)}
	}
	if address == "" {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "clamav new", Message: "empty clamd address"}
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Scanner{
		network: network,
		address: address,
		opts:    o,
		dialer:  net.Dialer{Timeout: o.DialTimeout},
		slots:   make(chan struct{}, o.MaxConcurrent),
	}
	s.bufs.New = func() any {
		b := make([]byte, instreamBufLen(o.ChunkSize))
		return &b
	}
	return s, nil
}

// Ping checks that clamd answers PING with PONG. It returns an
// errs.Unavailable error when it does not, and an errs.Canceled error when
// ctx ends first.
func (s *Scanner) Ping(ctx context.Context) error {
	const op = "clamav ping"
	return s.session(ctx, op, "", func(conn net.Conn) error {
		reply, err := s.command(conn, "zPING\x00")
		if err != nil {
			return unavailable(op, "", err)
		}
		if reply != "PONG" {
			return unavailable(op, "", fmt.Errorf("unexpected reply %q to PING", reply))
		}
		return nil
	})
}

// Version returns clamd's answer to VERSION, such as
// "ClamAV 1.4.6/27480/Thu Nov 19 09:43:01 2026": the engine's version and,
// when clamd has loaded the official daily database, its version and date.
// Errors are as for Ping.
func (s *Scanner) Version(ctx context.Context) (string, error) {
	const op = "clamav version"
	var v string
	err := s.session(ctx, op, "", func(conn net.Conn) error {
		reply, err := s.command(conn, "zVERSION\x00")
		if err != nil {
			return unavailable(op, "", err)
		}
		if reply == "" {
			return unavailable(op, "", fmt.Errorf("empty reply to VERSION"))
		}
		v = reply
		return nil
	})
	return v, err
}

// command sends a one-line command and reads the reply.
func (s *Scanner) command(conn net.Conn, cmd string) (string, error) {
	if err := conn.SetDeadline(time.Now().Add(s.opts.IdleTimeout)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(cmd)); err != nil {
		return "", err
	}
	return readReply(conn)
}

// session runs fn on a new connection to clamd, within a concurrency slot.
// It closes the connection when ctx ends, so that fn's blocked reads and
// writes return at once, and then reports errs.Canceled whatever fn
// returned. fn returns *errs.Error values. A failure to connect is
// errs.Unavailable with message ("" for the default).
func (s *Scanner) session(ctx context.Context, op, message string, fn func(net.Conn) error) error {
	if s == nil || s.slots == nil {
		return &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "clamav scanner not created with New"}
	}
	if err := ctx.Err(); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: op, Err: err}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return &errs.Error{Code: errs.Canceled, Op: op, Err: ctx.Err()}
	}
	defer func() { <-s.slots }()

	conn, err := s.dialer.DialContext(ctx, s.network, s.address)
	if err != nil {
		if ctx.Err() != nil {
			return &errs.Error{Code: errs.Canceled, Op: op, Err: ctx.Err()}
		}
		return unavailable(op, message, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = fn(conn)
	if !stop() && err != nil {
		// ctx ended during fn: its error is the closed connection's.
		return &errs.Error{Code: errs.Canceled, Op: op, Err: ctx.Err()}
	}
	return err
}

// unavailable returns an errs.Unavailable error with a message fit to show
// the sender ("" for the default) and cause as its Err.
func unavailable(op, message string, cause error) *errs.Error {
	return &errs.Error{Code: errs.Unavailable, Op: op, Message: message, Err: cause}
}
