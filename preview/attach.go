package preview

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/internal/shutdown"
	"github.com/attachkit/attachments/jobs"
	"github.com/attachkit/attachments/ledger"
)

// The names of the renditions Attach makes.
const (
	ThumbnailName = "thumbnail"
	PreviewName   = "preview"
)

// AttachOptions configures Attach. A nil *AttachOptions means the defaults.
type AttachOptions struct {
	// Sync makes the renditions before the message is sent, in a
	// before-listener, so the message carries them (their sizes and
	// BlurHash) in its media attribute. Default false: they are made after
	// the send, on a queue, and the message goes out at once.
	Sync bool
	// Queue is how many files may wait for their renditions. When it is
	// full, a file gets none (and a log line): a burst of photos must not
	// hold memory or senders. Default 256.
	Queue int
	// Workers is how many files the queue renders at once. Default 1; the
	// Renderer (a Pool) bounds CPU and memory across everything it renders.
	Workers int
	// Timeout bounds one file's renditions. Default 1 minute.
	Timeout time.Duration
	// Logger receives a line for each file that gets no rendition, with the
	// error's code. Default slog.Default().
	Logger *slog.Logger
	// Jobs, when set (and Sync is not), makes the renditions on this
	// queue instead of in memory: each file recorded as sent or attached
	// gets a RenderJob, enqueued with the ledger change that records it,
	// retried when storage fails, and taken over by another instance on a
	// durable queue (jobs/riverjobs). Queue, Workers and Close do not apply:
	// the queue's owner runs and stops it. Default nil: the in-memory queue.
	Jobs jobs.Queue
}

// Previews makes renditions of the images a Client's members send or
// attach. Close stops it.
type Previews struct {
	c       *attachments.Client
	r       Renderer
	o       AttachOptions
	remove  []func()
	wg      sync.WaitGroup
	closing sync.Once
	// abort cancels the context the queue's renders run under: Close calls
	// it when its own context ends before the queue is done.
	abort context.CancelFunc

	mu     sync.RWMutex // guards jobs against a send after Close
	jobs   chan job
	closed bool
}

// job is one file waiting for its renditions, with the context of the
// action that sent it, detached from its cancellation: the work keeps the
// action's values (its trace span, so the renditions show in the upload's
// trace) but not its deadline.
type job struct {
	ctx context.Context
	sid string
}

// Attach makes a thumbnail (fits Thumbnail×Thumbnail) and a preview (fits
// Preview×Preview) of every image (JPEG, PNG, GIF, WebP, HEIC) c's members
// send or attach, with r (a GoRenderer, a vips renderer, or a Pool of
// either), and stores them with Client.PutRendition under ThumbnailName and
// PreviewName. A file that cannot be rendered (corrupt, too many pixels,
// not an image after all) gets no rendition and a log line; its message is
// never failed or held up for it. Close the Previews to stop.
func Attach(c *attachments.Client, r Renderer, opts *AttachOptions) (*Previews, error) {
	if c == nil || r == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "preview attach", Message: "a client and a renderer are required"}
	}
	p := &Previews{c: c, r: r}
	if opts != nil {
		p.o = *opts
	}
	if p.o.Queue <= 0 {
		p.o.Queue = 256
	}
	if p.o.Workers <= 0 {
		p.o.Workers = 1
	}
	if p.o.Timeout <= 0 {
		p.o.Timeout = time.Minute
	}
	if p.o.Logger == nil {
		p.o.Logger = slog.Default()
	}
	ctx, abort := context.WithCancel(context.Background())
	p.abort = abort
	if p.o.Jobs != nil && !p.o.Sync {
		if err := p.useJobs(p.o.Jobs); err != nil {
			abort()
			return nil, err
		}
		return p, nil
	}
	if err := p.listen(); err != nil {
		_ = p.Close(ctx)
		return nil, err
	}
	if !p.o.Sync {
		p.jobs = make(chan job, p.o.Queue)
		for range p.o.Workers {
			p.wg.Go(func() { p.work(ctx) })
		}
	}
	return p, nil
}

func (p *Previews) listen() error {
	reg := p.c.Registry()
	add := func(remove func(), err error) error {
		if err == nil {
			p.remove = append(p.remove, remove)
		}
		return err
	}
	if p.o.Sync {
		return errors.Join(
			add(attachments.OnBefore(reg, attachments.SendMediaMessage,
				func(ctx context.Context, m attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
					p.renderFile(ctx, m.File)
					return m, nil
				})),
			add(attachments.OnBefore(reg, attachments.AttachFile,
				func(ctx context.Context, m attachments.AttachFilePayload) (attachments.AttachFilePayload, error) {
					p.renderFile(ctx, m.File)
					return m, nil
				})),
		)
	}
	return errors.Join(
		add(attachments.OnAfter(reg, attachments.SendMediaMessage,
			func(ctx context.Context, _ attachments.SendMediaMessagePayload, r attachments.SendMediaMessageResult, err error) {
				if err == nil {
					for _, m := range r.Media {
						p.enqueue(ctx, m)
					}
				}
			})),
		add(attachments.OnAfter(reg, attachments.SendMessage,
			func(ctx context.Context, _ attachments.SendMessagePayload, r attachments.SendMessageResult, err error) {
				media, _ := r.Message.Media()
				for _, m := range media {
					if err == nil {
						p.enqueue(ctx, m)
					}
				}
			})),
		add(attachments.OnAfter(reg, attachments.AttachFile,
			func(ctx context.Context, _ attachments.AttachFilePayload, r attachments.AttachFileResult, err error) {
				if err == nil {
					p.enqueue(ctx, r.Media)
				}
			})),
	)
}

