package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync/atomic"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

// File is a file a member sends or attaches: its name and type as the client
// declared them, and its content as a stream.
//
// The library reads Body once, in the action's guard: it checks the file
// against the sender's policy while streaming it into storage, so a File can
// be used in one Invoke only. From then on, before-listeners (a virus
// scanner, say) can Open the stored copy as often as they need, without the
// library holding the file in memory.
type File struct {
	// Name is the file name the client gave. It is sanitised before it is
	// stored or shown, and never used as a storage key.
	Name string
	// ContentType is the MIME type the client declared. It is recorded, never
	// trusted: the library serves the type it sniffs from the content.
	ContentType string
	// Size is the size the client declared, in bytes, or 0 when unknown. A
	// declared size over the limit is refused before a byte is read; the real
	// size is limited while streaming whatever Size says.
	Size int64
	// Body is the content. The library reads it to the end or to the first
	// refusal, and does not close it.
	Body io.Reader
	// Store names the host store (Options.Stores) the file goes to, checked
	// and hashed on the way, in one write. Default "": the library's
	// storage.
	Store string

	used   atomic.Bool
	stored atomic.Pointer[storedFile]
}

// storedFile is what the guard learnt and stored of a File.
type storedFile struct {
	media     Media
	open      func(ctx context.Context) (io.ReadCloser, error)
	owner     string
	channel   string
	committed atomic.Bool // a message or a draft took the file: nothing to discard
}

// Media returns the stored file's media reference: its SID, sanitised name,
// sniffed content type, real size and SHA-256. It reports false until the
// action's guard has stored the file, which it has by the time
// before-listeners run.
func (f *File) Media() (Media, bool) {
	s := f.stored.Load()
	if s == nil {
		return Media{}, false
	}
	return s.media, true
}

// Open returns the stored content from its first byte. Listeners call it to
// read the file (to scan it, say), as many times as they need. The caller
// closes the reader. Before the guard has stored the file, Open fails with
// errs.InvalidArgument.
func (f *File) Open(ctx context.Context) (io.ReadCloser, error) {
	s := f.stored.Load()
	if s == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "open " + f.Name, Message: "the file has not been stored yet"}
	}
	return s.open(ctx)
}

