package lifecycle

import (
	"errors"
	"math"
	"time"
)

// Day is the number of days from 1970-01-01 to t's calendar date in loc (the
// store's time zone).
func Day(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return civil(y, m, d)
}

func civil(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Month is one calendar month of the range, with its first and last day
// (see Day). The last month ends on the range's last day.
type Month struct {
	Year        int
	Month       time.Month
	First, Last int
}

// cell is one member's purchases in one month: distinct purchase days and
// the first and last day of the month with a purchase (1–31).
type cell struct {
	visits      uint16
	first, last uint8
}

// history summarises purchases before the range.
type history struct {
	visits, first, last int32
}

const noDay = math.MaxInt32

// Tracker collects purchases and registrations per member and month. Members
// are dense indices 0..n-1.
//
// A purchase day counts once: a call on the same day as the latest one
// recorded for the member in that month adds nothing, so lines or sales
// streamed in time order count purchase days exactly.
type Tracker struct {
	months  []Month
	monthOf []uint8 // month index by day − first day of the range
	first   int
	last    int
	// cells[month][member]: one slice per month, so a stream in time order
	// works within one month's slice at a time and stays in cache.
	cells [][]cell
	prior []history
	join  []int32
	// Outside counts purchases after the range, which are ignored.
	Outside int
}

// NewTracker covers the calendar months from from's month to to's, both
// taken as dates in loc; the last month ends on to's date.
func NewTracker(from, to time.Time, loc *time.Location) (*Tracker, error) {
	first, last := Day(from, loc), Day(to, loc)
	if last < first {
		return nil, errors.New("lifecycle: the range ends before it starts")
	}
	fy, fm, _ := from.In(loc).Date()
	t := &Tracker{first: civil(fy, fm, 1), last: last}
	for d := t.first; d <= last; {
		y, m, _ := time.Unix(int64(d)*86400, 0).UTC().Date()
		next := civil(y, m+1, 1)
		t.months = append(t.months, Month{Year: y, Month: m, First: d, Last: min(next-1, last)})
		d = next
	}
	if len(t.months) > 255 {
		return nil, errors.New("lifecycle: the range covers more than 255 months")
	}
	t.cells = make([][]cell, len(t.months))
	t.monthOf = make([]uint8, last-t.first+1)
	for i, m := range t.months {
		for d := m.First; d <= m.Last; d++ {
			t.monthOf[d-t.first] = uint8(i)
		}
	}
	return t, nil
}

// Months are the months of the range, in order.
func (t *Tracker) Months() []Month { return t.months }

// Len is the number of members seen (one more than the highest index).
func (t *Tracker) Len() int { return len(t.prior) }

func (t *Tracker) grow(n int) {
	if n <= len(t.prior) {
		return
	}
	for m, c := range t.cells {
		t.cells[m] = append(c, make([]cell, n-len(c))...)
	}
	t.prior = append(t.prior, make([]history, n-len(t.prior))...)
	for len(t.join) < n {
		t.join = append(t.join, noDay)
	}
}

// Join records the member's registration day. Without one a member is
// absent until its first purchase.
func (t *Tracker) Join(member, day int) {
	t.grow(member + 1)
	t.join[member] = int32(day)
}

// Add records a purchase by member on day.
func (t *Tracker) Add(member, day int) {
	if day > t.last {
		t.Outside++
		return
	}
	t.grow(member + 1)
	if day < t.first {
		h := &t.prior[member]
		d := int32(day)
		switch {
		case h.visits == 0:
			*h = history{1, d, d}
		case d > h.last:
			h.visits++
			h.last = d
		case d < h.last:
			h.visits++
			h.first = min(h.first, d)
		}
		return
	}
	m := int(t.monthOf[day-t.first])
	c := &t.cells[m][member]
	dom := uint8(day - t.months[m].First + 1)
	switch {
	case c.visits == 0:
		*c = cell{1, dom, dom}
	case dom > c.last:
		c.visits = min(c.visits+1, math.MaxUint16)
		c.last = dom
	case dom < c.last:
		c.visits = min(c.visits+1, math.MaxUint16)
		c.first = min(c.first, dom)
	}
}
