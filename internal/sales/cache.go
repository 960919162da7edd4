package sales

import (
	"sync"
	"time"
)

// settingTTL is how long the till trusts the rules, tiers, store time
// zones and catalogue entries it has read. Every sale needs them and they
// change rarely; reading and decoding them per sale cost more than the
// sale's own writes. A change made through this service is seen at once
// (the setter forgets the cached value); one made elsewhere (a price edited
// in the console, `linli tiers import` beside a running server) within
// settingTTL.
const settingTTL = time.Second

// cache holds values by key for settingTTL. It uses the wall clock, not
// the service's clock, which tests may stop.
type cache[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]cached[V]
	gen int // counts forgets
}

type cached[V any] struct {
	v  V
	at time.Time
}

// get returns the value for k, calling load when none is held or it is
// older than settingTTL. A failed load is not kept.
func (c *cache[K, V]) get(k K, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	gen := c.gen
	c.mu.Unlock()
	if ok && time.Since(e.at) < settingTTL {
		return e.v, nil
	}
	start := time.Now()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]cached[V]{}
	}
	// A forget that ran while loading wins: the value read may predate it.
	if c.gen == gen {
		c.m[k] = cached[V]{v: v, at: start}
	}
	c.mu.Unlock()
	return v, nil
}

// peek returns the value for k when one is held and fresh.
func (c *cache[K, V]) peek(k K) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || time.Since(e.at) >= settingTTL {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put holds v for k, read at start, unless a forget ran since gen was
// taken (see generation).
func (c *cache[K, V]) put(k K, v V, start time.Time, gen int) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]cached[V]{}
	}
	if c.gen == gen {
		c.m[k] = cached[V]{v: v, at: start}
	}
	c.mu.Unlock()
}

// generation is the count of forgets so far, to take before a load.
func (c *cache[K, V]) generation() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// forget drops every held value.
func (c *cache[K, V]) forget() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// zones caches time.LoadLocation, which reads the zone file on every call.
var zones cache[string, *time.Location]

func loadZone(name string) (*time.Location, error) {
	return zones.get(name, func() (*time.Location, error) { return time.LoadLocation(name) })
}
