// Package clamavtest starts a real clamd for tests, with a one-signature
// database that detects the EICAR test file, and no internet access.
//
// A test binary starts one daemon on first use and stops it at the end:
//
//	var clamd clamavtest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		clamd.Close()
//		os.Exit(code)
//	}
//
//	func TestScan(t *testing.T) {
//		d := clamd.Get(t) // skips, or fails when CI=true, if clamd is missing
//		s, err := clamav.New("unix", d.Socket, nil)
//		…
//	}
//
// Debian's clamav-daemon package provides clamd; the daemon it may start
// itself is not used.
package clamavtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/attachkit/attachments/hooks/clamav"
)

// EICAR is the EICAR anti-virus test file: 68 harmless bytes every scanner
// reports as a virus.
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// EICARSignature is the name clamd reports for EICAR with the daemon's
// database. The suffix marks a signature from outside the official databases.
const EICARSignature = "Eicar-Test-Signature.UNOFFICIAL"

// eicarHDB is the database: the MD5 and size of EICAR, and a name.
const eicarHDB = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"

// ErrNotInstalled reports that no clamd binary was found.
var ErrNotInstalled = errors.New("clamavtest: clamd not found (install Debian's clamav-daemon, or set CLAMD to its path)")

// Options configure Start. A nil *Options means every default.
type Options struct {
	// Path is the clamd binary. Empty means $CLAMD, then clamd on $PATH,
	// then /usr/sbin/clamd.
	Path string
	// StreamMaxLength is clamd's StreamMaxLength, in bytes: the largest
	// stream it scans. Zero means 1 MiB, so that a test past it is cheap.
	StreamMaxLength int64
	// StartTimeout limits how long Start waits for clamd to answer PING.
	// Zero means 2 minutes.
	StartTimeout time.Duration
}

// Daemon is a running clamd. Stop it with Close.
type Daemon struct {
	// TCPAddr is the TCP address clamd listens on, "127.0.0.1:port".
	TCPAddr string
	// Socket is the path of clamd's unix socket.
	Socket string
	// StreamMaxLength is clamd's StreamMaxLength, in bytes.
	StreamMaxLength int64

	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Find returns the path of the clamd binary: path itself when not empty,
// else as Options.Path describes. It returns ErrNotInstalled when there is
// none.
func Find(path string) (string, error) {
	candidates := []string{path}
	if path == "" {
		candidates = []string{os.Getenv("CLAMD")}
		if p, err := exec.LookPath("clamd"); err == nil {
			candidates = append(candidates, p)
		}
		candidates = append(candidates, "/usr/sbin/clamd", "/usr/local/sbin/clamd")
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start starts clamd in a new temporary directory that holds its config,
// database, unix socket, temporary files and log, and waits until it answers
// PING on both its TCP address and its socket. The daemon runs until Close,
// even after ctx ends; ctx limits only the start.
func Start(ctx context.Context, opts *Options) (*Daemon, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.StreamMaxLength == 0 {
		o.StreamMaxLength = 1 << 20
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 2 * time.Minute
	}
	bin, err := Find(o.Path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	// The free port is found by closing a listener on it, so another process
	// may take it before clamd binds; try again then.
	for attempt := 1; ; attempt++ {
		d, err := start(ctx, bin, o.StreamMaxLength)
		if err == nil || attempt == 3 || ctx.Err() != nil {
			return d, err
		}
	}
}

func start(ctx context.Context, bin string, streamMax int64) (d *Daemon, err error) {
	// A short directory name keeps the socket path under the 108-byte limit.
	dir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d = &Daemon{
		TCPAddr:         net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Socket:          filepath.Join(dir, "clamd.sock"),
		StreamMaxLength: streamMax,
		dir:             dir,
		exited:          make(chan struct{}),
	}
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(db, "eicar.hdb"), []byte(eicarHDB), 0o644); err != nil {
		return nil, err
	}
	conf := strings.Join([]string{
		"Foreground yes",
		"DatabaseDirectory " + db,
		"TemporaryDirectory " + dir,
		"LogFile " + filepath.Join(dir, "clamd.log"),
		"TCPAddr 127.0.0.1",
		"TCPSocket " + strconv.Itoa(port),
		"LocalSocket " + d.Socket,
		"StreamMaxLength " + strconv.FormatInt(streamMax, 10),
		"ScanArchive yes",
		"Bytecode no",
		"",
	}, "\n")
	confPath := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "clamd.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child has its own copy
	d.cmd = exec.Command(bin, "--config-file="+confPath)
	d.cmd.Stdout, d.cmd.Stderr = out, out
	setDeathSignal(d.cmd)
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		d.cmd.Wait()
		close(d.exited)
	}()
	if err := d.waitReady(ctx); err != nil {
		d.kill()
		return nil, fmt.Errorf("clamavtest: start %s: %w\n%s", bin, err, d.output())
	}
	return d, nil
}

// waitReady pings clamd on both addresses until both answer.
func (d *Daemon) waitReady(ctx context.Context) error {
	var scanners []*clamav.Scanner
	for _, addr := range [][2]string{{"tcp", d.TCPAddr}, {"unix", d.Socket}} {
		s, err := clamav.New(addr[0], addr[1], &clamav.Options{DialTimeout: time.Second, IdleTimeout: 5 * time.Second})
		if err != nil {
			return err
		}
		scanners = append(scanners, s)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ready := true
		for _, s := range scanners {
			if s.Ping(ctx) != nil {
				ready = false
				break
			}
		}
		if ready {
			return nil
		}
		select {
		case <-d.exited:
			return fmt.Errorf("clamd exited: %v", d.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("clamd did not answer PING: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Close stops clamd, waits for it to exit and removes its directory.
func (d *Daemon) Close() error {
	d.kill()
	return os.RemoveAll(d.dir)
}

func (d *Daemon) kill() {
	d.cmd.Process.Kill()
	<-d.exited
}

// output returns the end of clamd's output and log, for error messages.
func (d *Daemon) output() string {
	var b strings.Builder
	for _, name := range []string{"clamd.out", "clamd.log"} {
		data, _ := os.ReadFile(filepath.Join(d.dir, name))
		if len(data) > 4096 {
			data = data[len(data)-4096:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s", name, data)
	}
	return b.String()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
