// Package vips is the libvips renderer for attachkit previews: the same
// preview.Renderer as the pure-Go one, through
// github.com/davidbyttow/govips/v2 (cgo; Debian's libvips-dev). libvips
// shrinks while it decodes (a JPEG is decoded at 1/2, 1/4 or 1/8 scale
// straight from its DCT coefficients), so a 12-megapixel photo costs a
// fraction of a full decode in time and memory, the reason image services
// (imgproxy, sharp, Zulip) use it.
//
// libvips is process-wide state. Start it once, with Start, when the
// process starts; the *Library it returns owns it. Make as many Renderers
// from it as there are option sets: they share it and are safe for
// concurrent use. Close the Library once, when the process is done with
// it: Close waits for renders under way, and libvips cannot be started
// again in the same process afterwards (a limit of libvips and govips).
//
// # Security
//
// Every image's header is read, and its pixel count checked against the
// limit, by package preview before libvips sees a byte. libvips then
// loads with fail=true, so a truncated or corrupt image is an error, not
// a half-grey preview. Renditions are exported with all metadata stripped.
package vips

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/internal/ctxio"
	govips "github.com/davidbyttow/govips/v2/vips"
)

// Config configures libvips for the process. A nil *Config means the
// defaults.
type Config struct {
	// Concurrency is the number of threads libvips gives one image
	// operation. Zero means 1: a server renders many images at once, each
	// on its own goroutine (bounded by a preview.Pool), and threads per
	// image would only contend with them.
	Concurrency int
	// TempDir is where an image is spooled for libvips to read it from a
	// file, so the Go heap never holds the whole original. Empty means
	// os.TempDir().
	TempDir string
}

// Library owns libvips for the process. Its zero value is not usable; use
// Start.
type Library struct {
	tempDir string
	// mu is held for reading by every render under way and for writing by
	// Close, which so waits for them.
	mu     sync.RWMutex
	closed bool
}

// Start starts libvips and returns the Library that owns it. Call it once
// per process, before any other use of govips; it returns an *errs.Error
// with code Unavailable when libvips cannot start (it is too old, or was
// shut down before).
func Start(cfg *Config) (lib *Library, err error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	defer func() {
		// govips panics on an old libvips and on a restart.
		if p := recover(); p != nil {
			lib, err = nil, &errs.Error{Code: errs.Unavailable, Op: "vips.Start", Err: fmt.Errorf("libvips: %v", p)}
		}
	}()
	// Only warnings and worse: libvips logs its start, each module and each
	// image freed otherwise. govips' finalizers read this setting without
	// a lock, so it is set here, before any image exists: one more reason
	// to call Start once per process.
	govips.LoggingSettings(nil, govips.LogLevelWarning)
	govips.Startup(&govips.Config{ConcurrencyLevel: c.Concurrency, MaxCacheFiles: 0, MaxCacheMem: 0, MaxCacheSize: 0})
	return &Library{tempDir: c.TempDir}, nil
}

// Close waits for the renders under way, then shuts libvips down. Renders
// after Close fail with code Closed. It is safe to call more than once.
func (l *Library) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		govips.Shutdown()
	}
	return nil
}

// Renderer is a preview.Renderer backed by libvips. It is safe for
// concurrent use. Its zero value is not usable; use Library.Renderer.
type Renderer struct {
	lib  *Library
	opts preview.Options
}

// Renderer returns a renderer with the given options (nil for the
// defaults), backed by l.
func (l *Library) Renderer(opts *preview.Options) *Renderer {
	return &Renderer{lib: l, opts: opts.WithDefaults()}
}

// Estimate implements preview.Estimator, so a preview.Pool admits libvips
// renders by their own cost, which is mostly outside the Go heap: a
// baseline JPEG or a WebP is shrunk while it is decoded (to an eighth on
// each side at best, a half at worst); a progressive JPEG is shrunk too,
// but libjpeg keeps all its coefficients until the last scan, 2 bytes a
// pixel of each plane; an interlaced PNG, a GIF and a HEIF are decoded
// whole. On the Go side, each rendition's bytes, and the smallest one
// decoded for its BlurHash. The figures are libvips' and libjpeg's
// documented buffers, not measured: the Go heap does not see them.
func (r *Renderer) Estimate(h preview.Header, targets []preview.Target) int64 {
	const overhead = 8 << 20 // libvips' per-image state, the spool's buffer
	p := h.Pixels()
	var load int64
	switch h.Format {
	case preview.JPEG:
		load = p // a quarter of the pixels at 4 bytes
		if h.Progressive {
			planes := max(h.Components, 1)
			load += 2 * p * int64(planes)
		}
	case preview.WebP:
		load = p + max(h.DataBytes, 0)
	case preview.HEIF:
		load = 8 * p // libheif's planes, then RGBA
	default:
		load = h.DecodeBytes()
	}
	var renditions int64
	for _, t := range targets {
		w, ht := preview.Fit(h.Width, h.Height, t.Max)
		renditions += 8 * int64(w) * int64(ht) // the bytes, and a decode of them
	}
	return load + renditions + overhead
}

