package hooks_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/internal/hookstest"
)

// recorder keeps the events a listener saw.
type recorder struct {
	mu     sync.Mutex
	events []hooks.Event
}

func (r *recorder) add(e hooks.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) take() []hooks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// only returns the one event recorded, failing t otherwise.
func (r *recorder) only(t *testing.T) hooks.Event {
	t.Helper()
	ev := r.take()
	if len(ev) != 1 {
		t.Fatalf("listener saw %d events, want 1: %+v", len(ev), ev)
	}
	return ev[0]
}

func TestBeforeDescribesEachAction(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	c := f.Client
	var rec recorder
	remove, err := hooks.Before(c, func(_ context.Context, e hooks.Event) error {
		rec.add(e)
		return nil
	}, hooks.BuiltinActions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	png := hookstest.PNG(3, 2)

	// SendMediaMessage with a file: the stored media, openable.
	sent, err := f.Send(ctx, f.Customer, "photo.png", png)
	if err != nil {
		t.Fatal(err)
	}
	e := rec.only(t)
	want := sent.Media[0]
	if e.Action != "SendMediaMessage" || e.Channel != hookstest.Channel || e.Actor != f.Customer ||
		len(e.Media) != 1 || !reflect.DeepEqual(e.Media[0], want) || !e.HasFile() || e.FromDraft {
		t.Errorf("SendMediaMessage event = %+v, want the stored media %+v with a file", e, want)
	}
	if got := readAll(t, e); !bytes.Equal(got, png) {
		t.Errorf("Open read %d bytes, want the %d sent", len(got), len(png))
	}

	// AttachFile, then sending the draft: the draft's files, not openable.
	att, err := f.Attach(ctx, f.Agent, "plan.png", png)
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "AttachFile" || e.Actor != f.Agent || len(e.Media) != 1 ||
		e.Media[0].SID != att.Media.SID || !e.HasFile() {
		t.Errorf("AttachFile event = %+v, want media %s with a file", e, att.Media.SID)
	}
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: hookstest.Channel, Sender: f.Agent, FromDraft: true}); err != nil {
		t.Fatal(err)
	}
	e = rec.only(t)
	if !e.FromDraft || e.HasFile() || len(e.Media) != 1 || e.Media[0].SID != att.Media.SID || e.Media[0].FileName != "plan.png" {
		t.Errorf("SendMediaMessage from draft event = %+v, want the draft's file %s and no opener", e, att.Media.SID)
	}
	if _, err := e.Open(ctx); errs.CodeOf(err) != errs.InvalidArgument {
		t.Errorf("Open without a file = %v, want %q", err, errs.InvalidArgument)
	}

	// DownloadMedia by message: resolved, openable.
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
		Channel: hookstest.Channel, Requester: f.Agent, MessageSID: sent.Message.SID}); err != nil {
		t.Fatal(err)
	}
	e = rec.only(t)
	if e.Action != "DownloadMedia" || e.Actor != f.Agent || e.MessageSID != sent.Message.SID ||
		len(e.Media) != 1 || e.Media[0].SID != want.SID || !e.HasFile() {
		t.Errorf("DownloadMedia event = %+v, want media %s of message %s", e, want.SID, sent.Message.SID)
	}
	if got := readAll(t, e); !bytes.Equal(got, png) {
		t.Errorf("Open on download read %d bytes, want the %d sent", len(got), len(png))
	}

	// The actions without files.
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
		Channel: hookstest.Channel, Sender: f.Customer, Body: "secret text"}); err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "SendMessage" || e.Actor != f.Customer || len(e.Media) != 0 || e.HasFile() {
		t.Errorf("SendMessage event = %+v", e)
	}
	att2, err := f.Attach(ctx, f.Customer, "x.png", png)
	if err != nil {
		t.Fatal(err)
	}
	rec.take()
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.DetachFile, attachments.DetachFilePayload{
		Channel: hookstest.Channel, Sender: f.Customer, MediaSID: att2.Media.SID}); err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "DetachFile" || len(e.Media) != 1 || e.Media[0].SID != att2.Media.SID {
		t.Errorf("DetachFile event = %+v, want media %s", e, att2.Media.SID)
	}
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.BlockMember, attachments.BlockMemberPayload{
		Channel: hookstest.Channel, Requester: f.Agent, Target: f.Customer.Identity}); err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "BlockMember" || e.Actor != f.Agent || e.Target != f.Customer.Identity {
		t.Errorf("BlockMember event = %+v", e)
	}
	if _, err := attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage, attachments.DeleteMessagePayload{
		Channel: hookstest.Channel, Requester: f.Agent, MessageSID: sent.Message.SID}); err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "DeleteMessage" || e.MessageSID != sent.Message.SID {
		t.Errorf("DeleteMessage event = %+v", e)
	}
}

func readAll(t *testing.T, e hooks.Event) []byte {
	t.Helper()
	rc, err := e.Open(context.Background())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b
}

