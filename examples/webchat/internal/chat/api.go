package chat

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
)

// maxTextLen is the longest text message, in characters.
const maxTextLen = 4000

// routes returns the page, the API and the download links.
//
// Every API path starts with the view that acts: /api/{view}/…. The demo has
// no sign-in; a real host takes the member from its session instead. JSON
// goes both ways in camelCase; every refusal is {code, message, details}.
//
//	GET    state                              stateView
//	GET    events                             Server-Sent Events (handleEvents)
//	POST   messages {text}                    messageView
//	POST   messages/media (multipart)         messageView
//	DELETE messages/{sid}                     {deleted, media}
//	GET    messages/{sid}/media/{media}/link  {url, expiresAt, media}, a fresh link
//	GET    …/preview                          the same, the reader's cached inline link
//	POST   preflight {name, type, size}       204
//	POST   draft/files (multipart)            {draft, file}
//	DELETE draft/files/{media}                {draft}
//	POST   draft/send {text}                  messageView
//	POST   block {identity, mode}             {identity, previous, role}
//	POST   unblock {identity}                 {identity, previous, role}
//	GET    journal?limit=&before=             {entries, before}, the supervisor's only
//
// A multipart upload holds optional "text" and "size" fields, then "file".
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", pageHandler())
	mux.Handle(attachments.DefaultLinkPath, s.client.Links())

	api := func(pattern string, h func(w http.ResponseWriter, r *http.Request, p Person)) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" /api/{view}"+path, func(w http.ResponseWriter, r *http.Request) {
			p, ok := s.person(r.PathValue("view"))
			if !ok {
				s.fail(w, r, &errs.Error{Code: errs.NotFound, Message: "no such view"})
				return
			}
			h(w, r, p)
		})
	}
	api("GET /state", s.handleState)
	api("GET /events", s.handleEvents)
	api("POST /messages", s.handleSendText)
	api("POST /messages/media", s.handleSendMedia)
	api("DELETE /messages/{sid}", s.handleDelete)
	api("GET /messages/{sid}/media/{media}/link", s.handleLink)
	api("GET /messages/{sid}/media/{media}/preview", s.handlePreview)
	api("POST /preflight", s.handlePreflight)
	api("POST /draft/files", s.handleAttach)
	api("DELETE /draft/files/{media}", s.handleDetach)
	api("POST /draft/send", s.handleSendDraft)
	api("POST /block", s.handleBlock)
	api("POST /unblock", s.handleUnblock)
	api("GET /journal", s.handleJournal)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &errs.Error{Code: errs.NotFound, Message: "no such endpoint"})
	})
	return mux
}

func (s *Server) handleState(w http.ResponseWriter, r *http.Request, p Person) {
	st, err := s.state(r.Context(), p)
	s.respond(w, r, http.StatusOK, st, err)
}

type textRequest struct {
	Text string `json:"text"`
}

// checkText refuses a text message the page should not have sent.
func checkText(text string, required bool) error {
	switch {
	case required && strings.TrimSpace(text) == "":
		return &errs.Error{Code: errs.InvalidPayload, Message: "type a message first"}
	case utf8.RuneCountInString(text) > maxTextLen:
		return &errs.Error{Code: errs.InvalidPayload, Message: "messages are limited to 4,000 characters",
			Details: errs.Details{Limit: maxTextLen}}
	}
	return nil
}

func (s *Server) handleSendText(w http.ResponseWriter, r *http.Request, p Person) {
	var req textRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkText(req.Text, true); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.SendMessage,
		attachments.SendMessagePayload{Channel: Channel, Sender: p.Member, Body: req.Text})
	s.respond(w, r, http.StatusCreated, s.messageView(res.Message), err)
}

// respond answers with v, or with err when it is not nil.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, status, v)
}

// respondUpload is respond for an upload, whose body it reads to the end
// first (see finishUpload).
func (s *Server) respondUpload(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	finishUpload(w, r)
	s.respond(w, r, status, v, err)
}

