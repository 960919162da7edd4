package habits

import (
	"cmp"
	"slices"
	"time"
)

// WeekOrder is Monday to Sunday, the order a Chinese calendar shows a week.
var WeekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Grid is an hour × weekday heat map of visits and takings in one time zone.
type Grid struct {
	Loc    *time.Location
	Visits [7][24]int64 // [weekday][hour]
	Amount [7][24]int64 // fen
}

// NewGrid returns an empty Grid reading times in loc (nil means UTC).
func NewGrid(loc *time.Location) *Grid {
	if loc == nil {
		loc = time.UTC
	}
	return &Grid{Loc: loc}
}

// Add records one visit (sale) at t with its amount in fen.
func (g *Grid) Add(t time.Time, amountFen int64) {
	t = t.In(g.Loc)
	wd, h := t.Weekday(), t.Hour()
	g.Visits[wd][h]++
	g.Amount[wd][h] += amountFen
}

// Merge adds the counts of o, a grid of another store or batch in the same
// time zone.
func (g *Grid) Merge(o *Grid) {
	for d := range 7 {
		for h := range 24 {
			g.Visits[d][h] += o.Visits[d][h]
			g.Amount[d][h] += o.Amount[d][h]
		}
	}
}

// Total is the number of visits and the takings.
func (g *Grid) Total() (visits, amountFen int64) {
	for d := range 7 {
		for h := range 24 {
			visits += g.Visits[d][h]
			amountFen += g.Amount[d][h]
		}
	}
	return visits, amountFen
}

// ByHour sums visits and takings per hour of the day over the week.
func (g *Grid) ByHour() (visits, amountFen [24]int64) {
	for d := range 7 {
		for h := range 24 {
			visits[h] += g.Visits[d][h]
			amountFen[h] += g.Amount[d][h]
		}
	}
	return visits, amountFen
}

// ByWeekday sums visits and takings per weekday.
func (g *Grid) ByWeekday() (visits, amountFen [7]int64) {
	for d := range 7 {
		for h := range 24 {
			visits[d] += g.Visits[d][h]
			amountFen[d] += g.Amount[d][h]
		}
	}
	return visits, amountFen
}

// Cell is one hour of one weekday.
type Cell struct {
	Weekday time.Weekday
	Hour    int
	Visits  int64
	Amount  int64   // fen
	Share   float64 // of all visits
}

// Peaks returns the n busiest cells by visits (ties: the earlier in the
// week, Monday first, then the earlier hour), the hours that need the most
// staff.
func (g *Grid) Peaks(n int) []Cell {
	total, _ := g.Total()
	cells := make([]Cell, 0, 7*24)
	for _, wd := range WeekOrder {
		for h := range 24 {
			c := Cell{Weekday: wd, Hour: h, Visits: g.Visits[wd][h], Amount: g.Amount[wd][h]}
			if total > 0 {
				c.Share = float64(c.Visits) / float64(total)
			}
			cells = append(cells, c)
		}
	}
	slices.SortStableFunc(cells, func(a, b Cell) int { return cmp.Compare(b.Visits, a.Visits) })
	return cells[:min(n, len(cells))]
}
