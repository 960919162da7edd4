package insight

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
)

// CacheTTL is how long a result is reused as it is for the same
// parameters. Up to MaxStale, an older result is still answered at once
// while a fresh one is computed for the next request: a store's analyses
// read every line of their period, seconds of work, and figures of months
// of sales hardly move in an hour; each result says when it was computed.
const CacheTTL = 5 * time.Minute

// MaxStale is the age beyond which a result is computed afresh before it
// is answered.
const MaxStale = 24 * time.Hour

// cacheSize bounds the results kept; the oldest goes first.
const cacheSize = 64

// DefaultZone is the time zone used when the chain has no store yet.
const DefaultZone = linli.DefaultZone

// Range selects counted sales sold in [From, To) (from the first sale when
// From is zero), at one store or (StoreID 0) the whole chain.
type Range struct {
	From, To time.Time
	StoreID  int64
}

// Visit is one counted sale.
type Visit struct {
	MemberID  int64 // 0 for an anonymous sale
	StoreID   int64
	At        time.Time
	AmountFen int64 // net of refunds
	Items     int   // lines not refunded in full
}

// MemberTotal is one member's attributes in clear and their counted sales
// in a range.
type MemberTotal struct {
	MemberID  int64
	Gender    string
	BirthYear int // 0 when unknown
	Area      string
	Sales     int
	NetFen    int64
}

// Store is what the analyses read. Every method streams: fn is called per
// row and an error from fn stops the stream and is returned.
type Store interface {
	// Zones are the stores' time zones by store id.
	Zones(ctx context.Context) (map[int64]string, error)
	// BasketItems gives each distinct item (a product code, or a category
	// when byCategory) of every counted sale in r, grouped by sale.
	BasketItems(ctx context.Context, r Range, byCategory bool, fn func(sale int64, item string) error) error
	// ProductNames are the catalogue names of the given product codes.
	ProductNames(ctx context.Context, codes []string) (map[string]string, error)
	// Purchases gives the time of every counted member sale in r, in time
	// order per member.
	Purchases(ctx context.Context, r Range, fn func(member, store int64, at time.Time) error) error
	// Joins gives the registration time of members that are not merged
	// away (registered at storeID when it is not 0).
	Joins(ctx context.Context, storeID int64, fn func(member int64, at time.Time) error) error
	// MemberTotals gives one row per active or inactive member that is
	// registered at r's store or bought there in r (every such member for
	// the chain), with their counted sales in r, by member id.
	MemberTotals(ctx context.Context, r Range, fn func(MemberTotal) error) error
	// MemberCategories gives each member's net spend per category in r.
	MemberCategories(ctx context.Context, r Range, fn func(member int64, category string, amountFen int64) error) error
	// Visits gives every counted sale in r.
	Visits(ctx context.Context, r Range, fn func(Visit) error) error
	// CategoryBuckets sums net line amounts per category in consecutive
	// buckets [bounds[i], bounds[i+1]) at the given stores (all when
	// stores is empty).
	CategoryBuckets(ctx context.Context, stores []int64, bounds []time.Time, fn func(bucket int, category string, amountFen int64) error) error
}

// Service runs the analyses and caches their results.
type Service struct {
	store Store
	now   linli.Clock
	cache cache
}

// New returns a Service reading st.
func New(st Store, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	return &Service{store: st, now: now, cache: cache{ttl: CacheTTL, stale: MaxStale, now: now, m: map[string]*entry{}}}
}

// Bounds say what a result covers: the dates (both included) in the time
// zone, and when the figures were computed (see CacheTTL).
type Bounds struct {
	From     string    `json:"from"` // YYYY-MM-DD, first day included
	To       string    `json:"to"`   // YYYY-MM-DD, last day included
	Zone     string    `json:"zone"`
	StoreID  int64     `json:"store_id,omitempty"`
	Computed time.Time `json:"computed_at"`
}

// Period is a span of calendar dates, both ends included; zero dates take
// the analysis' default.
type Period struct {
	From, To time.Time // dates at 00:00 UTC
}

