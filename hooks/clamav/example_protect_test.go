package clamav_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/clamav"
)

// Virus scanning in one line: every file members send or attach is scanned
// by clamd before it is accepted, and again before each download. It needs a
// running clamd, so it has no output to verify; examples/virusscan is a
// program that runs it.
func ExampleProtect() {
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(context.Background())
	scanner, err := clamav.New("unix", "/run/clamav/clamd.ctl", nil)
	if err != nil {
		log.Fatal(err)
	}
	remove, err := clamav.Protect(c, scanner, &clamav.ProtectOptions{RecheckDownloads: true})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()

	_, err = attachments.Invoke(context.Background(), c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1",
		Sender:  attachments.Member{Identity: "alice"},
		File:    &attachments.File{Name: "invoice.txt", Body: strings.NewReader("…")},
	})
	var e *errs.Error
	switch {
	case errors.Is(err, errs.Infected) && errors.As(err, &e):
		log.Printf("refused a file: %s", e.Details.Reason) // the signature, for the log
		fmt.Println(e.Text())                              // for the sender
	case errors.As(err, &e):
		fmt.Println(e.Text())
	}
}
