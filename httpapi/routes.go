package httpapi

import (
	"net/http"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
)

func (h *Handler) routes() http.Handler {
	mux := http.NewServeMux()
	h.route(mux, "POST", "channels/{channel}/messages", h.handleSend)
	h.route(mux, "DELETE", "channels/{channel}/messages/{message}", h.handleDelete)
	for _, p := range []string{"channels/{channel}/messages/{message}/media/{media}", "channels/{channel}/media/{media}"} {
		h.route(mux, "GET", p, h.handleDownload(true))
		h.route(mux, "GET", p+"/link", h.handleDownload(false))
	}
	h.route(mux, "POST", "channels/{channel}/draft/files", h.handleAttach)
	h.route(mux, "DELETE", "channels/{channel}/draft/files/{media}", h.handleDetach)
	h.route(mux, "POST", "channels/{channel}/draft/send", h.handleSendDraft)
	h.route(mux, "POST", "channels/{channel}/preflight", h.handlePreflight)
	h.tus.routes(mux)
	mux.Handle("GET "+h.path+"openapi.json", serveOpenAPI(h.openAPI))
	mux.HandleFunc(h.path, func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, &errs.Error{Code: errs.NotFound, Message: "no such endpoint"})
	})
	return mux
}

// startUpload counts an upload in flight, which holds the in-flight slot
// release gives back; done ends it, counting its outcome, its bytes and its
// duration. The quotas are the Client's, reserved in its ledger as the
// bytes arrive.
func (h *Handler) startUpload(c *call, kind string, release func()) (done func(error)) {
	start := h.now()
	h.metrics.active.Inc()
	return func(err error) {
		h.metrics.active.Dec()
		release()
		h.metrics.uploaded(kind, err)
		h.metrics.bytesIn.Add(float64(c.body.n.Load())) // the whole body: the form's framing was read before the start
		h.metrics.duration.WithLabelValues(kind).Observe(h.now().Sub(start).Seconds())
	}
}

// openUpload checks the request's declared length, takes an in-flight
// upload slot before a byte of the body is read (a client dribbling its
// form's fields holds one too), reads the multipart body up to its file and
// starts the upload.
func (h *Handler) openUpload(c *call, w http.ResponseWriter) (*upload, func(error), error) {
	if c.r.ContentLength > h.maxUpload {
		return nil, nil, &errs.Error{Code: errs.FileTooLarge, Op: "upload", Message: "the file is too large",
			Details: errs.Details{Limit: h.maxFile, Size: c.r.ContentLength}}
	}
	release, err := h.limits.acquire(c.member.Identity, c.channel)
	if err != nil {
		return nil, nil, err
	}
	c.r.Body = http.MaxBytesReader(w, c.r.Body, h.maxUpload)
	up, err := h.readUpload(c)
	if err != nil {
		release()
		return nil, nil, err
	}
	return up, h.startUpload(c, kindMultipart, release), nil
}

func (h *Handler) handleSend(w http.ResponseWriter, c *call) error {
	up, done, err := h.openUpload(c, w)
	if err != nil {
		return err
	}
	res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: c.channel, Sender: c.member, File: up.file, Text: up.fields["text"]})
	done(err)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, sentReply(res))
	return nil
}

func (h *Handler) handleAttach(w http.ResponseWriter, c *call) error {
	up, done, err := h.openUpload(c, w)
	if err != nil {
		return err
	}
	res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.AttachFile,
		attachments.AttachFilePayload{Channel: c.channel, Sender: c.member, File: up.file})
	done(err)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, draftReply(&res.Media, res.Draft))
	return nil
}

func (h *Handler) handleDetach(w http.ResponseWriter, c *call) error {
	res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.DetachFile,
		attachments.DetachFilePayload{Channel: c.channel, Sender: c.member, MediaSID: c.r.PathValue("media")})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, draftReply(nil, res.Draft))
	return nil
}

// SendDraftRequest is the body of a request to send the draft.
type SendDraftRequest struct {
	// Text is the message's text, in ModeConversations only.
	Text string `json:"text"`
}

func (h *Handler) handleSendDraft(w http.ResponseWriter, c *call) error {
	var req SendDraftRequest
	if err := DecodeJSON(w, c.r, &req); err != nil {
		return err
	}
	res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: c.channel, Sender: c.member, FromDraft: true, Text: req.Text})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, sentReply(res))
	return nil
}

// PreflightRequest describes a file a member is about to upload.
type PreflightRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

func (h *Handler) handlePreflight(w http.ResponseWriter, c *call) error {
	var req PreflightRequest
	if err := DecodeJSON(w, c.r, &req); err != nil {
		return err
	}
	if req.Size < 0 {
		return &errs.Error{Code: errs.InvalidPayload, Message: "the declared size is not a size"}
	}
	if err := h.client.Preflight(c.r.Context(), c.channel, c.member, req.Name, req.ContentType, req.Size); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) handleDelete(w http.ResponseWriter, c *call) error {
	res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: c.channel, Requester: c.member, MessageSID: c.r.PathValue("message")})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, DeleteReply{Deleted: res.Deleted, Media: mediaViews(res.Media)})
	return nil
}

// handleDownload mints a download link through DownloadMedia and redirects
// to it (303) or returns it as JSON. ?disposition=inline asks for a link
// that shows the file in the page, which the links handler grants only to
// types that cannot run script.
func (h *Handler) handleDownload(redirect bool) func(w http.ResponseWriter, c *call) error {
	return func(w http.ResponseWriter, c *call) error {
		disp := links.Attachment
		switch c.r.URL.Query().Get("disposition") {
		case "", "attachment":
		case "inline":
			disp = links.Inline
		default:
			return &errs.Error{Code: errs.InvalidPayload, Message: "disposition is inline or attachment"}
		}
		res, err := attachments.Invoke(c.r.Context(), h.client.Registry(), attachments.DownloadMedia,
			attachments.DownloadMediaPayload{Channel: c.channel, Requester: c.member,
				MessageSID: c.r.PathValue("message"), MediaSID: c.r.PathValue("media"), Disposition: disp})
		if err != nil {
			return err
		}
		h.metrics.linksIssued.Inc()
		if redirect {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, c.r, res.Link.URL, http.StatusSeeOther)
			return nil
		}
		WriteJSON(w, http.StatusOK, LinkReply{URL: res.Link.URL, ExpiresAt: res.Link.ExpiresAt.UTC().Truncate(time.Second), Media: mediaView(res.Media)})
		return nil
	}
}