// MaxPeriodDays bounds a period: two years of sales.
const MaxPeriodDays = 731

// parsePeriod reads from and to (YYYY-MM-DD).
func parsePeriod(v url.Values, val *linli.Validation) Period {
	var p Period
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &p.From}, {"to", &p.To}} {
		s := strings.TrimSpace(v.Get(f.name))
		if s == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			val.Add(f.name, "insight.date_invalid", "%s must be a date written YYYY-MM-DD", f.name)
			continue
		}
		*f.dst = d
	}
	return p
}

// resolve fills in the default period of days ending today in loc and
// checks it; it returns the range of instants and its bounds.
func (s *Service) resolve(p Period, days int, storeID int64, loc *time.Location) (Range, Bounds, error) {
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	to, from := p.To, p.From
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -(days - 1))
	}
	switch {
	case to.Before(from):
		return Range{}, Bounds{}, linli.Invalid("insight.period_reversed", "from", "the period ends before it starts")
	case to.Sub(from) >= MaxPeriodDays*24*time.Hour:
		return Range{}, Bounds{}, linli.Invalid("insight.period_too_long", "from", "the period is longer than %d days", MaxPeriodDays)
	}
	r := Range{From: local(from, loc), To: local(to.AddDate(0, 0, 1), loc), StoreID: storeID}
	b := Bounds{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Zone: loc.String(), StoreID: storeID}
	return r, b, nil
}

// local is the start of date d (a date at 00:00 UTC) in loc.
func local(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// zones loads the stores' time zones, checks storeID and returns the zone
// of the analysis: the store's, or the first store's for the chain.
func (s *Service) zones(ctx context.Context, storeID int64) (map[int64]*time.Location, *time.Location, error) {
	names, err := s.store.Zones(ctx)
	if err != nil {
		return nil, nil, err
	}
	locs := make(map[int64]*time.Location, len(names))
	var first int64
	for id, n := range names {
		loc, err := time.LoadLocation(n)
		if err != nil {
			loc, _ = time.LoadLocation(DefaultZone)
		}
		if loc == nil {
			loc = time.UTC
		}
		locs[id] = loc
		if first == 0 || id < first {
			first = id
		}
	}
	if storeID != 0 {
		loc, ok := locs[storeID]
		if !ok {
			return nil, nil, linli.Invalid("insight.store_unknown", "store_id", "there is no store %d", storeID)
		}
		return locs, loc, nil
	}
	if first != 0 {
		return locs, locs[first], nil
	}
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		loc = time.UTC
	}
	return locs, loc, nil
}

// parseStore reads store_id.
func parseStore(v url.Values, val *linli.Validation) int64 {
	s := strings.TrimSpace(v.Get("store_id"))
	if s == "" || s == "0" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		val.Add("store_id", "insight.store_invalid", "store_id must be a store's number")
		return 0
	}
	return n
}

// parseFloat reads an optional number in [lo, hi]; def when absent. A
// percentage sign divides by 100, so "0.5%" is 0.005.
func parseFloat(v url.Values, name string, lo, hi, def float64, val *linli.Validation) float64 {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def
	}
	div := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = strings.TrimSpace(t), 100
	}
	f, err := strconv.ParseFloat(s, 64)
	f /= div
	if err != nil || !(f >= lo && f <= hi) {
		val.Add(name, "insight.number_invalid", "%s must be a number from %g to %g", name, lo, hi)
		return def
	}
	return f
}

// parseInt reads an optional whole number in [lo, hi]; def when absent.
func parseInt(v url.Values, name string, lo, hi, def int, val *linli.Validation) int {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		val.Add(name, "insight.number_invalid", "%s must be a whole number from %d to %d", name, lo, hi)
		return def
	}
	return n
}

// parseEnum reads an optional value among allowed; the first is the default.
func parseEnum(v url.Values, name string, allowed []string, val *linli.Validation) string {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return allowed[0]
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	val.Add(name, "insight.choice_invalid", "%s must be one of %s", name, strings.Join(allowed, ", "))
	return allowed[0]
}

