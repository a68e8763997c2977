package hooks

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// BeforeFunc is a listener that sees an action before it runs, after its
// guard. A nil error lets the action go on; attachments.Cancel(reason) or an
// *errs.Error with a code of its own stops it, and Invoke returns that code
// and message to the caller. Any other error stops it as errs.Canceled.
type BeforeFunc func(ctx context.Context, e Event) error

// AfterFunc is a listener that sees how an action ended, canceled and failed
// ones included. It runs on the caller's goroutine, so it must be quick: hand
// slow work (a network call) to a goroutine it owns, as webhook.Notifier does.
type AfterFunc func(ctx context.Context, e Event)

// MediaActions returns the names of the built-in actions that carry a file:
// SendMediaMessage, AttachFile and DownloadMedia.
func MediaActions() []string {
	return []string{string(attachments.SendMediaMessage), string(attachments.AttachFile), string(attachments.DownloadMedia)}
}

// UploadActions returns the names of the built-in actions that store a file
// a member sends: SendMediaMessage and AttachFile.
func UploadActions() []string {
	return []string{string(attachments.SendMediaMessage), string(attachments.AttachFile)}
}

// BuiltinActions returns the names of every built-in action, the ones Before
// and After can describe.
func BuiltinActions() []string {
	return []string{
		string(attachments.SendMessage), string(attachments.SendMediaMessage), string(attachments.AttachFile),
		string(attachments.DetachFile), string(attachments.DownloadMedia), string(attachments.DeleteMessage),
		string(attachments.BlockMember), string(attachments.UnblockMember),
	}
}

// Before adds fn as a before-listener of each named built-in action of c
// (see MediaActions, UploadActions, BuiltinActions) and returns a function
// that removes all of them. It is a thin adapter: for each action it adds
// one attachments.OnBefore listener that describes the payload as an Event
// and calls fn, so fn runs where a typed listener runs, after the guard,
// with the file stored. It exists because one Event-shaped listener (a
// scanner, a webhook) serves every action, where a typed listener is
// written per payload type; an action is named by its name,
// string(attachments.SendMediaMessage), as webhook payloads name it. It adds none and returns an errs.UnknownAction
// error for a name that is not a built-in action, and an
// errs.InvalidArgument error for no names, a name given twice, or a nil c or
// fn.
//
// For DownloadMedia, Before resolves the media the payload names
// (Client.ResolveMedia) to fill in the Event; an error doing so stops the
// action with that error, as the action itself would have stopped.
func Before(c *attachments.Client, fn BeforeFunc, actions ...string) (remove func(), err error) {
	if fn == nil {
		return nil, invalid("before", "nil listener")
	}
	return install(c, "before", actions, func(name string) (func(), error) {
		switch name {
		case string(attachments.SendMessage):
			return before(c, attachments.SendMessage, fn, func(_ context.Context, p attachments.SendMessagePayload) (Event, error) {
				return Event{Channel: p.Channel, Actor: p.Sender, Media: attributeMedia(p.Attributes)}, nil
			})
		case string(attachments.SendMediaMessage):
			return before(c, attachments.SendMediaMessage, fn, func(ctx context.Context, p attachments.SendMediaMessagePayload) (Event, error) {
				e := Event{Channel: p.Channel, Actor: p.Sender, FromDraft: p.FromDraft}
				if p.FromDraft {
					d, err := c.Draft(ctx, p.Channel, p.Sender)
					if err != nil {
						return e, err
					}
					e.Media = d.Files
					return e, nil
				}
				e.withFile(p.File)
				return e, nil
			})
		case string(attachments.AttachFile):
			return before(c, attachments.AttachFile, fn, func(_ context.Context, p attachments.AttachFilePayload) (Event, error) {
				e := Event{Channel: p.Channel, Actor: p.Sender}
				e.withFile(p.File)
				return e, nil
			})
		case string(attachments.DetachFile):
			return before(c, attachments.DetachFile, fn, func(_ context.Context, p attachments.DetachFilePayload) (Event, error) {
				return Event{Channel: p.Channel, Actor: p.Sender, Media: []attachments.Media{{SID: p.MediaSID}}}, nil
			})
		case string(attachments.DownloadMedia):
			return before(c, attachments.DownloadMedia, fn, func(ctx context.Context, p attachments.DownloadMediaPayload) (Event, error) {
				md, err := c.ResolveMedia(ctx, p)
				if err != nil {
					return Event{}, err
				}
				return Event{Channel: p.Channel, Actor: p.Requester, MessageSID: p.MessageSID, Media: []attachments.Media{md},
					open: func(ctx context.Context) (io.ReadCloser, error) { return c.OpenMedia(ctx, md.SID) }}, nil
			})
		case string(attachments.DeleteMessage):
			return before(c, attachments.DeleteMessage, fn, func(_ context.Context, p attachments.DeleteMessagePayload) (Event, error) {
				return Event{Channel: p.Channel, Actor: p.Requester, MessageSID: p.MessageSID}, nil
			})
		case string(attachments.BlockMember):
			return before(c, attachments.BlockMember, fn, func(_ context.Context, p attachments.BlockMemberPayload) (Event, error) {
				return Event{Channel: p.Channel, Actor: p.Requester, Target: p.Target}, nil
			})
		case string(attachments.UnblockMember):
			return before(c, attachments.UnblockMember, fn, func(_ context.Context, p attachments.UnblockMemberPayload) (Event, error) {
				return Event{Channel: p.Channel, Actor: p.Requester, Target: p.Target}, nil
			})
		}
		return nil, unknown("before", name)
	})
}

