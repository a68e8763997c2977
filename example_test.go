package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
)

// newExample returns a Client with a customer and an agent in channel "CH1",
// on in-memory storage and chat.
func newExample() (*attachments.Client, *attachmentstest.Transport) {
	chat := &attachmentstest.Transport{}
	members := &attachmentstest.Members{}
	ctx := context.Background()
	_ = members.SetRole(ctx, "CH1", "alice", attachments.RoleCustomer)
	_ = members.SetRole(ctx, "CH1", "bob", attachments.RoleAgent)
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &attachments.Options{Logger: discardLogger()})
	if err != nil {
		panic(err)
	}
	return c, chat
}

// discardLogger keeps the default link key's warning out of test output.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var (
	alice = attachments.Member{Identity: "alice"}
	bob   = attachments.Member{Identity: "bob"}
)

func examplePNG() []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)))
	return buf.Bytes()
}

func ExampleSendMessage() {
	c, _ := newExample()
	defer c.Close(context.Background())
	res, err := attachments.Invoke(context.Background(), c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: "CH1", Sender: alice, Body: "Hello, I need help with my order"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Message.Author, "said:", res.Message.Body)
	// Output: alice said: Hello, I need help with my order
}

func ExampleSendMediaMessage() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice,
		File: &attachments.File{Name: "receipt.png", ContentType: "image/png", Body: bytes.NewReader(examplePNG())},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := res.Media[0]
	fmt.Println(res.Message.Body, m.ContentType, m.Size, "bytes")

	// A renamed executable is refused with a message fit for the sender.
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice,
		File: &attachments.File{Name: "cat.png", Body: bytes.NewReader(append([]byte("MZ\x90\x00"), make([]byte, 60)...))},
	})
	var e *errs.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
	}
	// Output:
	// receipt.png image/png 75 bytes
	// type_mismatch
}

func ExampleAttachFile() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	_, _ = c.SetDraftText(ctx, "CH1", alice, "typed text")
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: alice,
		File: &attachments.File{Name: "receipt.png", Body: bytes.NewReader(examplePNG())},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s (%s, %d bytes); text now %q\n", res.Media.FileName, res.Media.ContentType, res.Media.Size, res.Draft.Text)
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: "CH1", Sender: alice, FromDraft: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent:", sent.Message.Body)
	// Output:
	// receipt.png (image/png, 75 bytes); text now ""
	// sent: receipt.png
}

func ExampleDetachFile() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	att, _ := attachments.Invoke(ctx, c.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(examplePNG())},
	})
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.DetachFile,
		attachments.DetachFilePayload{Channel: "CH1", Sender: alice, MediaSID: att.Media.SID})
	fmt.Println(len(res.Draft.Files), "files in the draft", err)
	// Output: 0 files in the draft <nil>
}

func ExampleDownloadMedia() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	sent, _ := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(examplePNG())},
	})
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: "CH1", Requester: bob, MessageSID: sent.Message.SID})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Mount c.Links() at "/attachments/dl/" to serve the link.
	fmt.Println(res.Media.FileName, strings.HasPrefix(res.Link.URL, "/attachments/dl/"))
	// Output: a.png true
}

func ExampleDeleteMessage() {
	c, chat := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	sent, _ := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(examplePNG())},
	})
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: "CH1", Requester: bob, MessageSID: sent.Message.SID})
	fmt.Println(res.Deleted, len(res.Media), "media deleted;", len(chat.Messages("CH1")), "messages left", err)
	// Output: true 1 media deleted; 0 messages left <nil>
}

// An agent takes away a customer's files only: the customer can still write
// and read, but not send files.
func ExampleBlockMember() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: "CH1", Requester: bob, Target: "alice", Mode: attachments.BlockFiles})
	fmt.Println(res.Previous, "->", res.Role, err)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: "CH1", Sender: alice, File: &attachments.File{Name: "a.png", Body: bytes.NewReader(examplePNG())},
	})
	fmt.Println(errors.Is(err, errs.PermissionDenied), errs.As(err).Text())
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: "CH1", Sender: alice, Body: "sorry"})
	fmt.Println("text:", err)
	// Output:
	// customer -> customer:blocked-files <nil>
	// true you have been blocked from sending files in this conversation
	// text: <nil>
}

func ExampleUnblockMember() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	_, _ = attachments.Invoke(ctx, c.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: "CH1", Requester: bob, Target: "alice"})
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.UnblockMember,
		attachments.UnblockMemberPayload{Channel: "CH1", Requester: bob, Target: "alice"})
	fmt.Println(res.Previous, "->", res.Role, err)
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: "CH1", Sender: alice, Body: "thanks"})
	fmt.Println("text:", err)
	// Output:
	// customer:blocked -> customer <nil>
	// text: <nil>
}

// A before-listener cancels an action with a reason the sender sees.
func ExampleOnBefore() {
	c, _ := newExample()
	defer c.Close(context.Background())
	ctx := context.Background()
	remove, _ := attachments.OnBefore(c.Registry(), attachments.SendMessage,
		func(_ context.Context, p attachments.SendMessagePayload) (attachments.SendMessagePayload, error) {
			if len(p.Body) > 20 {
				return p, attachments.Cancel("messages are limited to 20 characters")
			}
			return p, nil
		})
	defer remove()
	_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: "CH1", Sender: alice, Body: "a very long message indeed"})
	var e *errs.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, "-", e.Text())
	}
	// Output: canceled - messages are limited to 20 characters
}

// A host registers an action of its own, with a typed payload.
func ExampleRegister() {
	type EscalatePayload struct{ Channel, Reason string }
	type EscalateResult struct{ Ticket int }
	const Escalate attachments.Action[EscalatePayload, EscalateResult] = "Escalate"

	var r attachments.Registry
	_ = attachments.Register(&r, Escalate, func(_ context.Context, p EscalatePayload) (EscalateResult, error) {
		return EscalateResult{Ticket: 42}, nil
	})
	res, err := attachments.Invoke(context.Background(), &r, Escalate, EscalatePayload{Channel: "CH1", Reason: "refund"})
	fmt.Println(res.Ticket, err)
	// Output: 42 <nil>
}
