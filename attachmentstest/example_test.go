package attachmentstest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/validate"
)

// exampleT stands in for the *testing.T a host's test has: it counts
// failures and runs cleanups when done.
type exampleT struct {
	failures int
	cleanups []func()
}

func (t *exampleT) Helper()               { _ = t }
func (t *exampleT) Errorf(string, ...any) { t.failures++ }
func (t *exampleT) FailNow()              { t.failures++ }
func (t *exampleT) Cleanup(f func())      { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func ExampleCheck() {
	p := validate.Policy{Enabled: true, MaxFileSize: 10_000, AcceptedExtensions: []string{"txt"}}
	// The first bytes pass; the limit is only passed further on, which is
	// why Check drains the stream before it answers.
	_, err := attachmentstest.Check(p, "notes.txt", bytes.Repeat([]byte("a line of notes\n"), 1000))
	fmt.Println(errs.CodeOf(err), errs.As(err).Details.Limit)
	// Output: file_too_large 10000
}

func ExampleRefuses() {
	t := &exampleT{} // in a host's test: the *testing.T
	p := validate.Policy{Enabled: true, AcceptedExtensions: []string{"pdf", "png"}}
	fmt.Println(attachmentstest.Refuses(t, p, "invoice.pdf", []byte("MZ\x90\x00 not a PDF at all"), errs.TypeMismatch))
	fmt.Println(attachmentstest.Refuses(t, p, "notes.txt", []byte("hello"), errs.ExtensionNotAllowed))
	fmt.Println("failures:", t.failures)
	// Output:
	// true
	// true
	// failures: 0
}

func ExampleAccepts() {
	t := &exampleT{}
	cfg := attachments.DefaultConfig()
	web := attachmentstest.Policy(t, cfg, attachments.SideCustomer, attachments.ChannelWeb)
	sms := attachmentstest.Policy(t, cfg, attachments.SideCustomer, attachments.ChannelSMS)
	fmt.Println(attachmentstest.Accepts(t, web, "notes.txt", []byte("hello")))
	// SMS carries no text files: the assertion fails, and says why.
	fmt.Println(attachmentstest.Accepts(t, sms, "notes.txt", []byte("hello")))
	fmt.Println("failures:", t.failures)
	// Output:
	// true
	// false
	// failures: 1
}

// A content rule that reads the file it checks: RunBefore stores the file
// first, as the library does, so File.Open reads the bytes that were sent.
func ExampleRunBefore() {
	t := &exampleT{}
	defer t.done()
	noPasswords := func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
		rc, err := p.File.Open(ctx)
		if err != nil {
			return p, err
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		if err != nil {
			return p, err
		}
		if strings.Contains(string(body), "password") {
			return p, attachments.Cancel("please do not send passwords")
		}
		return p, nil
	}
	err := attachmentstest.RunBefore(t, attachments.SendMediaMessage, noPasswords, "notes.txt", []byte("my password is hunter2"))
	fmt.Println(errs.CodeOf(err), "-", errs.As(err).Text())
	err = attachmentstest.RunBefore(t, attachments.SendMediaMessage, noPasswords, "notes.txt", []byte("my order is late"))
	fmt.Println(err, t.failures)
	// Output:
	// canceled - please do not send passwords
	// <nil> 0
}

// The same rule as a hooks listener, which sees every action as an Event.
func ExampleRunHook() {
	t := &exampleT{}
	defer t.done()
	noPasswords := func(ctx context.Context, e hooks.Event) error {
		rc, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if strings.Contains(string(body), "password") {
			return attachments.Cancel("please do not send passwords")
		}
		return nil
	}
	err := attachmentstest.RunHook(t, noPasswords, "notes.txt", []byte("my password is hunter2"))
	fmt.Println(errs.CodeOf(err))
	// Output: canceled
}

func ExampleNewClient() {
	t := &exampleT{}
	defer t.done()
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(), nil)
	res, err := h.Send(context.Background(), h.Customer, "notes.txt", []byte("hello"))
	if err != nil {
		fmt.Println(err)
		return
	}
	msgs := h.Chat.Messages(attachmentstest.Channel)
	fmt.Println(len(msgs), msgs[0].SID == res.Message.SID, res.Media[0].FileName, res.Media[0].ContentType)
	// Output: 1 true notes.txt text/plain
}
