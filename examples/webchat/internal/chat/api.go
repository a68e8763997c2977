package chat

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/preview"
)

// maxTextLen is the longest text message, in characters.
const maxTextLen = 4000

// viewHeader is the request header that names the view acting on the
// library's API (httpapi). It only picks which of the browser's sessions
// the request uses (the page holds three people's): without that view's
// session cookie it names nobody. A product with one person per browser
// has no need of it.
const viewHeader = "X-Webchat-View"

// LinkPath is where the demo serves download links.
const LinkPath = "/attachments/dl/"

// member is the demo's httpapi.MemberFunc: the person signed in to the view
// the page names in viewHeader, from that view's session cookie.
func (s *Server) member(r *http.Request) (attachments.Member, error) {
	p, err := s.signedIn(r, r.Header.Get(viewHeader))
	if err != nil {
		return attachments.Member{}, err
	}
	return p.Member, nil
}

// headerView is the view a request to the library's API names.
func headerView(r *http.Request) string { return r.Header.Get(viewHeader) }

// pathView is the view a request to the demo's own API names.
func pathView(r *http.Request) string { return r.PathValue("view") }

// routes returns the page, the sign-in, the library's API, the download
// links and the demo's own small API.
//
// Files go through the library's handlers (httpapi), mounted at
// httpapi.DefaultPath, with the view in the X-Webchat-View header: upload
// and send, tus uploads, the draft, download links, deletes and the
// preflight (see httpapi.Handler for its routes). What is left is what a
// chat host has anyway, under /api/{view}/, in camelCase like httpapi's,
// every refusal httpapi's ErrorBody with httpapi.Status:
//
//	POST   /session/{view}                         sessionReply: sign the view in (sets its cookie)
//	DELETE /session/{view}                         sign it out
//	GET    state                                   stateView
//	GET    events                                  Server-Sent Events (handleEvents)
//	POST   messages {text}                         messageView, a text message
//	GET    media/{media}/renditions/{name}?message=  renditionReply, an inline link to a thumbnail or preview
//	POST   block {identity, mode}                  {identity, previous, role}
//	POST   unblock {identity}                      {identity, previous, role}
//	GET    journal?limit=&before=                  {entries, before}, the supervisor's only
//
// Every route but the page and the sign-in needs the view's session; a
// refusal of an action, whoever refuses it, goes in the journal (audit).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", pageHandler())
	mux.HandleFunc("POST /session/{view}", s.handleSignIn)
	mux.HandleFunc("DELETE /session/{view}", s.handleSignOut)
	mux.Handle(LinkPath, linkCache(s.api.Links()))
	mux.Handle(httpapi.DefaultPath, s.api)
	for route, action := range map[string]string{
		"POST channels/{channel}/preflight":                            Preflight,
		"POST channels/{channel}/draft/files":                          "AttachFile",
		"DELETE channels/{channel}/draft/files/{media}":                "DetachFile",
		"POST channels/{channel}/draft/send":                           "SendMediaMessage",
		"POST channels/{channel}/messages":                             "SendMediaMessage",
		"POST channels/{channel}/uploads":                              tusCreation,
		"DELETE channels/{channel}/messages/{message}":                 "DeleteMessage",
		"GET channels/{channel}/messages/{message}/media/{media}":      "DownloadMedia",
		"GET channels/{channel}/messages/{message}/media/{media}/link": "DownloadMedia",
		"GET channels/{channel}/media/{media}":                         "DownloadMedia",
		"GET channels/{channel}/media/{media}/link":                    "DownloadMedia",
	} {
		method, path, _ := strings.Cut(route, " ")
		mux.Handle(method+" "+httpapi.DefaultPath+path, s.audit(action, headerView, s.api))
	}

	api := func(pattern, action string, h func(w http.ResponseWriter, r *http.Request, p Person)) {
		method, path, _ := strings.Cut(pattern, " ")
		var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := s.signedIn(r, r.PathValue("view"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			h(w, r, p)
		})
		if action != "" {
			handler = s.audit(action, pathView, handler)
		}
		mux.Handle(method+" /api/{view}"+path, handler)
	}
	api("GET /state", "", s.handleState)
	api("GET /events", "", s.handleEvents)
	api("POST /messages", "SendMessage", s.handleSendText)
	api("GET /media/{media}/renditions/{name}", "", s.handleRendition)
	api("POST /block", "BlockMember", s.handleBlock)
	api("POST /unblock", "UnblockMember", s.handleUnblock)
	api("GET /journal", "", s.handleJournal)
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
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkText(req.Text, true); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry(), attachments.SendMessage,
		attachments.SendMessagePayload{Channel: Channel, Sender: p.Member, Body: req.Text})
	s.respond(w, r, http.StatusCreated, s.messageView(res.Message), err)
}

// respond answers with v, or with err when it is not nil.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, status, v)
}

type memberRequest struct {
	Identity string `json:"identity"`
	// Mode is what a block takes away: "all" (the default) or "files".
	Mode attachments.BlockMode `json:"mode,omitempty"`
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
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry(), attachments.BlockMember,
		attachments.BlockMemberPayload{Channel: Channel, Requester: p.Member, Target: req.Identity, Mode: req.Mode})
	s.respond(w, r, http.StatusOK, roleReply{Identity: req.Identity, Previous: res.Previous, Role: res.Role}, err)
}

func (s *Server) handleUnblock(w http.ResponseWriter, r *http.Request, p Person) {
	var req memberRequest
	if err := httpapi.DecodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry(), attachments.UnblockMember,
		attachments.UnblockMemberPayload{Channel: Channel, Requester: p.Member, Target: req.Identity})
	s.respond(w, r, http.StatusOK, roleReply{Identity: req.Identity, Previous: res.Previous, Role: res.Role}, err)
}

// renditionReply is an inline link to a rendition of a picture, with the
// size and placeholder the page paints while it loads.
type renditionReply struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	BlurHash  string    `json:"blurHash,omitempty"`
}

// handleRendition mints an inline link to a rendition ("thumbnail" or
// "preview") of a sent picture (?message= names its message) or of one in
// the reader's draft. It goes through DownloadMedia, whose guard checks the
// reader's role and channel as for the original; a rendition fetch is
// showing the picture, not handing out the file, so the library does not
// journal it. A picture with no such rendition is not_found, and the page
// shows a file icon instead.
func (s *Server) handleRendition(w http.ResponseWriter, r *http.Request, p Person) {
	name := r.PathValue("name")
	if name != preview.ThumbnailName && name != preview.PreviewName {
		s.fail(w, r, &errs.Error{Code: errs.NotFound, Message: "no such rendition"})
		return
	}
	res, err := attachments.Invoke(r.Context(), s.client.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: Channel, Requester: p.Member, MessageSID: r.URL.Query().Get("message"),
			MediaSID: r.PathValue("media"), Disposition: links.Inline, Rendition: name})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep := renditionReply{URL: res.Link.URL, ExpiresAt: res.Link.ExpiresAt.UTC().Truncate(time.Second)}
	for _, rd := range res.Media.Renditions {
		if rd.Name == name {
			rep.Width, rep.Height, rep.BlurHash = rd.Width, rd.Height, rd.BlurHash
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
}
