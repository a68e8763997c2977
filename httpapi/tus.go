package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// Upload-Metadata keys.
const (
	tusName   = "filename"
	tusType   = "filetype"
	tusTarget = "target"
	tusText   = "text"
)

// tusUploads wires tusd's handler to the Handler.
type tusUploads struct {
	h        *Handler
	store    *tusStore
	locker   tusd.Locker
	tus      *tusd.UnroutedHandler
	lifetime time.Duration
}

func newTusUploads(h *Handler, bucket *storage.Bucket, lifetime time.Duration) (*tusUploads, error) {
	t := &tusUploads{h: h, store: &tusStore{h: h, bucket: bucket, now: h.now},
		locker: waitingLocker{memorylocker.New()}, lifetime: lifetime}
	composer := tusd.NewStoreComposer()
	composer.UseCore(t.store)
	composer.UseTerminater(t.store)
	composer.UseLocker(t.locker)
	// tusd logs every request at info, and every refusal the Handler logs
	// already.
	quiet := xslog.New(xslog.NewTextHandler(io.Discard, &xslog.HandlerOptions{Level: xslog.LevelError + 1}))
	var err error
	t.tus, err = tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer: composer,
		BasePath:      h.path + "uploads/",
		// No MaxSize: the sender's policy, in preCreate, refuses a file
		// too large with the same JSON as every other refusal, where tusd
		// would answer in text.
		DisableDownload:      true,
		DisableConcatenation: true,
		Cors:                 &tusd.CorsConfig{Disable: true}, // cross-site requests are refused before tusd
		Logger:               quiet,
		NetworkTimeout:       h.stall,
		// How long a PATCH whose client went away may go on storing the
		// bytes that did arrive. tusd keeps a goroutine that long after
		// every request, so it is no longer than tusd's own default.
		GracefulRequestCompletionTimeout: min(h.stall, 10*time.Second),
		// A request waits for the one that holds its upload (see
		// waitingLocker), which ends within the stall timeout.
		AcquireLockTimeout:        2 * h.stall,
		PreUploadCreateCallback:   t.preCreate,
		PreFinishResponseCallback: t.preFinish,
	})
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "httpapi tus", Err: err}
	}
	return t, nil
}

func (t *tusUploads) routes(mux *http.ServeMux) {
	serve := func(fn http.HandlerFunc) func(http.ResponseWriter, *call) error {
		mw := t.tus.Middleware(fn)
		return func(w http.ResponseWriter, c *call) error {
			tw := &tusWriter{ResponseWriter: w}
			mw.ServeHTTP(tw, c.r)
			return tw.refusal() // tusd's own refusals, in the one JSON error body
		}
	}
	t.h.route(mux, "POST", "channels/{channel}/uploads", serve(t.tus.PostFile))
	// tusd takes the upload's ID from a path stripped of its base.
	strip := func(fn http.HandlerFunc) http.HandlerFunc {
		return http.StripPrefix(t.h.path+"uploads/", fn).ServeHTTP
	}
	t.h.route(mux, "HEAD", "uploads/{id}", serve(strip(t.tus.HeadFile)))
	t.h.route(mux, "PATCH", "uploads/{id}", serve(strip(t.tus.PatchFile)))
	t.h.route(mux, "DELETE", "uploads/{id}", serve(strip(t.tus.DelFile)))
	// OPTIONS is tus' discovery: the versions and extensions, to anyone.
	discover := t.tus.Middleware(http.NotFoundHandler())
	mux.Handle("OPTIONS "+t.h.path+"channels/{channel}/uploads", discover)
	mux.Handle("OPTIONS "+t.h.path+"uploads/{id}", discover)
}

