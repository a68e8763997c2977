package chat

import (
	"context"
	"time"

	"github.com/attachkit/attachments"
)

// messageView is a message as the page shows it.
type messageView struct {
	SID        string              `json:"sid"`
	Author     string              `json:"author"`
	AuthorName string              `json:"authorName"`
	AuthorView string              `json:"authorView"`
	Body       string              `json:"body"`
	Created    time.Time           `json:"created"`
	Media      []attachments.Media `json:"media"`
}

func (s *Server) messageView(m attachments.Message) messageView {
	v := messageView{SID: m.SID, Author: m.Author, AuthorName: m.Author, Body: m.Body, Created: m.Created,
		Media: []attachments.Media{}}
	if p, ok := s.personByIdentity(m.Author); ok {
		v.AuthorName, v.AuthorView = p.Name, p.View
	}
	if media, err := m.Media(); err == nil && media != nil {
		v.Media = media
	}
	return v
}

// personView is a person as the page shows them, with what their role lets
// them do right now.
type personView struct {
	View        string                   `json:"view"`
	Identity    string                   `json:"identity"`
	Name        string                   `json:"name"`
	Side        attachments.Side         `json:"side"`
	Role        attachments.Role         `json:"role"`
	Permissions []attachments.Permission `json:"permissions"`
}

func (s *Server) personView(ctx context.Context, p Person) personView {
	role, err := s.hub.Role(ctx, Channel, p.Member.Identity)
	if err != nil {
		role = ""
	}
	perms := s.client.Permissions(role) // a blocked role's too
	if perms == nil {
		perms = []attachments.Permission{}
	}
	side, _ := s.client.SideOf(ctx, Channel, p.Member.Identity) // the role's, as the library applies it
	return personView{View: p.View, Identity: p.Member.Identity, Name: p.Name, Side: side,
		Role: role, Permissions: perms}
}

// policyView is one side's upload policy, as the page shows it.
type policyView struct {
	Enabled     bool     `json:"enabled"`
	MaxFileSize int64    `json:"maxFileSize"`
	Extensions  []string `json:"extensions"`
}

// stateView is everything a view needs to draw itself.
type stateView struct {
	Channel         string                          `json:"channel"`
	Me              personView                      `json:"me"`
	People          []personView                    `json:"people"`
	Mode            attachments.Mode                `json:"mode"`
	FilesPerMessage int                             `json:"filesPerMessage"`
	LinkLifetime    float64                         `json:"linkLifetimeSeconds"`
	VirusScan       string                          `json:"virusScan"`
	Policies        map[attachments.Side]policyView `json:"policies"`
	Messages        []messageView                   `json:"messages"`
	Draft           attachments.Draft               `json:"draft"`
}

func (s *Server) state(ctx context.Context, p Person) (stateView, error) {
	cfg := s.client.Config()
	st := stateView{
		Channel:         Channel,
		Me:              s.personView(ctx, p),
		Mode:            cfg.Mode,
		FilesPerMessage: cfg.FilesPerMessage,
		LinkLifetime:    cfg.LinkLifetime.Seconds(),
		VirusScan:       s.scan,
		Policies:        map[attachments.Side]policyView{},
		Messages:        []messageView{},
	}
	var err error
	if st.Draft, err = s.client.Draft(ctx, Channel, p.Member); err != nil {
		s.log.Error("webchat: could not read a draft", "err", err)
	}
	for _, q := range s.cast {
		pv := s.personView(ctx, q)
		st.People = append(st.People, pv)
		if pv.Side == "" {
			continue
		}
		pol, _ := cfg.PolicyIn(pv.Side, attachments.ChannelWeb) // web chat narrows nothing
		st.Policies[pv.Side] = policyView{Enabled: pol.Enabled, MaxFileSize: pol.SizeLimit(), Extensions: pol.Extensions()}
	}
	for _, m := range s.hub.Messages(Channel) {
		st.Messages = append(st.Messages, s.messageView(m))
	}
	return st, nil
}
