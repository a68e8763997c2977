// Command webchat is the attachments library's demo: a web chat in which a
// customer, an agent and a supervisor exchange files, with every rule of the
// library visible on one page.
//
//	go run ./examples/webchat
//
// then open the URL it prints. Flags:
//
//	-addr    where to listen (default 127.0.0.1:8080)
//	-data    the data directory: media, chat history, the link key and the
//	         session key (default: a fresh temporary directory, removed on
//	         exit); a relative path is taken from the working directory,
//	         which `go -C examples/webchat` makes examples/webchat
//	-config  a configuration file in Twilio Flex's JSON shape (default: the
//	         library's defaults), such as flex-config.json beside this file:
//	         go -C examples/webchat run . -config flex-config.json
//	-clamd   scan every file with the ClamAV daemon at unix:<socket path> or
//	         tcp:<host:port>, such as unix:/run/clamav/clamd.ctl (default: no
//	         scan)
//
// The server itself is package chat, under internal/, so tests can start it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/hooks/clamav"
	"github.com/attachkit/attachments/httpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second Ctrl-C during the shutdown ends the program at once
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webchat:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds a graceful shutdown.
const shutdownGrace = 10 * time.Second

// run serves the demo until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("webchat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on")
	dataDir := fs.String("data", "", "data `directory` for media, chat history, the link key and the session key (default: a temporary directory, removed on exit)")
	configFile := fs.String("config", "", "configuration `file` in Flex's JSON shape (default: the library's defaults)")
	clamd := fs.String("clamd", "", "scan files with the ClamAV daemon at `address`, unix:<socket path> or tcp:<host:port> (default: no scan)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := &chat.Options{Logger: logger}
	if *configFile != "" {
		data, err := os.ReadFile(*configFile)
		if err != nil {
			return fmt.Errorf("cannot read the configuration file: %w", err)
		}
		cfg, err := attachments.ParseConfig(data)
		if err != nil {
			return err
		}
		opts.Config = &cfg
	}
	if *clamd != "" {
		scanner, version, err := newScanner(ctx, *clamd)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "virus scan: %s\n", version)
		opts.VirusScan, _, _ = strings.Cut(version, "/") // "ClamAV 1.4.6", without the database's date
		opts.Setup = func(c *attachments.Client) error {
			_, err := clamav.Protect(c, scanner, nil)
			return err
		}
	}

	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "webchat-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
		fmt.Fprintf(stdout, "data: %s (temporary; pass -data DIR to keep it)\n", dir)
	} else {
		fmt.Fprintf(stdout, "data: %s\n", dir)
	}

	srv, err := chat.Open(dir, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return errors.Join(err, srv.Close(context.Background()))
	}
	// httpapi's timeouts: a client that dribbles its headers, or declares a
	// body and never sends it, is cut off; uploads move the read deadline on
	// while their bytes arrive.
	hs := httpapi.NewServer("", srv)
	hs.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	hs.RegisterOnShutdown(srv.EndStreams) // event streams never go idle on their own
	fmt.Fprintf(stdout, "web chat demo: http://%s/\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		fmt.Fprintln(stdout, "shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		err = hs.Shutdown(sctx)
		cancel()
		<-served
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	cctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return errors.Join(err, srv.Close(cctx))
}
