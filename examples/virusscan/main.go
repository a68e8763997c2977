// Command virusscan is a recipe for scanning attachments with ClamAV: it
// builds an attachments Client, protects it with hooks/clamav in one line,
// and sends the files named on the command line as a customer would, then
// asks for each sent file back as an agent would, so every refusal a chat
// would show is printed.
//
//	go run ./examples/virusscan -clamd unix:/run/clamav/clamd.ctl -eicar photo.png notes.txt
//
// Flags:
//
//	-clamd      clamd's address: unix:<socket path> or tcp:<host:port>
//	            (default unix:/run/clamav/clamd.ctl, Debian's clamav-daemon)
//	-eicar      also send the EICAR test file, which every scanner flags
//	-fail-open  let files through when clamd cannot be reached (the default
//	            refuses them)
//	-recheck    scan each file again before it is downloaded
//
// It exits with 0 when every file was sent, 1 when a file was refused, and
// 2 for bad arguments.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
)

// eicar is the EICAR anti-virus test file: harmless bytes every scanner
// reports as a virus.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// errRefused reports that at least one file was refused.
var errRefused = errors.New("some files were refused")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errRefused):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "virusscan:", err)
		os.Exit(2)
	}
}

// The demo's conversation.
const channel = "demo"

var (
	customer = attachments.Member{Identity: "customer"}
	agent    = attachments.Member{Identity: "agent"}
)

// run sends the files args name through a Client protected by clamd, and
// prints what happened to each on stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("virusscan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("clamd", "unix:/run/clamav/clamd.ctl", "clamd's `address`: unix:<socket path> or tcp:<host:port>")
	withEICAR := fs.Bool("eicar", false, "also send the EICAR test file")
	failOpen := fs.Bool("fail-open", false, "let files through when clamd cannot be reached")
	recheck := fs.Bool("recheck", false, "scan each file again before it is downloaded")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 && !*withEICAR {
		return errors.New("no files to send: name some, or use -eicar")
	}
	network, address, ok := strings.Cut(*addr, ":")
	if !ok {
		return fmt.Errorf("-clamd %q: want unix:<socket path> or tcp:<host:port>", *addr)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The recipe: a scanner for clamd, and one line to protect the Client.
	scanner, err := clamav.New(network, address, &clamav.Options{FailOpen: *failOpen, Logger: logger})
	if err != nil {
		return err
	}
	c, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	remove, err := clamav.Protect(c, scanner, &clamav.ProtectOptions{RecheckDownloads: *recheck})
	if err != nil {
		return err
	}
	defer remove()

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	version, err := scanner.Version(pingCtx)
	cancel()
	if err != nil {
		fmt.Fprintf(stdout, "clamd: not answering (%s)\n", errs.As(err).Text())
	} else {
		fmt.Fprintf(stdout, "clamd: %s\n", version)
	}

	refused := false
	report := func(name string, err error) {
		if err != nil {
			refused = true
			fmt.Fprintf(stdout, "%s: %s\n", name, describe(err))
		}
	}
	if *withEICAR {
		report("eicar.txt", sendAndFetch(ctx, c, stdout, "eicar.txt", strings.NewReader(eicar)))
	}
	for _, path := range fs.Args() {
		report(filepath.Base(path), sendFile(ctx, c, stdout, path))
	}
	if refused {
		return errRefused
	}
	return nil
}

// newClient returns a Client on in-memory storage with the demo's
// customer and agent.
func newClient(ctx context.Context) (*attachments.Client, error) {
	members := &attachmentstest.Members{}
	if err := members.SetRole(ctx, channel, customer.Identity, attachments.RoleCustomer); err != nil {
		return nil, err
	}
	if err := members.SetRole(ctx, channel, agent.Identity, attachments.RoleAgent); err != nil {
		return nil, err
	}
	// The library's own log would only warn of the demo's throwaway link key.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	return attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: quiet})
}

func sendFile(ctx context.Context, c *attachments.Client, stdout io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return sendAndFetch(ctx, c, stdout, filepath.Base(path), f)
}

// sendAndFetch sends a file as the customer and asks for it back as the
// agent.
func sendAndFetch(ctx context.Context, c *attachments.Client, stdout io.Writer, name string, body io.Reader) error {
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: channel, Sender: customer, File: &attachments.File{Name: name, Body: body},
	})
	if err != nil {
		return err
	}
	m := sent.Media[0]
	fmt.Fprintf(stdout, "%s: sent as %s (%s, %d bytes)\n", name, m.SID, m.ContentType, m.Size)
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: channel, Requester: agent, MessageSID: sent.Message.SID,
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: link issued to the agent\n", name)
	return nil
}

// describe says why a file was refused: the code and the message the sender
// sees, and for malware the signature, which goes to the log only.
func describe(err error) string {
	e := errs.As(err)
	if e == nil {
		return "failed: " + err.Error()
	}
	s := fmt.Sprintf("refused: %s: %s", e.Code, e.Text())
	if e.Code == errs.Infected {
		s += fmt.Sprintf(" [signature %s]", e.Details.Reason)
	}
	return s
}