// Render implements preview.Renderer.
func (r *Renderer) Render(ctx context.Context, src io.Reader, targets []preview.Target) (out []preview.Rendition, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &errs.Error{Code: errs.Internal, Op: "vips.Render", Err: fmt.Errorf("panic: %v", p)}
		}
	}()
	if err := preview.CheckTargets(targets); err != nil {
		return nil, err
	}
	r.lib.mu.RLock()
	defer r.lib.mu.RUnlock()
	if r.lib.closed {
		return nil, &errs.Error{Code: errs.Closed, Op: "vips.Render"}
	}
	if err := ctx.Err(); err != nil {
		return nil, &errs.Error{Code: errs.Canceled, Op: "vips.Render", Err: err}
	}
	h, rest, err := preview.ProbeReader(src)
	if err != nil {
		return nil, err
	}
	if err := r.opts.Admit(h); err != nil {
		return nil, err
	}
	if h.Format == preview.WebP && h.Frames > 1 {
		// The pure-Go renderer cannot read animated WebP; both refuse it
		// alike.
		return nil, &errs.Error{Code: errs.Unsupported, Op: "vips.Render", Message: "this type of image has no preview"}
	}
	path, err := r.spool(ctx, rest)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	if err := verify(h, path); err != nil {
		return nil, err
	}

	out = make([]preview.Rendition, len(targets))
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return targets[order[a]].Max < targets[order[b]].Max })
	var blurHash string
	for _, i := range order { // smallest first: its pixels give the BlurHash
		if err := ctx.Err(); err != nil {
			return nil, &errs.Error{Code: errs.Canceled, Op: "vips.Render", Err: err}
		}
		data, rend, err := r.thumbnail(path, targets[i].Max)
		if err != nil {
			return nil, err
		}
		if blurHash == "" {
			img, _, err := image.Decode(bytes.NewReader(data))
			if err != nil {
				return nil, &errs.Error{Code: errs.Internal, Op: "vips.Render", Err: fmt.Errorf("decoding libvips' rendition: %w", err)}
			}
			blurHash = preview.BlurHash(img)
		}
		rend.BlurHash = blurHash
		n, err := targets[i].W.Write(data)
		rend.Size = int64(n)
		if err != nil {
			return nil, &errs.Error{Code: errs.Unavailable, Op: "vips.Render", Err: err}
		}
		out[i] = rend
	}
	return out, nil
}

// spool copies the image to a temporary file for libvips to read, so the
// Go heap holds 32 KiB of it at a time, not the whole file.
func (r *Renderer) spool(ctx context.Context, src io.Reader) (string, error) {
	f, err := os.CreateTemp(r.lib.tempDir, "attachkit-preview-*")
	if err != nil {
		return "", &errs.Error{Code: errs.Unavailable, Op: "vips.Render", Err: err}
	}
	_, err = io.Copy(f, ctxio.Reader(ctx, src))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", &errs.Error{Code: errs.Canceled, Op: "vips.Render", Err: ctx.Err()}
		}
		return "", &errs.Error{Code: errs.Unavailable, Op: "vips.Render", Err: err}
	}
	return f.Name(), nil
}

// verify checks the spooled image's structure (see preview.Verify):
// libvips would render a truncated image, grey where its data ran out.
func verify(h preview.Header, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &errs.Error{Code: errs.Unavailable, Op: "vips.Render", Err: err}
	}
	defer f.Close()
	return preview.Verify(h, f)
}

// thumbnail makes one rendition fitting a max×max box with libvips'
// thumbnail operation (shrink on load, EXIF orientation applied) and
// exports it, metadata stripped.
func (r *Renderer) thumbnail(path string, max int) ([]byte, preview.Rendition, error) {
	// libvips 8.14's thumbnail ignores fail and fail_on: verify, before
	// this, refuses a damaged file.
	ref, err := govips.LoadThumbnailFromFile(path, max, max, govips.InterestingNone, govips.SizeDown, nil)
	if err != nil {
		return nil, preview.Rendition{}, loadError(err)
	}
	defer ref.Close()
	rend := preview.Rendition{Width: ref.Width(), Height: ref.Height(), ContentType: "image/jpeg"}
	if ref.HasAlpha() {
		// libvips reads the file once, in order, so the alpha band cannot
		// be checked before export: export PNG, and make it a JPEG only if
		// no pixel turns out transparent.
		p := govips.NewPngExportParams()
		p.StripMetadata = true
		p.Compression = 1
		data, _, err := ref.ExportPng(p)
		if err != nil {
			return nil, preview.Rendition{}, loadError(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, preview.Rendition{}, &errs.Error{Code: errs.Internal, Op: "vips.Render", Err: err}
		}
		if !opaque(img) {
			rend.ContentType = "image/png"
			return data, rend, nil
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: r.opts.Quality}); err != nil {
			return nil, preview.Rendition{}, &errs.Error{Code: errs.Internal, Op: "vips.Render", Err: err}
		}
		return buf.Bytes(), rend, nil
	}
	p := govips.NewJpegExportParams()
	p.StripMetadata = true
	p.Quality = r.opts.Quality
	p.Interlace = false
	data, _, err := ref.ExportJpeg(p)
	if err != nil {
		return nil, preview.Rendition{}, loadError(err)
	}
	return data, rend, nil
}

// opaque reports whether every pixel of img is opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// loadError maps a libvips load error to the renderer's codes: libvips
// says a damaged file is damaged in many words, and anything it cannot
// read at all, it cannot read.
func loadError(err error) error {
	msg := err.Error()
	code := errs.InvalidArgument
	if strings.Contains(msg, "is not a known file format") || strings.Contains(msg, "not supported") {
		code = errs.Unsupported
	}
	return &errs.Error{Code: code, Op: "vips.Render", Message: "the image is damaged or incomplete", Err: errors.New(firstLine(msg))}
}

// firstLine returns s up to its first newline: libvips appends a stack.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
