// Command deletemessage deletes a message and the files it carries, as in
// Twilio Flex's recipe "delete a message": a customer sends the wrong
// document, and the agent deletes it. The file goes from storage with the
// message, and the download links handed out for it stop working at once,
// although they had minutes left.
//
//	go run ./examples/deletemessage
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deletemessage:", err)
		os.Exit(1)
	}
}

var (
	customer = attachments.Member{Identity: "casey"}
	agent    = attachments.Member{Identity: "alex"}
)

// statement is the document the customer sends by mistake.
const statement = "%PDF-1.7\n% a bank statement that should never have been sent\n"

func run(ctx context.Context, w io.Writer) error {
	chat := &attachmentstest.Transport{}
	members := &attachmentstest.Members{}
	if err := errors.Join(
		members.SetRole(ctx, "support-7", customer.Identity, attachments.RoleCustomer),
		members.SetRole(ctx, "support-7", agent.Identity, attachments.RoleAgent),
	); err != nil {
		return err
	}
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &attachments.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer c.Close(context.Background())

	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "support-7", Sender: customer,
		File: &attachments.File{Name: "statement.pdf", Body: strings.NewReader(statement)},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "casey sent %s\n", sent.Message.Body)

	// The agent opens it: a link that works for five minutes.
	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: "support-7", Requester: agent, MessageSID: sent.Message.SID,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the agent's link answers %d\n", get(c, dl.Link.URL))

	// Only the author, or a role that may delete messages, can delete it.
	reply, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: "support-7", Sender: agent, Body: "I'll remove that for you.",
	})
	if err != nil {
		return err
	}
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: "support-7", Requester: customer, MessageSID: reply.Message.SID,
	})
	fmt.Fprintf(w, "casey deletes the agent's message: %s\n", errs.CodeOf(err))

	// The agent deletes the customer's message: the file goes with it.
	del, err := attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: "support-7", Requester: agent, MessageSID: sent.Message.SID,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the agent deleted the message and %d file: %s\n", len(del.Media), del.Media[0].FileName)
	fmt.Fprintf(w, "messages left: %d; files stored: %d\n", len(chat.Messages("support-7")), countMedia(ctx, c))
	fmt.Fprintf(w, "the agent's link now answers %d\n", get(c, dl.Link.URL))

	// Deleting again is not an error: the message is already gone.
	again, err := attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: "support-7", Requester: agent, MessageSID: sent.Message.SID,
	})
	fmt.Fprintf(w, "deleting it again: deleted=%v, err=%v\n", again.Deleted, err)
	return nil
}

// get fetches a download link from the Client's link handler, as a browser
// would from the host's server, and returns the status.
func get(c *attachments.Client, url string) int {
	rec := httptest.NewRecorder()
	c.Links().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec.Code
}

// countMedia counts the media blobs in the Client's storage.
func countMedia(ctx context.Context, c *attachments.Client) int {
	n := 0
	for _, err := range c.Storage().List(ctx, "media/") {
		if err == nil {
			n++
		}
	}
	return n
}