// After adds fn as an after-listener of each named built-in action of c and
// returns a function that removes all of them. Its errors are Before's.
//
// The Event fn sees is fn's own: its Media is a copy, so fn may keep it or
// hand it to another goroutine.
func After(c *attachments.Client, fn AfterFunc, actions ...string) (remove func(), err error) {
	if fn == nil {
		return nil, invalid("after", "nil listener")
	}
	return install(c, "after", actions, func(name string) (func(), error) {
		switch name {
		case string(attachments.SendMessage):
			return after(c, attachments.SendMessage, fn, func(p attachments.SendMessagePayload, res attachments.SendMessageResult) Event {
				media := attributeMedia(p.Attributes)
				return Event{Channel: p.Channel, Actor: p.Sender, MessageSID: res.Message.SID, Media: media}
			})
		case string(attachments.SendMediaMessage):
			return after(c, attachments.SendMediaMessage, fn, func(p attachments.SendMediaMessagePayload, res attachments.SendMediaMessageResult) Event {
				e := Event{Channel: p.Channel, Actor: p.Sender, MessageSID: res.Message.SID, FromDraft: p.FromDraft,
					Media: slices.Clone(res.Media)}
				if len(e.Media) == 0 {
					e.Media = storedMedia(p.File)
				}
				return e
			})
		case string(attachments.AttachFile):
			return after(c, attachments.AttachFile, fn, func(p attachments.AttachFilePayload, _ attachments.AttachFileResult) Event {
				return Event{Channel: p.Channel, Actor: p.Sender, Media: storedMedia(p.File)}
			})
		case string(attachments.DetachFile):
			return after(c, attachments.DetachFile, fn, func(p attachments.DetachFilePayload, _ attachments.DetachFileResult) Event {
				return Event{Channel: p.Channel, Actor: p.Sender, Media: []attachments.Media{{SID: p.MediaSID}}}
			})
		case string(attachments.DownloadMedia):
			return after(c, attachments.DownloadMedia, fn, func(p attachments.DownloadMediaPayload, res attachments.DownloadMediaResult) Event {
				e := Event{Channel: p.Channel, Actor: p.Requester, MessageSID: p.MessageSID}
				switch {
				case res.Media.SID != "":
					e.Media = []attachments.Media{res.Media}
				case p.MediaSID != "":
					e.Media = []attachments.Media{{SID: p.MediaSID}}
				}
				return e
			})
		case string(attachments.DeleteMessage):
			return after(c, attachments.DeleteMessage, fn, func(p attachments.DeleteMessagePayload, res attachments.DeleteMessageResult) Event {
				return Event{Channel: p.Channel, Actor: p.Requester, MessageSID: p.MessageSID, Media: slices.Clone(res.Media)}
			})
		case string(attachments.BlockMember):
			return after(c, attachments.BlockMember, fn, func(p attachments.BlockMemberPayload, _ attachments.BlockMemberResult) Event {
				return Event{Channel: p.Channel, Actor: p.Requester, Target: p.Target}
			})
		case string(attachments.UnblockMember):
			return after(c, attachments.UnblockMember, fn, func(p attachments.UnblockMemberPayload, _ attachments.UnblockMemberResult) Event {
				return Event{Channel: p.Channel, Actor: p.Requester, Target: p.Target}
			})
		}
		return nil, unknown("after", name)
	})
}