// handleSendMedia sends a file in one request, without a draft: the
// multipart form holds an optional "text" (Conversations mode), an optional
// "size" (the declared size, so a file too large is refused before its
// bytes are read) and then the "file".
func (s *Server) handleSendMedia(w http.ResponseWriter, r *http.Request, p Person) {
	up, err := s.readUpload(w, r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text := up.fields["text"]
	if err := checkText(text, false); err != nil {
		s.respondUpload(w, r, 0, nil, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: Channel, Sender: p.Member, File: up.file, Text: text})
	s.respondUpload(w, r, http.StatusCreated, s.messageView(res.Message), err)
}

func (s *Server) handleAttach(w http.ResponseWriter, r *http.Request, p Person) {
	up, err := s.readUpload(w, r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.AttachFile,
		attachments.AttachFilePayload{Channel: Channel, Sender: p.Member, File: up.file})
	s.respondUpload(w, r, http.StatusCreated, draftReply{Draft: res.Draft, File: &res.Preview}, err)
}

func (s *Server) handleDetach(w http.ResponseWriter, r *http.Request, p Person) {
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.DetachFile,
		attachments.DetachFilePayload{Channel: Channel, Sender: p.Member, MediaSID: r.PathValue("media")})
	s.respond(w, r, http.StatusOK, draftReply{Draft: res.Draft}, err)
}

func (s *Server) handleSendDraft(w http.ResponseWriter, r *http.Request, p Person) {
	var req textRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkText(req.Text, false); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: Channel, Sender: p.Member, FromDraft: true, Text: req.Text})
	s.respond(w, r, http.StatusCreated, s.messageView(res.Message), err)
}

type preflightRequest struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// handlePreflight checks a file the person is about to upload from its name,
// type and size alone, so the page can refuse it before sending its bytes.
// The upload is checked again, content and all.
func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request, p Person) {
	var req preflightRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.preflight(r.Context(), p, req.Name, req.Type, req.Size); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// linkReply is a download link.
type linkReply struct {
	URL       string            `json:"url"`
	ExpiresAt string            `json:"expiresAt"`
	Media     attachments.Media `json:"media"`
	expires   time.Time
}

func newLinkReply(res attachments.DownloadMediaResult) linkReply {
	return linkReply{URL: res.Link.URL, ExpiresAt: res.Link.ExpiresAt.UTC().Format(time.RFC3339),
		Media: res.Media, expires: res.Link.ExpiresAt}
}

// handleLink returns a fresh temporary link to a message's media, minted by
// the DownloadMedia action; ?disposition=inline asks for one that shows the
// file in the page (granted to images and other types that cannot run
// script).
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request, p Person) {
	disp := links.Attachment
	switch r.URL.Query().Get("disposition") {
	case "", "attachment":
	case "inline":
		disp = links.Inline
	default:
		s.fail(w, r, &errs.Error{Code: errs.InvalidPayload, Message: "disposition is inline or attachment"})
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: Channel, Requester: p.Member,
			MessageSID: r.PathValue("sid"), MediaSID: r.PathValue("media"), Disposition: disp})
	s.respond(w, r, http.StatusOK, newLinkReply(res), err)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, p Person) {
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: Channel, Requester: p.Member, MessageSID: r.PathValue("sid")})
	if err == nil {
		s.previews.forget(r.PathValue("sid"))
	}
	if res.Media == nil {
		res.Media = []attachments.Media{}
	}
	s.respond(w, r, http.StatusOK, deleteReply{Deleted: res.Deleted, Media: res.Media}, err)
}

type memberRequest struct {
	Identity string `json:"identity"`
	// Mode is what a block takes away: "all" (the default) or "files".
	Mode attachments.BlockMode `json:"mode,omitempty"`
}

// draftReply answers a change to a draft: the draft as it is now and, for
// an attach, the file just attached.
type draftReply struct {
	Draft attachments.Draft    `json:"draft"`
	File  *attachments.Preview `json:"file,omitempty"`
}

// deleteReply answers a delete: whether the message was still there, and the
// files deleted with it.
type deleteReply struct {
	Deleted bool                `json:"deleted"`
	Media   []attachments.Media `json:"media"`
}

// roleReply answers a block or an unblock: the member's role before and
// after.
type roleReply struct {
	Identity string           `json:"identity"`
	Previous attachments.Role `json:"previous"`
	Role     attachments.Role `json:"role"`
}

func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request, p Person) {
	var req memberRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: Channel, Requester: p.Member, Target: req.Identity, Mode: req.Mode})
	s.respond(w, r, http.StatusOK, roleReply{Identity: req.Identity, Previous: res.Previous, Role: res.Role}, err)
}

func (s *Server) handleUnblock(w http.ResponseWriter, r *http.Request, p Person) {
	var req memberRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry, attachments.UnblockMember,
		attachments.UnblockMemberPayload{Channel: Channel, Requester: p.Member, Target: req.Identity})
	s.respond(w, r, http.StatusOK, roleReply{Identity: req.Identity, Previous: res.Previous, Role: res.Role}, err)
}
