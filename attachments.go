// Package attachments gives a Go chat backend what a contact-center web chat
// needs to exchange files between agents and customers, modelled on Twilio
// Flex's chat attachments: an actions registry with listeners and
// replaceable implementations, per-side upload policies, validation that a
// renamed file cannot fool, pluggable storage, expiring download links,
// permissions, deletion and retention.
//
// A host builds a Client from a Config, plugs in its storage, its chat (a
// Transport) and its directory of members, and invokes actions when its
// clients send, attach, download or delete:
//
//	c, err := attachments.New(attachments.DefaultConfig(), chat, members,
//		&attachments.Options{Storage: bucket})
//	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, payload)
//
// # Actions
//
// Invoke runs an action's guard (the library's policy checks), its
// before-listeners, its implementation and its after-listeners, in that
// order. See Invoke, OnBefore, OnAfter and Replace for the contract.
//
// # Errors
//
// Every error the library returns is an *errs.Error with a stable code, a
// message fit to show either side of the chat, and details. Each code is its
// own sentinel, spelled once, in package errs: errors.Is(err,
// errs.FileTooLarge).
//
// # Tests
//
// Package attachmentstest is the kit for a host's own tests: an in-memory
// Transport and Members, a Client on them in one call, policy assertions
// (Accepts, Refuses) and runners that put a before-listener in front of a
// real, stored file.
//
// # Security
//
// The library trusts sniffed content over a file's name and declared type,
// never uses a client's file name in a storage key, limits sizes while
// streaming, and serves downloads through signed, expiring links with
// nosniff and a safe Content-Disposition. See package validate and links.
package attachments

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/shutdown"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// Options are New's optional arguments. A nil *Options means all defaults.
type Options struct {
	// Storage is where media bytes live. Default: a new in-memory bucket,
	// fit only for tests and demos.
	Storage *storage.Bucket
	// Roles maps each role to its permissions. Default: DefaultRoles().
	Roles map[Role][]Permission
	// Logger receives the library's own log lines, which never hold file
	// names or identities at info level. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// ChannelType tells the library what kind of network a channel's
	// customer is on (SMS, WhatsApp, …), so that the files sent there are
	// held to what it carries (see ChannelPolicy). It is called with the
	// action's ctx each time a member sends, attaches or preflights a file;
	// "" means ChannelWeb. A type other than ChannelWeb must have a policy,
	// built in or in Config.ChannelTypes, or the file is refused with
	// errs.InvalidConfig. An *errs.Error it returns reaches the sender as
	// is; any other error becomes errs.Unavailable. Default nil: every
	// channel is web chat.
	ChannelType func(ctx context.Context, channel string) (ChannelType, error)

	// Links mints download links and serves them; the host mounts it (it is
	// an http.Handler) at its base URL. Default: a links.Server over Storage
	// at "/attachments/dl/", signing with a random key generated at start — fit
	// for one process only, since its links die with it and other instances
	// cannot verify them. New logs a warning when it makes one. A link is
	// bound to the member it was issued to when Links was built with
	// links.Options.MemberOf (who makes each request): then a link passed on
	// or leaked is refused; without it a link is a bearer token until it
	// expires.
	Links *links.Server

	// Stores are the host's own stores, by name, for files a File.Store
	// names (see Store). The names "" and "url" are the library's. Default:
	// none; every file goes to Storage.
	Stores map[string]Store
	// TrustURL reports whether a message may carry media by this URL, in
	// Flex's media shape ({url, filename, contentType, size}): media the
	// host keeps and serves itself. The library records such media but never
	// fetches the URL. Decide on the URL as a browser parses it, not as a
	// string: github.com/attachkit/attachments/urltrust's Prefixes does.
	// Default nil: no URL is trusted, and media must be the library's
	// (named by SID).
	TrustURL func(rawURL string) bool

	// Rewrite, when set, rewrites each file on its way into storage, after
	// the policy checked it as sent: preview.StripOriginals drops the
	// sender's EXIF, GPS position, XMP and comments from a JPEG without
	// touching its pixels. It trades fidelity (what the sender sent, byte
	// for byte) for privacy (what the sender did not mean to send); the
	// stored size and SHA-256 are the rewritten file's. The library closes
	// the reader Rewrite returns. Default nil: files are stored as sent.
	Rewrite func(ctx context.Context, contentType string, r io.Reader) io.ReadCloser

	// Ledger is the record of every file (who owns it, where it is, which
	// message carries it), of drafts, and the journal of actions: each
	// action's outcome, who asked, what it touched, and the words a refused
	// member was shown, which a host reads with the ledger's Entries and
	// the janitor purges after Config.LogRetention. Instances that share
	// storage must share it.
	//
	// Default: a new in-memory ledger, which forgets everything on restart,
	// and so only with storage that does too (the default Storage, or
	// another storage/memory bucket). With storage that lasts (a
	// filesystem, a cloud bucket, host Stores), New refuses a nil Ledger:
	// the files would outlive their records. Use ledger/sqlledger, or name
	// ledger/memory's New() here to keep records in memory knowingly.
	Ledger ledger.Ledger
	// Trace, when set, traces every action the Client's registry invokes:
	// Invoke calls it with the action's name and channel ("" for an action
	// without one) before the guard, runs the whole chain (guard,
	// listeners, implementation) in the context it returns, and calls end
	// once with the error Invoke returns (nil on success). Package
	// github.com/attachkit/attachments/otel provides one on OpenTelemetry;
	// the library itself requires none. Default nil: no tracing, at no cost.
	Trace func(ctx context.Context, action, channel string) (_ context.Context, end func(err error))

	// SweepInterval is how often the Client calls Sweep in the background
	// (the janitor): expired drafts, interrupted deletes, and the journal
	// past Config.LogRetention. Default 1 minute; negative turns the
	// janitor off, and then the host calls Sweep itself. httpapi's
	// Options.SweepInterval is the same setting for its uploads.
	SweepInterval time.Duration

	// Quota bounds what one member holds, in every channel: files, bytes,
	// and files pending (uploading, staged or in a draft). It is a
	// reservation in the ledger, made with the upload's record before its
	// first byte and grown as its bytes arrive (a client's declared size is
	// never trusted), so no interleaving of uploads on any number of
	// instances sharing the ledger passes it; an upload that would is
	// refused with errs.QuotaExceeded and keeps nothing. Default: none.
	Quota ledger.Quota
}

