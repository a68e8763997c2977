package httpapi

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/attachkit/attachments/errs"
)

// Limits bound what one member, and one channel, may do at once. A zero
// field means no limit of that kind; a nil *Limits in Options means no
// limits at all. What a member may store (bytes, files, files pending) is
// the Client's quota (attachments.Options.Quota), kept in its ledger.
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
