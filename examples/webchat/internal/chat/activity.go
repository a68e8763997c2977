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
		watch(s, r, attachments.UnblockMember, func(p attachments.UnblockMemberPayload, _ attachments.UnblockMemberResult) (string, string) {
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
