package clamav_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
)

// Check a file before accepting it. It needs a running clamd, so it has no
// output to verify.
func Example() {
	// Debian's clamav-daemon listens on this socket.
	s, err := clamav.New("unix", "/run/clamav/clamd.ctl", nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	f, err := os.Open("upload.pdf")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	err = s.Check(ctx, f)
	switch e := errs.As(err); {
	case err == nil:
		fmt.Println("clean")
	case errors.Is(err, errs.Infected):
		log.Printf("refused %s: %s", f.Name(), e.Details.Reason) // the signature, for the log
		fmt.Println(e.Text())                                    // for the sender
	default: // clamd unavailable (failing closed), file too large to scan, …
		fmt.Println(e.Text())
	}
}

// A before-listener that scans a file the library hands it, one that can be
// opened again. Here clamd is reached over TCP, and an unreachable clamd lets
// files through (logged) instead of refusing them.
func ExampleScanner_CheckFile() {
	s, err := clamav.New("tcp", "127.0.0.1:3310", &clamav.Options{
		FailOpen:      true,
		MaxConcurrent: 8,
		IdleTimeout:   30 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}

	// What the core hands a listener: a name, a size, and a way to open it
	// again.
	type stagedFile struct {
		Name string
		Size int64
		Open func(context.Context) (io.ReadCloser, error)
	}
	beforeSend := func(ctx context.Context, f stagedFile) error {
		return s.CheckFile(ctx, f.Open)
	}

	err = beforeSend(context.Background(), stagedFile{
		Name: "report.pdf",
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open("report.pdf") },
	})
	fmt.Println(errs.CodeOf(err))
}