// lasting reports whether o's storage outlives the process: any storage but
// the default, or a driver that says it is volatile (storage.Volatile).
func (o *Options) lasting() bool {
	if o.Storage == nil {
		return false
	}
	v, ok := o.Storage.Driver().(storage.Volatile)
	return !ok || !v.Volatile()
}

// defaultSweepInterval is Options.SweepInterval's default.
const defaultSweepInterval = time.Minute

// defaultLinkPath is where the default link server expects to be mounted.
const defaultLinkPath = "/attachments/dl/"

// Client is the library's entry point: the registry with the built-in
// actions, wired to storage, the host's transport and members.
//
// Its Registry() is where hosts add listeners, replace implementations and
// register their own actions. A Client is safe for concurrent use. Close
// stops its background work.
type Client struct {
	reg *Registry

	cfg       Config
	store     *storage.Bucket
	transport Transport
	members   Members
	perms     permissions
	log       *slog.Logger
	now       func() time.Time
	links     *links.Server
	ledger    ledger.Ledger
	stores    map[string]Store
	trustURL  func(string) bool
	rewrite   func(context.Context, string, io.Reader) io.ReadCloser
	quota     ledger.Quota
	// media reads media wherever it is: Storage, or through the ledger the
	// host store that holds it. Links and OpenMedia read through it.
	media *storage.Bucket
	// channelType is Options.ChannelType: nil when every channel is web
	// chat.
	channelType func(ctx context.Context, channel string) (ChannelType, error)
	// retries are the files the sweep failed to delete (sweep.go).
	retries retries

	// stop ends the background work: it cancels the context the janitor
	// sweeps with, so a sweep stuck on a ledger that stopped answering ends
	// too.
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New returns a Client for cfg that sends messages through chat and asks
// members who may do what: the host's own chat and directory, which the
// Client cannot work without (package attachmentstest has in-memory ones for
// tests).
//
// New checks cfg, and with it the options that would only fail later
// (lasting storage beside the default in-memory ledger), reporting every
// problem in one errs.InvalidConfig error that names each field (a nil chat or members included); then it fills in the
// defaults of cfg and opts.
func New(cfg Config, chat Transport, members Members, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	problems := cfg.problems(&o)
	if chat == nil {
		problems = append(problems, fieldError("transport", "is nil: pass the host's chat"))
	}
	if members == nil {
		problems = append(problems, fieldError("members", "is nil: pass the host's directory of members"))
	}
	if err := configError(problems); err != nil {
		return nil, err
	}
	if o.Storage == nil {
		o.Storage = memory.New()
	}
	if o.Roles == nil {
		o.Roles = DefaultRoles()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Ledger == nil {
		o.Ledger = ledgermemory.New()
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = defaultSweepInterval
	}
	media := o.Storage
	if len(o.Stores) > 0 {
		for name, s := range o.Stores {
			if name == "" || name == urlStore || s == nil {
				return nil, &errs.Error{Code: errs.InvalidConfig, Op: "new", Message: fmt.Sprintf("store %q: a store needs a name of its own", name)}
			}
		}
		media = storage.NewBucket(&mediaRouter{Driver: o.Storage.Driver(), ledger: o.Ledger, stores: o.Stores})
	}
	if o.Links == nil {
		srv, err := defaultLinks(o)
		if err != nil {
			return nil, err
		}
		o.Links = srv
	}
	if media != o.Storage {
		o.Links = o.Links.WithBucket(media)
	}
	c := &Client{
		reg:         &Registry{trace: o.Trace},
		cfg:         cfg.withDefaults(),
		store:       o.Storage,
		transport:   chat,
		members:     members,
		perms:       permissions(o.Roles),
		log:         o.Logger,
		now:         o.Now,
		links:       o.Links,
		ledger:      o.Ledger,
		stores:      o.Stores,
		trustURL:    o.TrustURL,
		rewrite:     o.Rewrite,
		quota:       o.Quota,
		media:       media,
		channelType: o.ChannelType,
	}
	if err := c.registerBuiltins(); err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	if o.SweepInterval > 0 {
		c.wg.Go(func() { c.janitor(ctx, o.SweepInterval) })
	}
	return c, nil
}

func defaultLinks(o Options) (*links.Server, error) {
	secret := make([]byte, links.MinSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	signer, err := links.NewSigner(links.Key{ID: "ephemeral", Secret: secret}, &links.SignerOptions{Now: o.Now})
	if err != nil {
		return nil, err
	}
	o.Logger.Warn("attachments: no link server configured; signing download links with a random key " +
		"that dies with this process, so links break on restart and other instances cannot verify them")
	return links.New(o.Storage, signer, defaultLinkPath, nil)
}

// janitor sweeps drafts and purges the journal every interval until ctx,
// which Close cancels, ends.
func (c *Client) janitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r, err := c.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return // Close stopped the sweep; the next Client's janitor finishes it
		case err != nil:
			// Expired files stay stored, and counted against their owners,
			// until a sweep gets through.
			c.log.ErrorContext(ctx, "attachments: sweep failed", "files", r.Files, "journal", r.JournalEntries, "err", err)
		case r != (SweepReport{}):
			c.log.InfoContext(ctx, "attachments: swept", "files", r.Files, "journal", r.JournalEntries)
		}
	}
}

