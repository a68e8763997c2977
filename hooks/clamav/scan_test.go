package clamav_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
)

func TestPingAndVersion(t *testing.T) {
	for _, tr := range transports(t) {
		t.Run(tr.network, func(t *testing.T) {
			s := newScanner(t, tr.network, tr.address, nil)
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			v, err := s.Version(t.Context())
			if err != nil {
				t.Fatalf("Version: %v", err)
			}
			if !strings.HasPrefix(v, "ClamAV ") {
				t.Errorf("Version = %q, want it to start with %q", v, "ClamAV ")
			}
		})
	}
}

// zipOf returns a zip archive of the named files, stored or deflated.
func zipOf(t *testing.T, method uint16, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestScanVerdicts(t *testing.T) {
	readme := [2]string{"readme.txt", "nothing to see here\n"}
	eicar := [2]string{"docs/eicar.com", clamavtest.EICAR}
	inner := string(zipOf(t, zip.Deflate, readme, eicar))
	tests := []struct {
		name      string
		data      []byte
		signature string // "" for clean
	}{
		{"empty", nil, ""},
		{"text", []byte("hello, this is a perfectly clean attachment\n"), ""},
		{"eicar", []byte(clamavtest.EICAR), clamavtest.EICARSignature},
		{"eicar with a trailing newline is another file", []byte(clamavtest.EICAR + "\n"), ""},
		{"clean zip", zipOf(t, zip.Deflate, readme), ""},
		{"eicar in stored zip", zipOf(t, zip.Store, readme, eicar), clamavtest.EICARSignature},
		{"eicar in deflated zip", zipOf(t, zip.Deflate, readme, eicar), clamavtest.EICARSignature},
		{"eicar in zip in zip", zipOf(t, zip.Deflate, readme, [2]string{"inner.zip", inner}), clamavtest.EICARSignature},
	}
	for _, tr := range transports(t) {
		s := newScanner(t, tr.network, tr.address, nil)
		for _, tt := range tests {
			t.Run(tr.network+"/"+tt.name, func(t *testing.T) {
				got, err := s.Scan(t.Context(), bytes.NewReader(tt.data))
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				want := clamav.Result{Infected: tt.signature != "", Signature: tt.signature}
				if got != want {
					t.Errorf("Scan = %+v, want %+v", got, want)
				}
			})
		}
	}
}

// TestScanChunking sends EICAR in chunks of every awkward size: a hash
// signature matches only if clamd got every byte, in order, so a framing
// mistake turns FOUND into OK.
func TestScanChunking(t *testing.T) {
	d := clamd.Get(t)
	n := len(clamavtest.EICAR)
	for _, chunk := range []int{1, 16, n / 4, n - 1, n, n + 1, 0} {
		for _, oneByte := range []bool{false, true} {
			s := newScanner(t, "unix", d.Socket, &clamav.Options{ChunkSize: chunk})
			var r io.Reader = strings.NewReader(clamavtest.EICAR)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, err := s.Scan(t.Context(), r)
			if err != nil {
				t.Fatalf("chunk %d, one byte reads %v: Scan: %v", chunk, oneByte, err)
			}
			if !got.Infected || got.Signature != clamavtest.EICARSignature {
				t.Errorf("chunk %d, one byte reads %v: Scan = %+v, want %s found", chunk, oneByte, got, clamavtest.EICARSignature)
			}
		}
	}
}

// TestScanStreamLimit sends files past clamd's StreamMaxLength. Clamd
// answers and closes while the file is still being sent, so the write fails
// (EPIPE or ECONNRESET) and the answer must be read after it. It is run many
// times and with several chunk sizes because the failing write races with
// clamd's answer.
func TestScanStreamLimit(t *testing.T) {
	d := clamd.Get(t)
	limit := d.StreamMaxLength
	for _, tr := range transports(t) {
		for _, chunk := range []int{4 << 10, 0, int(limit) + 1} {
			s := newScanner(t, tr.network, tr.address, &clamav.Options{ChunkSize: chunk})
			for _, size := range []int64{limit + 1, 3 * limit, 16 * limit} {
				for range 5 {
					_, err := s.Scan(t.Context(), sized(size))
					e := errs.As(err)
					if e == nil || e.Code != errs.FileTooLarge {
						t.Fatalf("%s, chunk %d, size %d: err = %v, want code %q", tr.network, chunk, size, err, errs.FileTooLarge)
					}
					if e.Message == "" || strings.Contains(e.Message, "clamd") {
						t.Errorf("Message = %q, want a phrase for the sender", e.Message)
					}
				}
			}
		}
	}
	// At the limit is still scanned.
	s := newScanner(t, "unix", d.Socket, nil)
	if got, err := s.Scan(t.Context(), sized(limit)); err != nil || got.Infected {
		t.Errorf("Scan(%d bytes, the limit) = %+v, %v; want clean", limit, got, err)
	}
	// And clamd still works after all those cut connections.
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping after the limit tests: %v", err)
	}
}

func TestScanReaderFails(t *testing.T) {
	d := clamd.Get(t)
	boom := errors.New("disk on fire")
	tests := []struct {
		name string
		r    io.Reader
		code errs.Code
	}{
		{"plain error at start", failingReader(0, boom), errs.Internal},
		{"plain error half way", failingReader(200<<10, boom), errs.Internal},
		{"coded error", failingReader(10, &errs.Error{Code: errs.NotFound, Op: "get k"}), errs.NotFound},
		{"context error", failingReader(10, context.Canceled), errs.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScanner(t, "unix", d.Socket, &clamav.Options{FailOpen: true})
			_, err := s.Scan(t.Context(), tt.r)
			wantCode(t, err, tt.code)
			// Failing open is for clamd's failures, never the file's.
			err = s.Check(t.Context(), failingReader(10, boom))
			if err == nil {
				t.Fatalf("Check with FailOpen of an unreadable file = nil, want an error")
			}
		})
	}
	s := newScanner(t, "unix", d.Socket, nil)
	if _, err := s.Scan(t.Context(), failingReader(10, boom)); !errors.Is(err, boom) {
		t.Errorf("Scan err = %v, want it to wrap the reader's error", err)
	}
}

// TestScanConcurrent runs more scans than MaxConcurrent against the real
// clamd; each waits its turn and gets its own verdict.
func TestScanConcurrent(t *testing.T) {
	d := clamd.Get(t)
	s := newScanner(t, "tcp", d.TCPAddr, &clamav.Options{MaxConcurrent: 2})
	var wg sync.WaitGroup
	errc := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			infected := i%2 == 0
			var r io.Reader = sized(300 << 10)
			if infected {
				r = strings.NewReader(clamavtest.EICAR)
			}
			got, err := s.Scan(t.Context(), r)
			if err == nil && got.Infected != infected {
				err = errors.New("wrong verdict")
			}
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
}