// cache keeps results for ttl, and up to stale answers an older one while
// computing a fresh one in the background. Callers asking for a key being
// computed wait for that computation rather than starting their own.
type cache struct {
	ttl, stale time.Duration
	now        linli.Clock
	mu         sync.Mutex
	m          map[string]*entry
	refreshes  sync.WaitGroup // background refreshes in flight
}

type entry struct {
	done       chan struct{}
	at         time.Time
	val        any
	err        error
	refreshing bool // a fresh value is being computed in the background; under mu
}

// get returns the cached value of key or computes it with fn. A failed
// computation is not kept.
func (c *cache) get(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	for {
		c.mu.Lock()
		e, ok := c.m[key]
		if ok && e.at.Add(c.ttl).Before(c.now()) {
			select {
			case <-e.done:
				if e.err == nil && !e.at.Add(c.stale).Before(c.now()) {
					if _, warm := ctx.Value(warmingKey{}).(*warming); !e.refreshing && !warm {
						e.refreshing = true
						c.refresh(ctx, key, e, fn)
					}
					c.mu.Unlock()
					return e.val, nil
				}
				delete(c.m, key)
				ok = false
			default: // still computing: wait for it
			}
		}
		if !ok {
			e = &entry{done: make(chan struct{}), at: c.now()}
			c.evict()
			c.m[key] = e
			c.mu.Unlock()
			e.val, e.err = fn(ctx)
			if w, ok := ctx.Value(warmingKey{}).(*warming); ok && e.err == nil {
				w.computed++
			}
			if e.err != nil {
				c.mu.Lock()
				if c.m[key] == e {
					delete(c.m, key)
				}
				c.mu.Unlock()
			}
			close(e.done)
			return e.val, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.val, nil
		}
		// The computation this caller waited for failed; a cancelled one
		// says nothing about this caller's request, so try again.
		if !errors.Is(e.err, context.Canceled) && !errors.Is(e.err, context.DeadlineExceeded) {
			return nil, e.err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// refresh computes key afresh in the background and puts the result in
// place of old; a failure leaves old to be answered (and refreshed) again.
// The caller holds mu.
func (c *cache) refresh(ctx context.Context, key string, old *entry, fn func(ctx context.Context) (any, error)) {
	c.refreshes.Add(1)
	go func() {
		defer c.refreshes.Done()
		// Not the request's: it ends with the answer already given.
		ctx := context.WithoutCancel(ctx)
		e := &entry{done: make(chan struct{}), at: c.now()}
		e.val, e.err = fn(ctx)
		close(e.done)
		c.mu.Lock()
		defer c.mu.Unlock()
		if e.err != nil {
			old.refreshing = false
			return
		}
		if c.m[key] == old {
			c.m[key] = e
		}
	}()
}

// evict drops entries too old to answer and, when the cache is full, the oldest.
// The caller holds mu.
func (c *cache) evict() {
	now := c.now()
	var oldest string
	for k, e := range c.m {
		select {
		case <-e.done:
			if e.at.Add(max(c.ttl, c.stale)).Before(now) {
				delete(c.m, k)
				continue
			}
		default:
			continue
		}
		if oldest == "" || e.at.Before(c.m[oldest].at) {
			oldest = k
		}
	}
	if len(c.m) >= cacheSize && oldest != "" {
		delete(c.m, oldest)
	}
}

// cached is get with a typed result.
func cached[T any](ctx context.Context, s *Service, key string, fn func(ctx context.Context) (*T, error)) (*T, error) {
	v, err := s.cache.get(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

func keyOf(parts ...any) string { return fmt.Sprintf("%#v", parts) }

// ScopeStore confines a request to scope, the store a viewer is bound to
// (0 for the whole chain): a bound viewer sees their store by default and
// may not ask for another.
func ScopeStore(storeID, scope int64) (int64, error) {
	switch {
	case scope == 0:
		return storeID, nil
	case storeID == 0 || storeID == scope:
		return scope, nil
	}
	return 0, linli.Errorf(linli.KindForbidden, "insight.store_forbidden", "you may only analyse your own store")
}
