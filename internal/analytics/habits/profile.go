package habits

import (
	"math"
	"time"
)

// Daypart is a part of the day.
type Daypart uint8

// Parts of the day; see the package comment for their hours.
const (
	Morning Daypart = iota
	Midday
	Afternoon
	Evening
	Night
)

// NumDayparts counts the parts of the day.
const NumDayparts = int(Night) + 1

// DaypartNames gives each part of the day's key and names, indexed by Daypart.
var DaypartNames = [NumDayparts]struct{ Key, ZH, EN string }{
	Morning:   {"morning", "上午", "Morning"},
	Midday:    {"midday", "中午", "Midday"},
	Afternoon: {"afternoon", "下午", "Afternoon"},
	Evening:   {"evening", "傍晚", "Evening"},
	Night:     {"night", "夜间", "Night"},
}

func (p Daypart) String() string {
	if int(p) < NumDayparts {
		return DaypartNames[p].Key
	}
	return "invalid"
}

// DaypartOf is the part of the day an hour (0–23) belongs to.
func DaypartOf(hour int) Daypart {
	switch {
	case hour >= 6 && hour < 11:
		return Morning
	case hour >= 11 && hour < 14:
		return Midday
	case hour >= 14 && hour < 17:
		return Afternoon
	case hour >= 17 && hour < 20:
		return Evening
	}
	return Night
}

// Profiles accumulates each member's visits: 96 bytes per member, kept
// together so a sale touches one place in memory. Members are dense indices
// 0..n-1.
type Profiles struct {
	loc *time.Location
	m   []acc
}

type acc struct {
	visits, days, items int32
	first, last         int32 // day numbers, days since 1970-01-01 local
	amount              int64
	hours               [24]uint16
	wdays               [7]uint16
}

// NewProfiles returns Profiles with room for n members, reading times in loc
// (nil means UTC).
func NewProfiles(loc *time.Location, n int) *Profiles {
	if loc == nil {
		loc = time.UTC
	}
	return &Profiles{loc: loc, m: make([]acc, n)}
}

// Len is the number of members.
func (p *Profiles) Len() int { return len(p.m) }

// Add records one visit (sale) by member at t, with its amount in fen and
// its number of items.
func (p *Profiles) Add(member int, t time.Time, amountFen int64, items int) {
	if member >= len(p.m) {
		p.m = append(p.m, make([]acc, member+1-len(p.m))...)
	}
	a := &p.m[member]
	t = t.In(p.loc)
	y, mo, d := t.Date()
	day := int32(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	switch {
	case a.days == 0:
		a.days, a.first, a.last = 1, day, day
	case day > a.last:
		a.days++
		a.last = day
	case day < a.last:
		a.days++
		a.first = min(a.first, day)
	}
	a.visits++
	a.items += int32(items)
	a.amount += amountFen
	h := &a.hours[t.Hour()]
	*h = min(*h+1, math.MaxUint16)
	w := &a.wdays[t.Weekday()]
	*w = min(*w+1, math.MaxUint16)
}

// Profile is one member's shopping habits.
type Profile struct {
	Visits       int
	VisitDays    int
	Items        int
	Amount       int64   // fen
	AvgBasket    float64 // fen per visit
	AvgItems     float64 // items per visit
	IntervalDays float64 // mean days between visit days; 0 below two
	Weekday      time.Weekday
	Hour         int
	Daypart      Daypart
	WeekendShare float64 // share of visits on Saturday and Sunday
	// Hours and Weekdays are the member's visit counts (saturating at
	// 65,535), for a personal heat strip.
	Hours    [24]uint16
	Weekdays [7]uint16
}

// Profile returns the habits of member (the zero Profile for a member with
// no visits).
func (p *Profiles) Profile(member int) Profile {
	if member >= len(p.m) || p.m[member].visits == 0 {
		return Profile{}
	}
	a := &p.m[member]
	v := int(a.visits)
	pr := Profile{
		Visits:    v,
		VisitDays: int(a.days),
		Items:     int(a.items),
		Amount:    a.amount,
		AvgBasket: float64(a.amount) / float64(v),
		AvgItems:  float64(a.items) / float64(v),
		Hours:     a.hours,
		Weekdays:  a.wdays,
	}
	if pr.VisitDays > 1 {
		pr.IntervalDays = float64(a.last-a.first) / float64(pr.VisitDays-1)
	}
	var parts [NumDayparts]int
	for h, c := range pr.Hours {
		if c > pr.Hours[pr.Hour] {
			pr.Hour = h
		}
		parts[DaypartOf(h)] += int(c)
	}
	for d := range parts {
		if parts[d] > parts[pr.Daypart] {
			pr.Daypart = Daypart(d)
		}
	}
	pr.Weekday = WeekOrder[0]
	for _, wd := range WeekOrder {
		if pr.Weekdays[wd] > pr.Weekdays[pr.Weekday] {
			pr.Weekday = wd
		}
	}
	var all, weekend int
	for wd, c := range pr.Weekdays {
		all += int(c)
		if time.Weekday(wd) == time.Saturday || time.Weekday(wd) == time.Sunday {
			weekend += int(c)
		}
	}
	if all > 0 {
		pr.WeekendShare = float64(weekend) / float64(all)
	}
	return pr
}
