package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

// Options are Open's optional settings. A nil *Options means all defaults.
type Options struct {
	// Config is the attachments configuration. Default:
	// attachments.DefaultConfig().
	Config *attachments.Config
	// Logger receives the server's and the library's log lines. Default:
	// slog.Default().
	Logger *slog.Logger
	// Setup, when set, is called with the Client once the server has wired
	// it, before it serves a request: the place to add listeners (a virus
	// scan, a content check) or replace actions. An error fails Open.
	Setup func(*attachments.Client) error
	// VirusScan names the virus scan Setup installs, if any ("ClamAV 1.4.3",
	// say), for the page's policy panel. Default "": no scan.
	VirusScan string
	// SessionLifetime is how long a sign-in lasts. Default
	// DefaultSessionLifetime.
	SessionLifetime time.Duration
	// Now is the clock that sessions and the refusals the demo journals
	// read. Default time.Now.
	Now func() time.Time
}

// Server is the demo: the attachments Client wired to local storage, the
// Hub as its chat and directory of members, the download links, and the
// HTTP API and page. It is an http.Handler; serve it at the root of a host.
type Server struct {
	client  *attachments.Client
	hub     *Hub
	store   *storage.Bucket
	ledger  *sqlledger.Ledger
	roles   map[attachments.Role][]attachments.Permission
	cast    []Person
	log     *slog.Logger
	scan    string // Options.VirusScan
	handler http.Handler
	// api is the library's HTTP API (httpapi): uploads, tus, drafts, links
	// and deletes. The demo's own routes are only what a chat host has
	// anyway: state, events, text messages, blocks and the journal.
	api *httpapi.Handler
	// renditions makes the pictures' thumbnails and previews.
	renditions *preview.Previews
	// sessions are the views' sign-ins.
	sessions *sessions
	// journal is the ledger's journal, as the Client writes to it.
	journal journalFeed
}

// Open starts the demo on the data directory dir, creating it when it is
// missing: media in dir/storage (the local-disk driver), the ledger of
// files, drafts and the journal in dir/ledger.db (SQLite), the chat history
// in dir/chat.jsonl, the key that signs download links in dir/link.key and
// the one that signs session cookies in dir/session.key.
// What is there already is picked up again, so a restart keeps the
// conversation, its files, the drafts and the audit trail.
//
// Close the Server when done.
func Open(dir string, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	cfg := attachments.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = DefaultSessionLifetime
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	store, err := openStorage(filepath.Join(dir, "storage"))
	if err != nil {
		return nil, err
	}
	l, err := sqlite.Open(context.Background(), filepath.Join(dir, "ledger.db"))
	if err != nil {
		store.Close()
		return nil, err
	}
	s, err := open(dir, cfg, o, store, l)
	if err != nil {
		l.Close()
		store.Close()
		return nil, err
	}
	return s, nil
}

// openStorage opens the bucket that holds the media: the local-disk driver,
// which streams each file into a temporary file and renames it into place,
// so a file appears whole or not at all.
func openStorage(dir string) (*storage.Bucket, error) {
	return filesystem.Open(dir, &filesystem.Options{CreateDir: true})
}

func open(dir string, cfg attachments.Config, o Options, store *storage.Bucket, l *sqlledger.Ledger) (*Server, error) {
	key, err := loadLinkKey(filepath.Join(dir, "link.key"))
	if err != nil {
		return nil, err
	}
	sessionKey, err := loadSessionKey(filepath.Join(dir, "session.key"))
	if err != nil {
		return nil, err
	}
	signer, err := links.NewSigner(key, nil)
	if err != nil {
		return nil, err
	}
	dl, err := links.New(store, signer, LinkPath, &links.Options{Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	hub, err := OpenHub(filepath.Join(dir, "chat.jsonl"), o.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{hub: hub, store: store, ledger: l, roles: attachments.DefaultRoles(), cast: Cast(), log: o.Logger, scan: o.VirusScan,
		sessions: &sessions{key: sessionKey, lifetime: o.SessionLifetime, now: o.Now}, journal: journalFeed{Ledger: l, hub: hub}}
	ctx := context.Background()
	for _, p := range s.cast {
		if !hub.hasRole(Channel, p.Member.Identity) {
			if err := hub.SetRole(ctx, Channel, p.Member.Identity, p.Role); err != nil {
				hub.Close()
				return nil, err
			}
		}
	}
	s.client, err = attachments.New(cfg, hub, hub, &attachments.Options{
		Storage: store,
		Roles:   s.roles,
		Logger:  o.Logger,
		Links:   dl,
		Ledger:  s.journal,
		Quota:   demoQuota,
	})
	if err != nil {
		hub.Close()
		return nil, err
	}
	// The demo's own rule on text, for messages sent with files through
	// httpapi as for text alone (handleSendText): a listener, as a host
	// adds its rules.
	_, err = attachments.OnBefore(s.client.Registry(), attachments.SendMediaMessage,
		func(_ context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			return p, checkText(p.Text, false)
		})
	if err == nil && o.Setup != nil {
		err = o.Setup(s.client)
	}
	if err != nil {
		s.client.Close(context.Background())
		hub.Close()
		return nil, err
	}
	s.renditions, err = preview.Attach(s.client, preview.NewPool(preview.NewGoRenderer(nil), nil),
		&preview.AttachOptions{Sync: true, Logger: o.Logger})
	if err == nil {
		s.api, err = httpapi.New(s.client, s.member, &httpapi.Options{Limits: demoLimits(), Logger: o.Logger})
	}
	if err != nil {
		if s.renditions != nil {
			s.renditions.Close(context.Background())
		}
		s.client.Close(context.Background())
		hub.Close()
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &errs.Error{Code: errs.PermissionDenied, Message: "requests from other sites are not allowed"})
	}))
	s.handler = cop.Handler(s.routes())
	return s, nil
}

// ServeHTTP serves the page, the API and the download links.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Client returns the attachments Client the server invokes.
func (s *Server) Client() *attachments.Client { return s.client }

// Ledger returns the ledger of files, drafts and the journal the demo keeps
// in its data directory.
func (s *Server) Ledger() *sqlledger.Ledger { return s.ledger }

// Hub returns the server's chat.
func (s *Server) Hub() *Hub { return s.hub }

// EndStreams ends the event streams the browsers hold open, so that an
// http.Server's Shutdown does not wait for them. Register it with
// http.Server.RegisterOnShutdown.
func (s *Server) EndStreams() { s.hub.EndSubscriptions() }

// Close ends the event streams and closes the Client, the chat, the ledger
// and the storage. Drafts stay: the ledger keeps them for the next start,
// and the janitor sweeps what is never sent. Call it after the http.Server
// has shut down.
func (s *Server) Close(ctx context.Context) error {
	s.EndStreams()
	return errors.Join(s.api.Close(ctx), s.renditions.Close(ctx), s.client.Close(ctx), s.hub.Close(), s.ledger.Close(), s.store.Close())
}

// person returns the person a view speaks for.
func (s *Server) person(view string) (Person, bool) {
	for _, p := range s.cast {
		if p.View == view {
			return p, true
		}
	}
	return Person{}, false
}

// personByIdentity returns the person with identity.
func (s *Server) personByIdentity(identity string) (Person, bool) {
	for _, p := range s.cast {
		if p.Member.Identity == identity {
			return p, true
		}
	}
	return Person{}, false
}
