// Command blockuser blocks a customer who sent an inappropriate file, as in
// Twilio Flex's recipe "block a user who sent an inappropriate file".
//
// An after-listener on SendMediaMessage sees every outcome, refusals
// included. When the library refuses a customer's file because it is a
// disguised executable (or, with a virus scanner, infected), the listener
// blocks the sender on behalf of a moderation account: BlockMember switches
// the customer's role to blocked, so nothing more they send gets through.
// An agent could invoke BlockMember the same way from a button.
//
//	go run ./examples/blockuser
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "blockuser:", err)
		os.Exit(1)
	}
}

var (
	customer = attachments.Member{Identity: "casey"}
	// moderator is the account the automation acts as: an agent's role, so
	// it may block members.
	moderator = attachments.Member{Identity: "moderation-bot"}
)

// blockOnRefusal adds the after-listener that blocks a customer whose file
// was refused as inappropriate. report, when not nil, hears of each block.
func blockOnRefusal(c *attachments.Client, report func(channel, identity string, why errs.Code)) (remove func(), err error) {
	return attachments.OnAfter(c.Registry(), attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload, _ attachments.SendMediaMessageResult, err error) {
			code := errs.CodeOf(err)
			if code != errs.TypeMismatch && code != errs.TypeNotAllowed && code != errs.Infected {
				return
			}
			// Only customers are blocked: the side of the sender's role, from
			// the directory, never one the request claims.
			if side, err := c.SideOf(ctx, p.Channel, p.Sender.Identity); err != nil || side != attachments.SideCustomer {
				return
			}
			_, berr := attachments.Invoke(context.WithoutCancel(ctx), c.Registry(), attachments.BlockMember,
				attachments.BlockMemberPayload{Channel: p.Channel, Requester: moderator, Target: p.Sender.Identity})
			if berr == nil && report != nil {
				report(p.Channel, p.Sender.Identity, code)
			}
		})
}

// newChat returns a Client for the conversation "web-42" with a customer
// and the moderation account.
func newChat(ctx context.Context) (*attachments.Client, error) {
	members := &attachmentstest.Members{}
	if err := errors.Join(
		members.SetRole(ctx, "web-42", customer.Identity, attachments.RoleCustomer),
		members.SetRole(ctx, "", moderator.Identity, attachments.RoleAgent), // in every channel
	); err != nil {
		return nil, err
	}
	return attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler)})
}

func run(ctx context.Context, w io.Writer) error {
	c, err := newChat(ctx)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := blockOnRefusal(c, func(channel, identity string, why errs.Code) {
		fmt.Fprintf(w, "moderation: blocked %s in %s (%s)\n", identity, channel, why)
	}); err != nil {
		return err
	}

	send := func(name string, content []byte) {
		_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
			Channel: "web-42", Sender: customer,
			File: &attachments.File{Name: name, Body: bytes.NewReader(content)},
		})
		if e := errs.As(err); e != nil {
			fmt.Fprintf(w, "casey sends %s: refused, %s: %s\n", name, e.Code, e.Text())
			return
		}
		fmt.Fprintf(w, "casey sends %s: sent\n", name)
	}
	send("order-number.txt", []byte("Order 1042, please\n"))
	send("photo.jpg", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 512)...))
	send("order-number.txt", []byte("Order 1042, please\n"))

	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: "web-42", Sender: customer, Body: "hello?"})
	fmt.Fprintf(w, "casey writes \"hello?\": %v\n", errs.As(err).Text())
	return nil
}