func before[P, R any](c *attachments.Client, a attachments.Action[P, R], fn BeforeFunc,
	describe func(context.Context, P) (Event, error)) (func(), error) {
	return attachments.OnBefore(c.Registry(), a, func(ctx context.Context, p P) (P, error) {
		e, err := describe(ctx, p)
		if err != nil {
			return p, err
		}
		e.Action = string(a)
		// The guard has found the actor in the directory; a directory that
		// fails now stops the action, as the guard's own lookup would have.
		if e.Side, err = c.SideOf(ctx, e.Channel, e.Actor.Identity); err != nil {
			return p, err
		}
		return p, fn(ctx, e)
	})
}

func after[P, R any](c *attachments.Client, a attachments.Action[P, R], fn AfterFunc,
	describe func(P, R) Event) (func(), error) {
	return attachments.OnAfter(c.Registry(), a, func(ctx context.Context, p P, res R, err error) {
		e := describe(p, res)
		e.Action = string(a)
		e.outcome(err)
		// An actor the directory does not know (the action was refused for
		// it) has no side.
		e.Side, _ = c.SideOf(ctx, e.Channel, e.Actor.Identity)
		fn(ctx, e)
	})
}

// install calls add for each name and returns a function that undoes every
// add. On the first error it undoes the ones done and returns the error.
func install(c *attachments.Client, kind string, names []string, add func(name string) (func(), error)) (func(), error) {
	if c == nil {
		return nil, invalid(kind, "nil client")
	}
	if len(names) == 0 {
		return nil, invalid(kind, "no actions named")
	}
	var removes []func()
	removeAll := func() {
		for _, rm := range slices.Backward(removes) {
			rm()
		}
	}
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			removeAll()
			return nil, invalid(kind, fmt.Sprintf("action %s named twice", name))
		}
		rm, err := add(name)
		if err != nil {
			removeAll()
			return nil, err
		}
		removes = append(removes, rm)
	}
	return removeAll, nil
}

// withFile sets e's media and opener from a file the guard stored.
func (e *Event) withFile(f *attachments.File) {
	e.Media = storedMedia(f)
	if len(e.Media) == 1 {
		e.open = f.Open
	}
}

func storedMedia(f *attachments.File) []attachments.Media {
	if f == nil {
		return nil
	}
	if m, ok := f.Media(); ok {
		return []attachments.Media{m}
	}
	return nil
}

// attributeMedia returns the media a message's attributes carry. The guard
// has checked them; malformed ones are left out.
func attributeMedia(attrs map[string]any) []attachments.Media {
	media, err := attachments.Message{Attributes: attrs}.Media()
	if err != nil {
		return nil
	}
	return slices.Clone(media)
}

func invalid(kind, msg string) error {
	return &errs.Error{Code: errs.InvalidArgument, Op: "hooks " + kind, Message: msg}
}

func unknown(kind, name string) error {
	return &errs.Error{Code: errs.UnknownAction, Op: "hooks " + kind,
		Message: fmt.Sprintf("hooks cannot describe action %q: name built-in actions only", name)}
}