// Links returns the server that mints and serves download links. Mount it,
// an http.Handler, at its base URL ("/attachments/dl/" for the default one).
func (c *Client) Links() *links.Server { return c.links }

// Registry returns the Client's registry: where a host adds listeners
// (OnBefore, OnAfter), replaces implementations (Replace), registers its own
// actions (Register), and invokes them all (Invoke).
func (c *Client) Registry() *Registry { return c.reg }

// Storage returns the Client's storage (Options.Storage): httpapi keeps its
// resumable uploads' chunks there by default.
func (c *Client) Storage() *storage.Bucket { return c.store }

// Config returns the Client's configuration, with defaults filled in. It is
// a copy: changing it, its lists or its map changes nothing in the Client.
func (c *Client) Config() Config { return c.cfg.clone() }

// Close stops the Client's background work (the janitor, and a sweep it is
// running) and waits for it to end, or for ctx to end, whichever comes
// first: then it returns an errs.Canceled error wrapping ctx's, and the
// work still ends on its own soon after. It does not close the storage or the ledger, which the host
// owns. Close may be called more than once.
func (c *Client) Close(ctx context.Context) error {
	c.stop()
	return shutdown.Wait(ctx, &c.wg, "close", "stopped waiting for the janitor")
}

func (c *Client) registerBuiltins() error {
	r := c.reg
	return errors.Join(
		register(r, SendMessage, c.sendMessage, c.guardSendMessage),
		register(r, SendMediaMessage, c.sendMediaMessage, c.guardSendMediaMessage),
		register(r, AttachFile, c.attachFile, c.guardAttachFile),
		register(r, DetachFile, c.detachFile, c.guardDetachFile),
		register(r, DownloadMedia, c.downloadMedia, c.guardDownloadMedia),
		register(r, DeleteMessage, c.deleteMessage, c.guardDeleteMessage),
		register(r, BlockMember, c.blockMember, c.guardBlockMember),
		register(r, UnblockMember, c.unblockMember, c.guardUnblockMember),

		setSeal(r, SendMessage, SendMessagePayload.seal),
		setSeal(r, SendMediaMessage, SendMediaMessagePayload.seal),
		setSeal(r, AttachFile, AttachFilePayload.seal),
		setSeal(r, DetachFile, DetachFilePayload.seal),
		setSeal(r, DownloadMedia, DownloadMediaPayload.seal),
		setSeal(r, DeleteMessage, DeleteMessagePayload.seal),
		setSeal(r, BlockMember, BlockMemberPayload.seal),
		setSeal(r, UnblockMember, UnblockMemberPayload.seal),

		// What the guards stored and no message or draft took is deleted,
		// whatever happened in between.
		setFinally(r, SendMediaMessage, func(ctx context.Context, orig, final SendMediaMessagePayload, _ SendMediaMessageResult, _ error) {
			c.discard(ctx, orig.File, final.File)
		}),
		setFinally(r, AttachFile, func(ctx context.Context, orig, final AttachFilePayload, _ AttachFileResult, _ error) {
			c.discard(ctx, orig.File, final.File)
		}),

		c.journalBuiltins(),
	)
}

