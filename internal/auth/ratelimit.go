package auth

import (
	"sync"
	"time"

	"github.com/linli/linli"
)

// Limiter counts failures per key (a username, an IP address) in a sliding
// window and refuses a key once it has Max failures in the last Window. It
// lives in memory: a restart forgets the counts, which is acceptable for a
// brake on password guessing. Safe for concurrent use.
type Limiter struct {
	max    int
	window time.Duration
	now    linli.Clock

	mu    sync.Mutex
	fails map[string][]time.Time // failure times within the window, oldest first
	sweep int                    // size at which expired keys are next swept out
}

// NewLimiter makes a limiter allowing max failures per window.
func NewLimiter(max int, window time.Duration, now linli.Clock) *Limiter {
	if now == nil {
		now = linli.SystemClock
	}
	return &Limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}, sweep: 1024}
}

// Blocked reports whether key has reached the limit, and when it may try
// again.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := l.prune(key, now)
	if len(ts) < l.max {
		return false, 0
	}
	return true, ts[0].Add(l.window).Sub(now)
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := append(l.prune(key, now), now)
	if len(ts) > l.max {
		ts = ts[len(ts)-l.max:] // older ones no longer decide anything
	}
	l.fails[key] = ts
	if len(l.fails) >= l.sweep {
		for k := range l.fails {
			l.prune(k, now)
		}
		l.sweep = max(1024, 2*len(l.fails))
	}
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// prune drops key's failures older than the window; the caller holds mu.
func (l *Limiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}