// preCreate checks a new upload as a direct upload's file is checked
// before its bytes: the sender's policy on the name, type and size. The
// quotas are the Client's, reserved when the upload's file is stored.
func (t *tusUploads) preCreate(ev tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	c := callFrom(ev.Context)
	if c == nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(&errs.Error{Code: errs.PermissionDenied})
	}
	meta := ev.Upload.MetaData
	kept := tusd.MetaData{tusName: meta[tusName], tusType: meta[tusType]}
	switch target := meta[tusTarget]; target {
	case "", "message", "draft":
		kept[tusTarget] = target
	default:
		return t.refuse(&errs.Error{Code: errs.InvalidPayload, Message: `the upload's target is "message" or "draft"`})
	}
	if text, ok := meta[tusText]; ok {
		kept[tusText] = text
	}
	if kept[tusName] == "" {
		return t.refuse(&errs.Error{Code: errs.InvalidPayload, Message: "the file has no name"})
	}
	if err := t.h.client.Preflight(ev.Context, c.channel, c.member, kept[tusName], kept[tusType], ev.Upload.Size); err != nil {
		return t.refuse(err)
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: kept}, nil
}

func (t *tusUploads) refuse(err error) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	t.h.metrics.uploaded(kindTus, err)
	t.h.metrics.refused(errs.CodeOf(err))
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(err)
}

// preFinish runs the action on the assembled upload, deletes the chunks,
// and answers the last PATCH with the action's outcome.
func (t *tusUploads) preFinish(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	ctx := ev.Context
	c := callFrom(ctx)
	if c == nil {
		return tusd.HTTPResponse{}, tusError(&errs.Error{Code: errs.PermissionDenied})
	}
	rec, err := t.store.record(ctx, ev.Upload.ID)
	if err != nil {
		return tusd.HTTPResponse{}, err
	}
	defer func() {
		// Whatever the action said, the chunks have served their purpose:
		// a refused file will not pass on a second try.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := t.store.remove(rctx, rec.ID); err != nil {
			t.h.log.Error("httpapi: could not delete a finished upload's chunks", "upload", rec.ID, "err", err)
		}
	}()
	reply := c.tusReply
	if reply == nil {
		body, err := (&tusUpload{s: t.store, rec: rec}).GetReader(ctx)
		if err != nil {
			return tusd.HTTPResponse{}, err
		}
		defer body.Close()
		if reply, err = t.invoke(ctx, c.member, rec, body); err != nil {
			return tusd.HTTPResponse{}, tusError(err)
		}
	}
	data, _ := json.Marshal(reply)
	return tusd.HTTPResponse{StatusCode: http.StatusOK, Body: string(data) + "\n", Header: jsonHeader()}, nil
}

// invoke runs the upload's action — SendMediaMessage, or AttachFile for a
// draft — on the whole file, body, and returns the JSON answer.
func (t *tusUploads) invoke(ctx context.Context, sender attachments.Member, rec tusRecord, body io.Reader) (any, error) {
	file := &attachments.File{Name: rec.MetaData[tusName], ContentType: rec.MetaData[tusType], Size: rec.Size, Body: body}
	var reply any
	var err error
	if rec.MetaData[tusTarget] == "draft" {
		var res attachments.AttachFileResult
		res, err = attachments.Invoke(ctx, t.h.client.Registry(), attachments.AttachFile,
			attachments.AttachFilePayload{Channel: rec.Channel, Sender: sender, File: file})
		reply = draftReply(&res.Media, res.Draft)
	} else {
		var res attachments.SendMediaMessageResult
		res, err = attachments.Invoke(ctx, t.h.client.Registry(), attachments.SendMediaMessage,
			attachments.SendMediaMessagePayload{Channel: rec.Channel, Sender: sender, File: file, Text: rec.MetaData[tusText]})
		reply = sentReply(res)
	}
	t.h.metrics.uploaded(kindTus, err)
	if err != nil {
		t.h.metrics.refused(errs.CodeOf(err))
		return nil, err
	}
	return reply, nil
}

func jsonHeader() tusd.HTTPHeader {
	return tusd.HTTPHeader{"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff"}
}

