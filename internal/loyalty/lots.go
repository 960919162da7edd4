package loyalty

import (
	"math"
	"sort"
	"time"

	"github.com/linli/linli"
)

// Lot is what one earning left to spend. A zero ExpiresAt never expires.
type Lot struct {
	ID        int64     `json:"id"`
	Points    int64     `json:"points"`
	Remaining int64     `json:"remaining"`
	EarnedAt  time.Time `json:"earned_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Expired reports whether the lot can no longer be spent at t.
func (l Lot) Expired(at time.Time) bool {
	return !l.ExpiresAt.IsZero() && !at.Before(l.ExpiresAt)
}

// Take is the points one spend takes from one lot.
type Take struct {
	LotID  int64 `json:"lot_id"`
	Points int64 `json:"points"`
}

// Expiry is the points one lot loses when it expires.
type Expiry struct {
	LotID  int64 `json:"lot_id"`
	Points int64 `json:"points"`
}

// ExpiresAt returns the exclusive end of a lot earned at earnedAt in the
// store's zone loc; zero for Never (and for an unknown kind, which Validate
// rejects). See the package doc for the policies.
func ExpiresAt(p ExpiryPolicy, earnedAt time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := earnedAt.In(loc)
	switch p.Kind {
	case ExpiryEndOfFollowingYear:
		return time.Date(t.Year()+2, time.January, 1, 0, 0, 0, 0, loc)
	case ExpiryMonths:
		first := time.Date(t.Year(), t.Month()+time.Month(p.Months), 1, 0, 0, 0, 0, time.UTC)
		d := min(t.Day(), daysIn(first.Year(), first.Month()))
		return time.Date(first.Year(), first.Month(), d+1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// fefo sorts lots first to expire first; never-expiring lots last; ties to
// the earlier earning, then the lower id.
func fefo(lots []Lot) []Lot {
	s := append([]Lot(nil), lots...)
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if !a.ExpiresAt.Equal(b.ExpiresAt) {
			switch {
			case a.ExpiresAt.IsZero():
				return false
			case b.ExpiresAt.IsZero():
				return true
			}
			return a.ExpiresAt.Before(b.ExpiresAt)
		}
		if !a.EarnedAt.Equal(b.EarnedAt) {
			return a.EarnedAt.Before(b.EarnedAt)
		}
		return a.ID < b.ID
	})
	return s
}

// Balance is the points that can be spent at t; it saturates at MaxInt64
// rather than wrap.
func Balance(lots []Lot, at time.Time) int64 {
	var sum int64
	for _, l := range lots {
		if l.Remaining > 0 && !l.Expired(at) {
			if sum > math.MaxInt64-l.Remaining {
				return math.MaxInt64
			}
			sum += l.Remaining
		}
	}
	return sum
}

// Allocate chooses which lots a spend of points consumes at t: unexpired
// lots, first to expire first. When they hold too little it takes nothing
// and fails with ledger.insufficient_points.
func Allocate(lots []Lot, points int64, at time.Time) ([]Take, error) {
	if points < 0 {
		return nil, linli.Invalid("ledger.points_invalid", "points", "points to spend must not be negative")
	}
	if points == 0 {
		return nil, nil
	}
	if have := Balance(lots, at); have < points {
		return nil, linli.Errorf(linli.KindConflict, "ledger.insufficient_points", "balance %d is less than %d points", have, points)
	}
	var takes []Take
	for _, l := range fefo(lots) {
		if points == 0 {
			break
		}
		if l.Remaining <= 0 || l.Expired(at) {
			continue
		}
		n := min(l.Remaining, points)
		takes = append(takes, Take{LotID: l.ID, Points: n})
		points -= n
	}
	return takes, nil
}

// Expire lists the points each lot loses at t: everything still remaining
// in a lot whose expiry has passed. Order: first expired first.
func Expire(lots []Lot, at time.Time) []Expiry {
	var out []Expiry
	for _, l := range fefo(lots) {
		if l.Remaining > 0 && l.Expired(at) {
			out = append(out, Expiry{LotID: l.ID, Points: l.Remaining})
		}
	}
	return out
}

// ExpiringSoon lists the lots with points left that are still valid at from
// and expire within days calendar days of it (before from + days, on from's
// wall clock), first to expire first, with their total.
func ExpiringSoon(lots []Lot, from time.Time, days int) ([]Lot, int64) {
	until := from.AddDate(0, 0, days)
	var out []Lot
	var sum int64
	for _, l := range fefo(lots) {
		if l.Remaining > 0 && !l.Expired(from) && !l.ExpiresAt.IsZero() && l.ExpiresAt.Before(until) {
			out = append(out, l)
			if sum <= math.MaxInt64-l.Remaining {
				sum += l.Remaining
			}
		}
	}
	return out, sum
}
