package httpapi

import (
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/ledger"
)

// The JSON this package answers with is camelCase throughout. It has views
// of its own rather than the core's types, whose tags follow Flex's wire
// format ("filename") and carry raw attributes a client need not see.

// MediaView is a stored file as a client sees it.
type MediaView struct {
	SID         string `json:"sid"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256,omitempty"`
	// Renditions are the thumbnails and previews made of it so far.
	Renditions []ledger.Rendition `json:"renditions,omitempty"`
}

// DraftView is a member's draft in one channel as a client sees it: the
// files attached, in the order attached, and the text kept with them.
type DraftView struct {
	Channel string      `json:"channel"`
	Text    string      `json:"text"`
	Files   []MediaView `json:"files"`
}

// MessageView is a sent message as a client sees it.
type MessageView struct {
	SID     string      `json:"sid"`
	Channel string      `json:"channel"`
	Author  string      `json:"author"`
	Body    string      `json:"body"`
	Created time.Time   `json:"created"`
	Media   []MediaView `json:"media"`
}

// SentReply answers an upload that sent a message.
type SentReply struct {
	Message MessageView `json:"message"`
}

// DraftReply answers a change to a draft; Media is the file attached, as
// stored, if one was.
type DraftReply struct {
	Media *MediaView `json:"media,omitempty"`
	Draft DraftView  `json:"draft"`
}

// LinkReply is a freshly minted download link.
type LinkReply struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	Media     MediaView `json:"media"`
}

// DeleteReply answers a deleted message.
type DeleteReply struct {
	Deleted bool        `json:"deleted"`
	Media   []MediaView `json:"media"`
}

func mediaView(m attachments.Media) MediaView {
	return MediaView{SID: m.SID, FileName: m.FileName, ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, Renditions: m.Renditions}
}

// draftReply is the answer to a change of d; attached is the file attached,
// if one was.
func draftReply(attached *attachments.Media, d attachments.Draft) DraftReply {
	rep := DraftReply{Draft: DraftView{Channel: d.Channel, Text: d.Text, Files: mediaViews(d.Files)}}
	if attached != nil {
		v := mediaView(*attached)
		rep.Media = &v
	}
	return rep
}

func mediaViews(list []attachments.Media) []MediaView {
	out := make([]MediaView, 0, len(list))
	for _, m := range list {
		out = append(out, mediaView(m))
	}
	return out
}

func sentReply(res attachments.SendMediaMessageResult) SentReply {
	m := res.Message
	media := res.Media
	if len(media) == 0 {
		media, _ = m.Media()
	}
	return SentReply{Message: MessageView{
		SID: m.SID, Channel: m.Channel, Author: m.Author, Body: m.Body, Created: m.Created, Media: mediaViews(media),
	}}
}
