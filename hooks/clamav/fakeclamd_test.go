package clamav_test

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
)

// fakeClamd is a TCP listener on 127.0.0.1 that plays a misbehaving clamd.
// It runs handle on each connection it accepts, counts connections, and on
// cleanup closes stop and every connection, and waits for its goroutines.
type fakeClamd struct {
	addr string

	mu            sync.Mutex
	conns         map[net.Conn]bool
	peak, total   int
	accepted      chan struct{} // one value per accepted connection
	handlerExited chan struct{} // one value per finished handler
}

func startFake(t *testing.T, handle func(c net.Conn, stop <-chan struct{})) *fakeClamd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClamd{
		addr:          ln.Addr().String(),
		conns:         map[net.Conn]bool{},
		accepted:      make(chan struct{}, 100),
		handlerExited: make(chan struct{}, 100),
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns[c] = true
			f.total++
			f.peak = max(f.peak, len(f.conns))
			f.mu.Unlock()
			f.accepted <- struct{}{}
			wg.Go(func() {
				handle(c, stop)
				c.Close()
				f.mu.Lock()
				delete(f.conns, c)
				f.mu.Unlock()
				f.handlerExited <- struct{}{}
			})
		}
	})
	t.Cleanup(func() {
		close(stop)
		ln.Close()
		f.mu.Lock()
		for c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	return f
}

// counts returns the most connections open at once and the total accepted.
func (f *fakeClamd) counts() (peak, total int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak, f.total
}

// silent reads whatever the client sends and never answers: a clamd that
// is stuck scanning.
func silent(c net.Conn, _ <-chan struct{}) { io.Copy(io.Discard, c) }

// stalled neither reads nor answers: a clamd that hangs.
func stalled(_ net.Conn, stop <-chan struct{}) { <-stop }

// readStream reads an INSTREAM command and its chunks up to the
// zero-length one, and reports whether it got them all.
func readStream(c net.Conn) bool {
	cmd := make([]byte, len("zINSTREAM\x00"))
	if _, err := io.ReadFull(c, cmd); err != nil || string(cmd) != "zINSTREAM\x00" {
		return false
	}
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return false
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n == 0 {
			return true
		}
		if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
			return false
		}
	}
}

// answering reads a whole stream and answers reply.
func answering(reply string) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		if readStream(c) {
			io.WriteString(c, reply)
		}
	}
}