// stage validates f against the policy sp while streaming it into
// storage under a key of the library's own, hashing it on the way. Its
// ledger record comes first, so no blob ever exists that no record
// explains; on any failure neither stays.
func (c *Client) stage(ctx context.Context, f *File, channel string, sender Member, sp sendPolicy) error {
	if f == nil || f.Body == nil {
		return &errs.Error{Code: errs.InvalidPayload, Message: "no file to send"}
	}
	if !f.used.CompareAndSwap(false, true) {
		return &errs.Error{Code: errs.InvalidPayload, Message: "this file was already sent; send a new one"}
	}
	host := c.stores[f.Store]
	if f.Store != "" && host == nil {
		return &errs.Error{Code: errs.InvalidPayload, Message: "no such store", Details: errs.Details{Reason: f.Store}}
	}
	verdict, body, err := sp.check(ctx, f.Name, f.ContentType, f.Size, f.Body)
	if err != nil {
		return err
	}
	sid := newMediaSID()
	now := c.now()
	// The record comes before the first byte, and with it the upload's
	// place in the member's quota; its bytes are reserved as they arrive.
	if err := c.ledger.Create(ctx, ledger.Record{
		SID: sid, Owner: sender.Identity, Side: string(sp.side), Channel: channel, State: ledger.Uploading,
		Store: f.Store, FileName: verdict.Name, ContentType: verdict.ContentType, Created: now, Updated: now,
	}, c.quota); err != nil {
		if outcomeUnknown(err) {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			c.dropUpload(cctx, host, sid)
		}
		return err
	}
	h := sha256.New()
	src := &sourceReader{r: body}
	var in io.Reader = src
	if c.rewrite != nil {
		rc := c.rewrite(ctx, verdict.ContentType, src)
		defer rc.Close()
		in = rc
	}
	res := &reservingReader{r: in, c: c, ctx: ctx, sid: sid}
	n, err := c.put(ctx, host, sid, io.TeeReader(res, h), verdict.ContentType, verdict.Name)
	if err == nil {
		sum := hex.EncodeToString(h.Sum(nil))
		// Uploading → staged, the reservation trued up to the bytes stored.
		_, err = c.ledger.Apply(ctx, ledger.Change{SID: sid, From: []ledger.State{ledger.Uploading}, To: ledger.Staged,
			Size: n, SHA256: sum, Now: c.now()})
		if err == nil {
			f.stored.Store(&storedFile{
				media: Media{SID: sid, FileName: verdict.Name, ContentType: verdict.ContentType, Size: n, SHA256: sum},
				open:  func(ctx context.Context) (io.ReadCloser, error) { return c.openMedia(ctx, host, sid) },
				owner: sender.Identity, channel: channel,
			})
			return nil
		}
	}
	if res.err != nil {
		err = res.err
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	c.dropUpload(cctx, host, sid)
	return src.blame(err)
}

// dropUpload deletes an upload that failed, with its record. When the
// record is gone already (the member was erased, or the sweep took an
// upload that stalled) the bytes the upload went on writing are deleted
// here: no record explains them any more.
func (c *Client) dropUpload(ctx context.Context, host Store, sid string) {
	// Staged too: a completion whose outcome was lost may have committed,
	// and no File points at the record yet.
	_, err := c.destroy(ctx, ledger.Change{SID: sid, From: []ledger.State{ledger.Uploading, ledger.Staged}})
	if errs.CodeOf(err) == errs.NotFound {
		if host == nil {
			err = c.store.Delete(ctx, mediaKey(sid))
		} else {
			err = host.Delete(ctx, sid)
		}
		if errs.CodeOf(err) == errs.NotFound {
			err = nil
		}
	}
	if err != nil {
		c.log.ErrorContext(ctx, "attachments: could not clean up a failed upload; the sweep will", "media", sid, "err", err)
	}
}

// reserveStep is how far an upload's reservation grows at a time, beyond
// the bytes that arrived: one ledger write a MiB.
const reserveStep = 1 << 20

// reservingReader grows an upload's reservation in the ledger, under the
// Client's byte quota, before it hands on bytes beyond it: the quota is
// counted on the bytes that arrive, whatever the client declared. A
// refusal ends the stream with the ledger's error.
type reservingReader struct {
	r        io.Reader
	c        *Client
	ctx      context.Context
	sid      string
	n        int64 // bytes read
	reserved int64
	err      error
}

func (r *reservingReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.n > r.reserved && r.c.quota.Bytes > 0 {
		if rerr := r.reserve(); rerr != nil {
			r.err = rerr
			return 0, rerr
		}
	}
	return n, err
}

// reserve grows the reservation to cover the bytes read and a step more,
// or, when the step does not fit, exactly the bytes read.
func (r *reservingReader) reserve() error {
	var err error
	for _, size := range [...]int64{r.n + reserveStep, r.n} {
		_, err = r.c.ledger.Apply(r.ctx, ledger.Change{SID: r.sid, From: []ledger.State{ledger.Uploading},
			Size: size, Quota: ledger.Quota{Bytes: r.c.quota.Bytes}, Now: r.c.now()})
		if err == nil {
			r.reserved = size
			return nil
		}
		if errs.CodeOf(err) != errs.QuotaExceeded {
			break
		}
	}
	return err
}

// put writes a file's bytes to the host store, or when host is nil to the
// library's storage, and returns how many it wrote.
func (c *Client) put(ctx context.Context, host Store, sid string, r io.Reader, contentType, name string) (int64, error) {
	if host == nil {
		info, err := c.store.Put(ctx, mediaKey(sid), r, storage.Metadata{ContentType: contentType, FileName: name})
		return info.Size, err
	}
	cr := &countingReader{r: r}
	if err := host.Put(ctx, sid, cr, contentType); err != nil {
		return 0, err
	}
	return cr.n, nil
}

// openMedia opens a file's bytes from the host store, or when host is nil
// from the library's storage.
func (c *Client) openMedia(ctx context.Context, host Store, sid string) (io.ReadCloser, error) {
	if host == nil {
		rc, _, err := c.store.Get(ctx, mediaKey(sid), nil)
		return rc, err
	}
	return host.Open(ctx, sid)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sourceReader remembers the error the sender's stream failed with, so a
// failed Put can be blamed on the sender rather than on storage.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// blame returns the error to report for a failed Put. When the sender's own
// stream broke with a plain error, the file is incomplete, not the storage
// unavailable. The validator's refusals (too large, canceled) keep their
// codes.
func (s *sourceReader) blame(putErr error) error {
	switch {
	case s.err == nil:
		return putErr
	case errs.As(s.err) != nil:
		// The validator's own refusal, whatever a driver made of it.
		return s.err
	}
	return &errs.Error{Code: errs.UploadIncomplete, Err: s.err}
}

// discard deletes the stored copies of the file Invoke was given and the
// one the before-listeners left (usually the same) when no message or draft
// took them. It runs as an action's last step, whatever the outcome, on a
// context that outlives the caller's: a client that went away still leaves
// nothing behind. The ledger decides: only a file still staged goes, so a
// file a send took is never lost to a cleanup.
func (c *Client) discard(ctx context.Context, orig, final *File) {
	if final == orig {
		final = nil
	}
	for _, f := range [...]*File{orig, final} {
		s := f.storedCopy()
		if s == nil || s.committed.Load() {
			continue
		}
		dctx, cancel := cleanupContext(ctx)
		_, err := c.destroy(dctx, ledger.Change{SID: s.media.SID, From: []ledger.State{ledger.Staged}, Owner: s.owner})
		if err != nil && errs.CodeOf(err) != errs.Conflict && errs.CodeOf(err) != errs.NotFound {
			c.log.ErrorContext(ctx, "attachments: could not discard an unsent file; the sweep will", "media", s.media.SID, "err", err)
		}
		cancel()
	}
}

// storedCopy returns what the guard stored of f, or nil for a nil File or
// one not stored.
func (f *File) storedCopy() *storedFile {
	if f == nil {
		return nil
	}
	return f.stored.Load()
}

// checkStaged makes sure a file the implementation is about to send went
// through the guard: a listener may change the payload, but not swap in a
// file that was never checked.
func checkStaged(f *File) (*storedFile, error) {
	if f == nil {
		return nil, &errs.Error{Code: errs.InvalidPayload, Message: "no file to send"}
	}
	s := f.stored.Load()
	if s == nil {
		return nil, &errs.Error{Code: errs.InvalidPayload, Message: "the file was changed after it was checked"}
	}
	return s, nil
}

// Preflight checks a file member is about to send in channel, from what is
// known before its first byte arrives: that the member may send files there,
// that its side (from its role) has attachments enabled, and the name,
// extension and declared size (0 when unknown), under the side's policy
// narrowed by the channel's type (see Config.PolicyIn). A host calls it to refuse an
// upload before it starts; the actions check all of it again, and the
// content, anyway.
func (c *Client) Preflight(ctx context.Context, channel string, member Member, name, contentType string, size int64) error {
	sp, err := c.mediaSender(ctx, channel, member)
	if err != nil {
		return err
	}
	return sp.preflight(name, contentType, size)
}
