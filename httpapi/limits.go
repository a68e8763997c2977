package httpapi

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/attachkit/attachments/errs"
)

// Limits bound what one member, and one channel, may do. A zero field means
// no limit of that kind; a nil *Limits in Options means no limits at all.
type Limits struct {
	// MemberRate is how many requests a second one member may make, on
	// average, to any of the handlers; MemberBurst how many it may make at
	// once. Default 0: no limit. MemberBurst defaults to MemberRate rounded
	// up, at least 1.
	MemberRate  float64
	MemberBurst int
	// ChannelRate and ChannelBurst are the same for all members of one
	// channel together. Default 0: no limit.
	ChannelRate  float64
	ChannelBurst int

	// MemberUploads is how many uploads one member may have in flight at
	// once (multipart requests and tus PATCHes). Default 0: no limit.
	MemberUploads int
	// ChannelUploads is the same for one channel. Default 0: no limit.
	ChannelUploads int

	// Usage tells how much a member stores, for the quotas below. Default
	// nil: no quotas.
	Usage Usage
	// MaxBytes is how many bytes one member may store; an upload that would
	// take it past is refused. Default 0: no limit.
	MaxBytes int64
	// MaxFiles is how many files one member may store. Default 0: no limit.
	MaxFiles int64
	// MaxPending is how many files one member may have staged and not yet
	// sent (in drafts, or tus uploads not finished). Default 0: no limit.
	MaxPending int64
}

// Usage is the interface that wraps the Usage method.
//
// Usage reports what the member with identity stores now, across channels.
// The host implements it from its own records (and the library's ledger,
// once there is one); it is asked once per upload, before the upload's
// bytes are read, so it should be quick. An error fails the upload with its
// code (errs.Unavailable when it has none).
type Usage interface {
	Usage(ctx context.Context, identity string) (Stored, error)
}

// Stored is what one member stores.
type Stored struct {
	// Bytes is the total size of the member's files.
	Bytes int64
	// Files is how many files the member has.
	Files int64
	// Pending is how many of them are staged and not yet sent.
	Pending int64
}

// retryAfter is the cause of a refusal that clears with time.
type retryAfterError struct{ after time.Duration }

func (e retryAfterError) Error() string { return "retry after " + e.after.String() }

// RetryAfterSeconds is the Retry-After a refusal is answered with.
func (e retryAfterError) RetryAfterSeconds() int { return int(math.Ceil(e.after.Seconds())) }

// sweepEvery is how often idle rate limiters are dropped.
const sweepEvery = time.Minute

// limiter enforces Limits. Its maps hold only what is in use: a member's
// token bucket is dropped once it has refilled (a full bucket is the same
// as a new one), and an upload count once it is back to zero, so memory
// stays bounded by the members active in the last minute.
type limiter struct {
	lim Limits
	now func() time.Time

	mu        sync.Mutex
	members   map[string]*rate.Limiter
	channels  map[string]*rate.Limiter
	inFlight  map[string]int // "m"+identity or "c"+channel
	lastSweep time.Time
}

func newLimiter(l *Limits, now func() time.Time) *limiter {
	if l == nil {
		return nil
	}
	lim := *l
	if lim.MemberRate > 0 && lim.MemberBurst <= 0 {
		lim.MemberBurst = max(1, int(math.Ceil(lim.MemberRate)))
	}
	if lim.ChannelRate > 0 && lim.ChannelBurst <= 0 {
		lim.ChannelBurst = max(1, int(math.Ceil(lim.ChannelRate)))
	}
	return &limiter{lim: lim, now: now, members: map[string]*rate.Limiter{},
		channels: map[string]*rate.Limiter{}, inFlight: map[string]int{}, lastSweep: now()}
}

// allow takes one request from the member's and the channel's buckets, or
// refuses with errs.RateLimited and how long to wait.
func (l *limiter) allow(identity, channel string) error {
	if l == nil || (l.lim.MemberRate <= 0 && l.lim.ChannelRate <= 0) {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	var wait time.Duration
	var taken []*rate.Reservation
	take := func(m map[string]*rate.Limiter, key string, r float64, burst int) {
		if r <= 0 {
			return
		}
		b := m[key]
		if b == nil {
			b = rate.NewLimiter(rate.Limit(r), burst)
			m[key] = b
		}
		res := b.ReserveN(now, 1)
		taken = append(taken, res)
		wait = max(wait, res.DelayFrom(now))
	}
	take(l.members, identity, l.lim.MemberRate, l.lim.MemberBurst)
	if channel != "" {
		take(l.channels, channel, l.lim.ChannelRate, l.lim.ChannelBurst)
	}
	if wait == 0 {
		return nil
	}
	for _, res := range taken {
		res.CancelAt(now) // a refused request costs nothing
	}
	return &errs.Error{Code: errs.RateLimited, Err: retryAfterError{wait}}
}

// sweep drops the buckets that have refilled. l.mu is held.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	for _, m := range []map[string]*rate.Limiter{l.members, l.channels} {
		for k, b := range m {
			if b.TokensAt(now) >= float64(b.Burst()) {
				delete(m, k)
			}
		}
	}
}

// size reports how many buckets and counts the limiter holds, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.members) + len(l.channels) + len(l.inFlight)
}

// acquire counts one more upload in flight for the member and the channel,
// or refuses with errs.TooManyUploads. release undoes it.
func (l *limiter) acquire(identity, channel string) (release func(), err error) {
	if l == nil || (l.lim.MemberUploads <= 0 && l.lim.ChannelUploads <= 0) {
		return func() {}, nil
	}
	mk, ck := "m"+identity, "c"+channel
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.lim.MemberUploads > 0 && l.inFlight[mk] >= l.lim.MemberUploads) ||
		(l.lim.ChannelUploads > 0 && l.inFlight[ck] >= l.lim.ChannelUploads) {
		return nil, &errs.Error{Code: errs.TooManyUploads, Err: retryAfterError{time.Second}}
	}
	l.inFlight[mk]++
	l.inFlight[ck]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, k := range [...]string{mk, ck} {
				if l.inFlight[k]--; l.inFlight[k] <= 0 {
					delete(l.inFlight, k)
				}
			}
		})
	}, nil
}

// quota refuses an upload of size bytes (0 when unknown) that would take
// the member past its quotas, with errs.QuotaExceeded.
func (l *limiter) quota(ctx context.Context, identity string, size int64) error {
	if l == nil || l.lim.Usage == nil || (l.lim.MaxBytes <= 0 && l.lim.MaxFiles <= 0 && l.lim.MaxPending <= 0) {
		return nil
	}
	st, err := l.lim.Usage.Usage(ctx, identity)
	if err != nil {
		if errs.As(err) != nil {
			return err
		}
		return &errs.Error{Code: errs.Unavailable, Op: "usage", Err: err}
	}
	over := func(limit int64, msg string, used int64) error {
		return &errs.Error{Code: errs.QuotaExceeded, Message: msg, Details: errs.Details{Limit: limit, Size: used}}
	}
	switch {
	case l.lim.MaxFiles > 0 && st.Files+1 > l.lim.MaxFiles:
		return over(l.lim.MaxFiles, "you have too many files stored; delete some first", st.Files)
	case l.lim.MaxPending > 0 && st.Pending+1 > l.lim.MaxPending:
		return over(l.lim.MaxPending, "you have too many files waiting to be sent", st.Pending)
	case l.lim.MaxBytes > 0 && st.Bytes+size > l.lim.MaxBytes:
		return over(l.lim.MaxBytes, "you have no room left for this file", st.Bytes+size)
	}
	return nil
}