// journalBuiltins feeds the journal from every built-in action.
func (c *Client) journalBuiltins() error {
	var err error
	add := func(_ func(), e error) { err = errors.Join(err, e) }
	add(OnAfter(c.reg, SendMessage, journalAfter(c, SendMessage, func(p SendMessagePayload, r SendMessageResult) ledger.Entry {
		e := ledger.Entry{Actor: p.Sender.Identity, Channel: p.Channel, MessageSID: r.Message.SID}
		media, _ := r.Message.Media()
		describeMedia(&e, media)
		return e
	})))
	add(OnAfter(c.reg, SendMediaMessage, journalAfter(c, SendMediaMessage, func(p SendMediaMessagePayload, r SendMediaMessageResult) ledger.Entry {
		e := ledger.Entry{Actor: p.Sender.Identity, Channel: p.Channel, MessageSID: r.Message.SID}
		describeMedia(&e, r.Media)
		if len(r.Media) == 0 && p.File != nil {
			e.FileNames = []string{p.File.Name}
		}
		return e
	})))
	add(OnAfter(c.reg, AttachFile, journalAfter(c, AttachFile, func(p AttachFilePayload, r AttachFileResult) ledger.Entry {
		e := ledger.Entry{Actor: p.Sender.Identity, Channel: p.Channel}
		if r.Media.SID != "" {
			e.MediaSIDs, e.FileNames = []string{r.Media.SID}, []string{r.Media.FileName}
		} else if p.File != nil {
			e.FileNames = []string{p.File.Name}
		}
		return e
	})))
	add(OnAfter(c.reg, DetachFile, journalAfter(c, DetachFile, func(p DetachFilePayload, _ DetachFileResult) ledger.Entry {
		return ledger.Entry{Actor: p.Sender.Identity, Channel: p.Channel, MediaSIDs: []string{p.MediaSID}}
	})))
	add(OnAfter(c.reg, DownloadMedia, journalAfter(c, DownloadMedia, func(p DownloadMediaPayload, r DownloadMediaResult) ledger.Entry {
		if p.Rendition != "" && r.Link.URL != "" {
			return ledger.Entry{} // showing a thumbnail is not a download
		}
		e := ledger.Entry{Actor: p.Requester.Identity, Channel: p.Channel, MessageSID: p.MessageSID}
		if r.Media.SID != "" {
			describeMedia(&e, []Media{r.Media})
		} else if p.MediaSID != "" {
			e.MediaSIDs = []string{p.MediaSID}
		}
		return e
	})))
	add(OnAfter(c.reg, DeleteMessage, journalAfter(c, DeleteMessage, func(p DeleteMessagePayload, r DeleteMessageResult) ledger.Entry {
		e := ledger.Entry{Actor: p.Requester.Identity, Channel: p.Channel, MessageSID: p.MessageSID}
		describeMedia(&e, r.Media)
		return e
	})))
	add(OnAfter(c.reg, BlockMember, journalAfter(c, BlockMember, func(p BlockMemberPayload, _ BlockMemberResult) ledger.Entry {
		return ledger.Entry{Actor: p.Requester.Identity, Channel: p.Channel, Target: p.Target}
	})))
	add(OnAfter(c.reg, UnblockMember, journalAfter(c, UnblockMember, func(p UnblockMemberPayload, _ UnblockMemberResult) ledger.Entry {
		return ledger.Entry{Actor: p.Requester.Identity, Channel: p.Channel, Target: p.Target}
	})))
	return err
}