func TestBeforeCancels(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode errs.Code
		wantText string
	}{
		{"cancel", attachments.Cancel("not on Sundays"), errs.Canceled, "not on Sundays"},
		{"coded", &errs.Error{Code: errs.Infected, Details: errs.Details{Reason: "Eicar"}}, errs.Infected, errs.Infected.Message()},
		{"plain error", errors.New("boom"), errs.Canceled, errs.Canceled.Message()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hookstest.New(t)
			if _, err := hooks.Before(f.Client, func(context.Context, hooks.Event) error { return tt.err }, hooks.UploadActions()...); err != nil {
				t.Fatal(err)
			}
			_, err := f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1))
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Text() != tt.wantText {
				t.Fatalf("Send = %v, want code %q with message %q", err, tt.wantCode, tt.wantText)
			}
			if keys := f.Keys(t); len(keys) != 0 {
				t.Errorf("storage after a cancel holds %q, want nothing", keys)
			}
		})
	}
}

func TestAfterOutcomes(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	var rec recorder
	if _, err := hooks.After(f.Client, func(_ context.Context, e hooks.Event) { rec.add(e) }, hooks.MediaActions()...); err != nil {
		t.Fatal(err)
	}
	sent, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Code != hooks.OK || e.MessageSID != sent.Message.SID || len(e.Media) != 1 ||
		!reflect.DeepEqual(e.Media[0], sent.Media[0]) || e.HasFile() || e.Message != "" {
		t.Errorf("after a send, event = %+v, want ok with message %s and its media", e, sent.Message.SID)
	}

	// A refusal: the code and the message the sender was shown.
	_, err = f.Send(ctx, f.Customer, "cat.png", []byte("MZ\x90\x00not really a png at all"))
	if err == nil {
		t.Fatal("sending an executable named .png succeeded")
	}
	e := rec.only(t)
	if want := errs.As(err); e.Code != string(want.Code) || e.Message != want.Text() || e.MessageSID != "" {
		t.Errorf("after a refusal, event = %+v, want code %q message %q", e, want.Code, want.Text())
	}

	// A download: the media, never the link.
	if _, err := f.Download(ctx, f.Agent, sent.Media[0].SID); err != nil {
		t.Fatal(err)
	}
	if e := rec.only(t); e.Action != "DownloadMedia" || e.Code != hooks.OK || len(e.Media) != 1 || e.Media[0].SID != sent.Media[0].SID {
		t.Errorf("after a download, event = %+v", e)
	}
	if _, err := f.Download(ctx, f.Agent, "ME0123456789abcdef0123456789abcdef"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("download of unknown media = %v, want not found", err)
	}
	if e := rec.only(t); e.Code != string(errs.NotFound) {
		t.Errorf("after a failed download, event code = %q, want %q", e.Code, errs.NotFound)
	}
}

func TestInstallErrors(t *testing.T) {
	f := hookstest.New(t)
	nop := func(context.Context, hooks.Event) error { return nil }
	tests := []struct {
		name    string
		c       *attachments.Client
		fn      hooks.BeforeFunc
		actions []string
		want    errs.Code
	}{
		{"no actions", f.Client, nop, nil, errs.InvalidArgument},
		{"nil client", nil, nop, hooks.MediaActions(), errs.InvalidArgument},
		{"nil func", f.Client, nil, hooks.MediaActions(), errs.InvalidArgument},
		{"twice", f.Client, nop, []string{"AttachFile", "SendMediaMessage", "AttachFile"}, errs.InvalidArgument},
		{"unknown", f.Client, nop, []string{"SendMediaMessage", "Escalate"}, errs.UnknownAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remove, err := hooks.Before(tt.c, tt.fn, tt.actions...)
			if got := errs.CodeOf(err); got != tt.want || remove != nil {
				t.Errorf("Before = (remove %v, %v), want code %q and no remove", remove != nil, err, tt.want)
			}
		})
	}
	// A failed install leaves no listener behind.
	calls := 0
	_, err := hooks.Before(f.Client, func(context.Context, hooks.Event) error { calls++; return nil }, "SendMediaMessage", "Nope")
	if err == nil {
		t.Fatal("Before with an unknown action succeeded")
	}
	if _, err := f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(1, 1)); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("a listener of a failed install ran %d times, want 0", calls)
	}
	if _, err := hooks.After(f.Client, nil, "SendMediaMessage"); errs.CodeOf(err) != errs.InvalidArgument {
		t.Errorf("After(nil) = %v, want %q", err, errs.InvalidArgument)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	f := hookstest.New(t)
	var before, after []string
	rmBefore, err := hooks.Before(f.Client, func(_ context.Context, e hooks.Event) error {
		before = append(before, e.Action)
		return nil
	}, hooks.BuiltinActions()...)
	if err != nil {
		t.Fatal(err)
	}
	rmAfter, err := hooks.After(f.Client, func(_ context.Context, e hooks.Event) { after = append(after, e.Action) }, hooks.BuiltinActions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Send(ctx, f.Customer, "a.png", hookstest.PNG(1, 1)); err != nil {
		t.Fatal(err)
	}
	rmBefore()
	rmAfter()
	rmAfter() // a second call does nothing
	if _, err := f.Send(ctx, f.Customer, "b.png", hookstest.PNG(1, 1)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"SendMediaMessage"}; !slices.Equal(before, want) || !slices.Equal(after, want) {
		t.Errorf("listeners saw before %q after %q, want %q each: removed listeners ran", before, after, want)
	}
}