// tusError turns err into the error tusd answers with: the same ErrorBody
// and status as every other refusal. tusd's own errors pass as they are.
func tusError(err error) error {
	if _, ok := err.(tusd.Error); ok {
		return err
	}
	rep, status := errorBody(err)
	data, _ := json.Marshal(rep)
	h := jsonHeader()
	if ra := retryAfter(err); ra != "" {
		h["Retry-After"] = ra
	}
	return tusd.Error{ErrorCode: string(rep.Error.Code), Message: rep.Error.Message,
		HTTPResponse: tusd.HTTPResponse{StatusCode: status, Body: string(data) + "\n", Header: h}}
}

// startChunk applies the limits on uploads in flight to a PATCH and counts
// it; done ends it, with the bytes it stored.
func (h *Handler) startChunk(ctx context.Context, channel string) (done func(n int64), err error) {
	c := callFrom(ctx)
	if c == nil {
		return nil, &errs.Error{Code: errs.PermissionDenied}
	}
	release, err := h.limits.acquire(c.member.Identity, channel)
	if err != nil {
		h.metrics.refused(errs.CodeOf(err))
		return nil, err
	}
	start := h.now()
	h.metrics.active.Inc()
	return func(n int64) {
		h.metrics.active.Dec()
		release()
		h.metrics.bytesIn.Add(float64(n))
		h.metrics.duration.WithLabelValues(kindTus).Observe(h.now().Sub(start).Seconds())
	}, nil
}

// Sweep deletes the tus uploads created more than Options.UploadLifetime
// ago and not finished, and returns how many it deleted. An upload with a
// PATCH in flight is interrupted first. The background sweep (see
// Options.SweepInterval) calls it; a host that turns that off calls it
// itself.
func (h *Handler) Sweep(ctx context.Context) (int, error) {
	t := h.tus
	cutoff := h.now().Add(-t.lifetime)
	var expired []string
	for it, err := range t.store.bucket.List(ctx, tusPrefix) {
		if err != nil {
			return 0, err
		}
		id, ok := strings.CutSuffix(strings.TrimPrefix(it.Key, tusPrefix), "/info")
		if ok && it.ModTime.Before(cutoff) {
			expired = append(expired, id)
		}
	}
	n := 0
	for _, id := range expired {
		if err := t.expire(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// expire deletes one upload under its lock.
func (t *tusUploads) expire(ctx context.Context, id string) error {
	lock, err := t.locker.NewLock(id)
	if err != nil {
		return err
	}
	if err := lock.Lock(ctx, func() {}); err != nil {
		return &errs.Error{Code: errs.Canceled, Op: "sweep " + id, Err: err}
	}
	defer lock.Unlock()
	return t.store.remove(ctx, id)
}

// waitingLocker is tusd's in-memory locker, except that a request that
// wants a held upload waits for the holder to end rather than interrupt it.
// tusd v2.9.1's interruption races with the PATCH it interrupts (its
// context's goroutine reads the body that writeChunk is setting), which
// the race detector reports. The wait is short: a PATCH whose client went
// away ends as soon as its connection reports it, or within the stall
// timeout when it goes silent.
type waitingLocker struct{ *memorylocker.MemoryLocker }

// NewLock implements tusd.Locker.
func (l waitingLocker) NewLock(id string) (tusd.Lock, error) {
	lock, err := l.MemoryLocker.NewLock(id)
	if err != nil {
		return nil, err
	}
	return waitingLock{lock}, nil
}

type waitingLock struct{ inner tusd.Lock }

// Lock implements tusd.Lock, never asking the holder to let go.
func (l waitingLock) Lock(ctx context.Context, _ func()) error { return l.inner.Lock(ctx, func() {}) }

// Unlock implements tusd.Lock.
func (l waitingLock) Unlock() error { return l.inner.Unlock() }
