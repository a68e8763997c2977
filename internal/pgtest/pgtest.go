// Package pgtest starts a real PostgreSQL server for tests: Debian's
// postgresql 15 binaries on a temporary data directory, listening on
// 127.0.0.1 at a free port with its unix socket in that directory, run as
// the postgres user when the tests run as root (PostgreSQL refuses root).
// fsync is off: a test server need not survive a power cut.
//
// A test binary starts one server in TestMain and gives each test its own
// database (CreateDatabase), so tests do not see each other:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }
//
// It talks to the server through database/sql's "pgx" driver, which the
// test binary links (pgx's stdlib package, which the PostgreSQL ledger
// imports), so that it needs nothing beyond the standard library: it lives in
// the root module, where every module's tests can reach it.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Bin is where Debian's postgresql-15 package puts the server's binaries.
const Bin = "/usr/lib/postgresql/15/bin"

// Server is a running (or stopped) PostgreSQL server.
type Server struct {
	dir    string // the temp directory: data/, the socket, the log
	port   int
	cred   *syscall.Credential // the postgres user's, when we are root
	cmd    *exec.Cmd           // the running postmaster, nil when stopped
	exited chan error          // receives cmd.Wait's result
	dbs    atomic.Int64
}

// Start initialises a data directory and starts a server on it. It fails
// with a message naming scripts/deps.sh when the binaries are missing.
func Start() (*Server, error) {
	if _, err := os.Stat(filepath.Join(Bin, "postgres")); err != nil {
		return nil, fmt.Errorf("PostgreSQL 15 is not installed (%v): run scripts/deps.sh", err)
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("no postgres user to run the server as (%v): run scripts/deps.sh", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	out, err := s.command(filepath.Join(Bin, "initdb"), "-D", s.data(), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--no-locale", "--no-sync").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// A free port is free when we look; another process may take it before
	// the server binds it. Then the server says so and we take another.
	for try := 1; ; try++ {
		if s.port, err = freePort(); err == nil {
			err = s.Restart()
		}
		if err == nil || try == 3 || !strings.Contains(err.Error(), "could not bind") {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// command returns cmd to run as the server's user, killed with the test
// binary if it dies first.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}

// Restart starts the server (again) on its data directory and port, and
// returns once it accepts connections.
func (s *Server) Restart() error {
	log, err := os.OpenFile(filepath.Join(s.dir, "log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := s.command(filepath.Join(Bin, "postgres"), "-D", s.data(), "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Ready when a connection gets through; a server that exits instead
	// has failed (its log says why).
	s.cmd, s.exited = cmd, exited
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		s.Stop()
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-exited:
			logText, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			s.cmd = nil
			return fmt.Errorf("postgres exited (%v):\n%s", werr, logText)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("postgres did not accept connections within a minute: %v", err)
		}
	}
}

// Stop shuts the server down (fast: open sessions are ended) and waits for
// it to exit. Its data stay, for Restart.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	err := s.cmd.Process.Signal(syscall.SIGINT)
	if err == nil {
		<-s.exited
	}
	s.cmd = nil
	return err
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// DSN returns the DSN of database db on the server.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s sslmode=disable", s.port, db)
}

// CreateDatabase creates a new, empty database for t, dropped when t ends,
// and returns its DSN.
func (s *Server) CreateDatabase(t testing.TB) string {
	t.Helper()
	name, err := s.createDatabase()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	return s.DSN(name)
}

// NewDatabase creates a new, empty database and returns its name, for an
// Example, which has no t: the server's Close removes it with the rest.
func (s *Server) NewDatabase() string {
	name, err := s.createDatabase()
	if err != nil {
		panic(err)
	}
	return name
}

func (s *Server) createDatabase() (string, error) {
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	return name, s.admin("CREATE DATABASE " + name)
}

// admin runs stmt in the postgres database.
func (s *Server) admin(stmt string) error {
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// Main starts a server into *srv, runs m's tests and benchmarks, and stops
// the server, leaving no process behind. Without the binaries it fails,
// saying how to install them: CI must not pass by skipping.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stopping the server:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