func describeMedia(e *ledger.Entry, media []Media) {
	for _, m := range media {
		e.MediaSIDs = append(e.MediaSIDs, m.SID)
		e.FileNames = append(e.FileNames, m.FileName)
	}
}

// role returns m's role in channel. A member the directory does not know in
// that channel gets errs.PermissionDenied.
func (c *Client) role(ctx context.Context, channel string, m Member) (Role, error) {
	r, err := c.members.Role(ctx, channel, m.Identity)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return "", &errs.Error{Code: errs.PermissionDenied, Message: "you are not a member of this conversation", Err: err}
		}
		return "", err
	}
	return r, nil
}

// require checks that m's role in channel grants perm.
func (c *Client) require(ctx context.Context, channel string, m Member, perm Permission) (Role, error) {
	r, err := c.role(ctx, channel, m)
	if err != nil {
		return "", err
	}
	if !c.perms.allows(r, perm) {
		msg := "you are not allowed to do this"
		switch mode := r.blockMode(); {
		case !takenBy(mode, perm):
		case mode == BlockAll:
			msg = "you have been blocked in this conversation"
		case mode == BlockFiles:
			msg = "you have been blocked from sending files in this conversation"
		}
		return r, &errs.Error{Code: errs.PermissionDenied, Message: msg, Details: errs.Details{Reason: string(perm)}}
	}
	return r, nil
}
