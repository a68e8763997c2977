// Command contentcheck refuses files whose content breaks a rule of the
// business, as in Twilio Flex's recipe of a before-listener that checks a
// file and cancels the action.
//
// The rule here is one every contact center has: no payment card numbers in
// the chat (PCI DSS). A before-listener on SendMediaMessage and AttachFile
// opens the file the library has already checked and stored (File.Open),
// reads it as a stream, and cancels with a reason the sender is shown when
// a text file holds a card number. The library then deletes the stored
// copy: a refused file leaves nothing behind.
//
//	go run ./examples/contentcheck
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "contentcheck:", err)
		os.Exit(1)
	}
}

// cardNumberReason is what the sender is told.
const cardNumberReason = "please don't send card numbers in the chat; remove it from the file and send it again"

// checkedTypes are the sniffed types the listener reads: text, where a card
// number would be written down. Pictures of cards need OCR, not this.
var checkedTypes = map[string]bool{"text/plain": true, "text/csv": true}

// refuseCardNumbers is the check: it cancels when f holds a card number.
func refuseCardNumbers(ctx context.Context, f *attachments.File) error {
	if f == nil {
		return nil // a draft: its files were checked when they were attached
	}
	m, ok := f.Media()
	if !ok || !checkedTypes[m.ContentType] {
		return nil
	}
	r, err := f.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	found, err := containsCardNumber(r)
	if err != nil {
		return err
	}
	if found {
		return attachments.Cancel(cardNumberReason)
	}
	return nil
}

// addContentCheck adds the check before SendMediaMessage and AttachFile.
func addContentCheck(c *attachments.Client) error {
	_, err1 := attachments.OnBefore(c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			return p, refuseCardNumbers(ctx, p.File)
		})
	_, err2 := attachments.OnBefore(c.Registry(), attachments.AttachFile,
		func(ctx context.Context, p attachments.AttachFilePayload) (attachments.AttachFilePayload, error) {
			return p, refuseCardNumbers(ctx, p.File)
		})
	return errors.Join(err1, err2)
}

// containsCardNumber reports whether r holds a run of 13 to 19 digits,
// perhaps grouped by single spaces or dashes, that passes the Luhn check,
// as every payment card number does. It reads r as a stream, holding only
// the current run of digits.
func containsCardNumber(r io.Reader) (bool, error) {
	br := bufio.NewReader(r)
	var digits []byte
	sep := false // the last byte was a separator inside a run
	check := func() bool {
		ok := len(digits) >= 13 && len(digits) <= 19 && luhn(digits)
		digits, sep = digits[:0], false
		return ok
	}
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return check(), nil
		}
		if err != nil {
			return false, err
		}
		switch {
		case b >= '0' && b <= '9':
			digits = append(digits, b-'0')
			sep = false
			if len(digits) > 19 { // too long for a card: an id, a phone log, …
				for len(digits) > 0 {
					b, err = br.ReadByte()
					if err != nil || b < '0' || b > '9' {
						break
					}
				}
				digits = digits[:0]
			}
		case (b == ' ' || b == '-') && len(digits) > 0 && !sep:
			sep = true
		default:
			if check() {
				return true, nil
			}
		}
	}
}

// luhn reports whether digits pass the Luhn checksum.
func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i])
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func run(ctx context.Context, w io.Writer) error {
	members := &attachmentstest.Members{}
	if err := members.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer); err != nil {
		return err
	}
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if err := addContentCheck(c); err != nil {
		return err
	}

	casey := attachments.Member{Identity: "casey"}
	for _, f := range []struct{ name, content string }{
		{"delivery-notes.txt", "Leave the parcel at door 4. Order 1042, phone 555 0100.\n"},
		{"payment.txt", "Please charge my card 4111 1111 1111 1111, exp 12/29.\n"},
		{"orders.csv", "order,amount\n1042,19.90\n1043,5.00\n"},
	} {
		_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
			Channel: "CH1", Sender: casey,
			File: &attachments.File{Name: f.name, Body: strings.NewReader(f.content)},
		})
		if e := errs.As(err); e != nil {
			fmt.Fprintf(w, "%s: refused (%s): %s\n", f.name, e.Code, e.Text())
			continue
		}
		fmt.Fprintf(w, "%s: sent\n", f.name)
	}
	n := 0
	for _, err := range c.Storage().List(ctx, "media/") {
		if err == nil {
			n++
		}
	}
	fmt.Fprintf(w, "files stored: %d\n", n)
	return nil
}
