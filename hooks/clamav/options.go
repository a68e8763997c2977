package clamav

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/attachkit/attachments/errs"
)

// Options configure a Scanner. A nil *Options means every default.
type Options struct {
	// DialTimeout limits connecting to clamd. Zero means 5 seconds.
	DialTimeout time.Duration

	// IdleTimeout limits each wait on clamd: for it to take the next chunk of
	// a stream, and, once the stream is sent, for its reply. A scan that
	// keeps making progress is never cut short by it; give ctx a deadline
	// for an overall limit. Zero means 150 seconds, a margin over clamd's
	// own default MaxScanTime of 2 minutes.
	IdleTimeout time.Duration

	// MaxConcurrent is how many connections the Scanner holds to clamd at
	// once, each a PING, VERSION or scan. Further calls wait for a free slot
	// or for their ctx to end. Keep it below clamd's MaxThreads. Zero means
	// 4.
	MaxConcurrent int

	// ChunkSize is the size of the chunks a stream is sent to clamd in, and
	// so of the one buffer a scan uses: a scan never holds more of the file
	// than this in memory. Zero means 64 KiB; at most 16 MiB.
	ChunkSize int

	// FailOpen makes Check let a file through, unscanned, when clamd cannot
	// be reached, is too slow, or answers with an error. The default, false,
	// fails closed: Check returns an errs.Unavailable error and the action
	// is refused. FailOpen never lets through a file clamd found infected,
	// a file past clamd's StreamMaxLength, or a file that could not be read.
	FailOpen bool

	// Logger receives a warning each time Check fails open, with the cause.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Default values of Options, and the largest ChunkSize.
const (
	DefaultDialTimeout   = 5 * time.Second
	DefaultIdleTimeout   = 150 * time.Second
	DefaultMaxConcurrent = 4
	DefaultChunkSize     = 64 << 10
	MaxChunkSize         = 16 << 20
)

// withDefaults returns a copy of o with every zero field set to its default,
// or an errs.InvalidConfig error naming the first bad field.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	bad := func(field string, v any) (Options, error) {
		return Options{}, &errs.Error{Code: errs.InvalidConfig, Op: "clamav options " + field,
			Message: fmt.Sprintf("invalid clamav option %s: %v", field, v)}
	}
	switch {
	case c.DialTimeout < 0:
		return bad("DialTimeout", c.DialTimeout)
	case c.IdleTimeout < 0:
		return bad("IdleTimeout", c.IdleTimeout)
	case c.MaxConcurrent < 0:
		return bad("MaxConcurrent", c.MaxConcurrent)
	case c.ChunkSize < 0 || c.ChunkSize > MaxChunkSize:
		return bad("ChunkSize", c.ChunkSize)
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.ChunkSize == 0 {
		c.ChunkSize = DefaultChunkSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
