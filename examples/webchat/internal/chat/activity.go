package chat

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
)

// Activity is one action as the supervisor's audit trail shows it: who did
// what, and whether the library let them, with the refusal's code and
// message.
type Activity struct {
	Action    string    `json:"action"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actorName"`
	OK        bool      `json:"ok"`
	Code      errs.Code `json:"code,omitempty"`
	Message   string    `json:"message,omitempty"`
	File      string    `json:"file,omitempty"`
	At        time.Time `json:"at"`
}

// maxActivityFile bounds the file name an activity shows, in characters.
const maxActivityFile = 80

// watchActivity adds an after-listener to every action the page invokes,
// which reports each outcome, refusals included, on the event stream. It is
// the same hook an audit log or a webhook would use.
func (s *Server) watchActivity() error {
	fileOf := func(f *attachments.File) string {
		if f == nil {
			return ""
		}
		if m, ok := f.Media(); ok {
			return m.FileName
		}
		return f.Name
	}
	r := s.client.Registry
	return errors.Join(
		watch(s, r, attachments.SendMessage, func(p attachments.SendMessagePayload, _ attachments.SendMessageResult) (string, string) {
			return p.Sender.Identity, ""
		}),
		watch(s, r, attachments.SendMediaMessage, func(p attachments.SendMediaMessagePayload, res attachments.SendMediaMessageResult) (string, string) {
			if len(res.Media) > 0 {
				return p.Sender.Identity, res.Media[0].FileName
			}
			return p.Sender.Identity, fileOf(p.File)
		}),
		watch(s, r, attachments.AttachFile, func(p attachments.AttachFilePayload, _ attachments.AttachFileResult) (string, string) {
			return p.Sender.Identity, fileOf(p.File)
		}),
		watch(s, r, attachments.DetachFile, func(p attachments.DetachFilePayload, _ attachments.DetachFileResult) (string, string) {
			return p.Sender.Identity, ""
		}),
		watch(s, r, attachments.DownloadMedia, func(p attachments.DownloadMediaPayload, res attachments.DownloadMediaResult) (string, string) {
			return p.Requester.Identity, res.Media.FileName
		}),
		watch(s, r, attachments.DeleteMessage, func(p attachments.DeleteMessagePayload, _ attachments.DeleteMessageResult) (string, string) {
			return p.Requester.Identity, ""
		}),
		watch(s, r, attachments.BlockMember, func(p attachments.BlockMemberPayload, _ attachments.BlockMemberResult) (string, string) {
			return p.Requester.Identity, ""
		}),
		watch(s, r, UnblockMember, func(p UnblockPayload, _ UnblockResult) (string, string) {
			return p.Requester.Identity, ""
		}),
	)
}

// watch reports each outcome of action a as an Activity; describe names the
// actor and the file, if any.
func watch[P, R any](s *Server, reg *attachments.Registry, a attachments.Action[P, R], describe func(P, R) (actor, file string)) error {
	_, err := attachments.OnAfter(reg, a, func(_ context.Context, p P, res R, err error) {
		actor, file := describe(p, res)
		act := Activity{Action: a.Name(), Actor: actor, ActorName: actor, OK: err == nil, File: clip(file), At: time.Now().UTC()}
		if q, ok := s.personByIdentity(actor); ok {
			act.ActorName = q.Name
		}
		if err != nil {
			rep, _ := replyOf(err)
			act.Code, act.Message = rep.Code, rep.Message
		}
		s.hub.Publish(Event{Kind: EventActivity, Channel: Channel, Activity: act})
	})
	return err
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxActivityFile {
		return s
	}
	r := []rune(s)
	return string(r[:maxActivityFile-1]) + "…"
}

// UnblockMember gives a blocked member back the role they had: an action of
// the demo's own, registered next to the built-in ones, with a guard of its
// own, listeners and all.
const UnblockMember attachments.Action[UnblockPayload, UnblockResult] = "UnblockMember"

// UnblockPayload is UnblockMember's payload.
type UnblockPayload struct {
	Channel   string
	Requester attachments.Member
	Target    string
}

// UnblockResult is UnblockMember's result.
type UnblockResult struct {
	Role attachments.Role `json:"role"`
}

func (s *Server) registerUnblock() error {
	guard := func(ctx context.Context, p UnblockPayload) error {
		role, err := s.hub.Role(ctx, p.Channel, p.Requester.Identity)
		if err != nil {
			return &errs.Error{Code: errs.PermissionDenied, Message: "you are not a member of this conversation", Err: err}
		}
		for _, perm := range s.roles[role] {
			if perm == attachments.PermBlockMember {
				return nil
			}
		}
		return &errs.Error{Code: errs.PermissionDenied, Message: "you are not allowed to unblock members"}
	}
	impl := func(ctx context.Context, p UnblockPayload) (UnblockResult, error) {
		target, ok := s.personByIdentity(p.Target)
		if !ok {
			return UnblockResult{}, &errs.Error{Code: errs.NotFound, Message: "no such member"}
		}
		if err := s.hub.SetRole(ctx, p.Channel, target.Member.Identity, target.Role); err != nil {
			return UnblockResult{}, err
		}
		return UnblockResult{Role: target.Role}, nil
	}
	return attachments.Register(s.client.Registry, UnblockMember, impl, guard)
}