// images are the types Attach renders, as the library sniffs them.
var images = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"image/heic": true, "image/heif": true,
}

func (p *Previews) enqueue(ctx context.Context, m attachments.Media) {
	if !images[m.ContentType] || m.SID == "" || len(m.Renditions) > 0 {
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return // a listener that ran as Close removed it
	}
	select {
	case p.jobs <- job{ctx: context.WithoutCancel(ctx), sid: m.SID}:
	default:
		p.o.Logger.WarnContext(ctx, "preview: the queue is full; a file gets no rendition", "media", m.SID)
	}
}

// work renders queued files until the queue is closed and empty, or until
// base ends: then what is left in the queue gets no rendition. Each file's
// work runs in the context of the action that queued it (its trace), and
// ends when base does.
func (p *Previews) work(base context.Context) {
	for j := range p.jobs {
		if base.Err() != nil {
			continue // Close gave up waiting: drain without rendering
		}
		ctx, cancel := context.WithTimeout(j.ctx, p.o.Timeout)
		stop := context.AfterFunc(base, cancel)
		p.render(ctx, j.sid, func(ctx context.Context) (io.ReadCloser, error) { return p.c.OpenMedia(ctx, j.sid) })
		stop()
		cancel()
	}
}

// renderFile renders a file a guard has just stored, before its message is
// sent.
func (p *Previews) renderFile(ctx context.Context, f *attachments.File) {
	if f == nil {
		return
	}
	m, ok := f.Media()
	if !ok || !images[m.ContentType] {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	p.render(ctx, m.SID, func(ctx context.Context) (io.ReadCloser, error) { return f.Open(ctx) })
}

// render makes and stores the renditions of the file sid, logging why when
// it cannot.
func (p *Previews) render(ctx context.Context, sid string, open func(context.Context) (io.ReadCloser, error)) {
	err := p.renderErr(ctx, sid, open)
	code := errs.CodeOf(err)
	switch {
	case err == nil:
	case ctx.Err() != nil, code == errs.InvalidPayload, code == errs.Unsupported, code == errs.FileTooLarge, code == errs.Canceled:
		// The picture itself (corrupt, too large, not one after all) or
		// a Close that gave up: shown as a plain file, nothing is lost.
		p.o.Logger.InfoContext(ctx, "preview: no rendition", "media", sid, "code", string(code), "err", err)
	default:
		// Storage or the ledger failed: a rendition that should exist
		// does not.
		p.o.Logger.WarnContext(ctx, "preview: no rendition", "media", sid, "code", string(code), "err", err)
	}
}

func (p *Previews) renderErr(ctx context.Context, sid string, open func(context.Context) (io.ReadCloser, error)) error {
	src, err := open(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	// Renditions are small (a thumbnail is a few KiB, a preview a few
	// hundred): they are held whole only to learn the size before storing.
	var thumb, prev bytes.Buffer
	out, err := p.r.Render(ctx, src, []Target{{Max: Thumbnail, W: &thumb}, {Max: Preview, W: &prev}})
	if err != nil {
		return err
	}
	for i, b := range []*bytes.Buffer{&thumb, &prev} {
		name := []string{ThumbnailName, PreviewName}[i]
		r := ledger.Rendition{Name: name, ContentType: out[i].ContentType, Width: out[i].Width, Height: out[i].Height,
			BlurHash: out[i].BlurHash}
		if err := p.c.PutRendition(ctx, sid, r, b); err != nil {
			return err
		}
	}
	return nil
}

// Close stops making renditions: no new file is queued, and the files
// already queued are rendered until they are done or ctx ends, whichever
// comes first. When ctx ends first, Close cancels the renders in progress,
// leaves the files still queued without renditions (a file without one is
// shown as a plain file), and returns an errs.Canceled error wrapping ctx's
// at once; the workers end on their own as soon as their renders see the
// cancellation. Close may be called more than once.
func (p *Previews) Close(ctx context.Context) error {
	p.closing.Do(func() {
		for _, remove := range p.remove {
			remove()
		}
		p.mu.Lock()
		p.closed = true
		if p.jobs != nil {
			close(p.jobs)
		}
		p.mu.Unlock()
	})
	err := shutdown.Wait(ctx, &p.wg, "preview close", "files still queued got no renditions")
	p.abort()
	return err
}
