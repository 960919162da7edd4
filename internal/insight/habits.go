package insight

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/habits"
)

// DefaultHabitDays is the period of the habits page: 90 days.
const DefaultHabitDays = 90

// HabitsQuery asks for shopping habits.
type HabitsQuery struct {
	Period
	StoreID int64
}

// ParseHabitsQuery reads from, to and store_id.
func ParseHabitsQuery(v url.Values) (HabitsQuery, error) {
	var val linli.Validation
	q := HabitsQuery{Period: parsePeriod(v, &val), StoreID: parseStore(v, &val)}
	return q, val.Err()
}

// Peak is one of the busiest hours of the week.
type Peak struct {
	Weekday   int     `json:"weekday"` // 0 Sunday … 6 Saturday
	Hour      int     `json:"hour"`
	Visits    int64   `json:"visits"`
	AmountFen int64   `json:"amount_fen"`
	Share     float64 `json:"share"` // of all visits
}

// Share is a category's part of the period's spend.
type Share struct {
	Category  string  `json:"category"`
	AmountFen int64   `json:"amount_fen"`
	Share     float64 `json:"share"`
	Buyers    int     `json:"buyers"`    // members who bought it
	Favourite int     `json:"favourite"` // members whose largest category it is
}

// SizeBand is one band of basket sizes (items per sale).
type SizeBand struct {
	Min       int     `json:"min"` // items, both included
	MaxItems  int     `json:"max"` // 0: no upper bound
	Visits    int64   `json:"visits"`
	AmountFen int64   `json:"amount_fen"`
	Share     float64 `json:"share"`          // of visits
	AvgFen    float64 `json:"avg_amount_fen"` // per visit
}

// Daypart counts members by the part of the day they shop most.
type Daypart struct {
	Key     string `json:"key"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
	Members int    `json:"members"`
}

// Habits is the answer to a HabitsQuery.
type Habits struct {
	Bounds    Bounds `json:"bounds"`
	Visits    int64  `json:"visits"`
	AmountFen int64  `json:"amount_fen"`
	// Heat is [weekday][hour] visits, weekday 0 Sunday, in the zone.
	Heat       [7][24]int64 `json:"heat"`
	HeatAmount [7][24]int64 `json:"heat_amount_fen"`
	Peaks      []Peak       `json:"peaks"`
	Categories []Share      `json:"categories"` // by spend
	Sizes      []SizeBand   `json:"basket_sizes"`
	AvgItems   float64      `json:"avg_items"` // items per visit
	AvgFen     float64      `json:"avg_amount_fen"`
	Members    int          `json:"members"` // members with a visit
	Dayparts   []Daypart    `json:"dayparts"`
	// AvgInterval is the members' mean of their mean days between visit
	// days, over members with two visit days or more.
	AvgInterval float64 `json:"avg_interval_days"`
	// WeekendShare is the share of visits on Saturday and Sunday.
	WeekendShare float64 `json:"weekend_share"`
}

// sizeBands are the basket-size bands, by their smallest size.
var sizeBands = []int{1, 2, 3, 5, 8, 13, 21}

// Habits describes when and how the period's customers shop.
func (s *Service) Habits(ctx context.Context, q HabitsQuery) (*Habits, error) {
	locs, loc, err := s.zones(ctx, q.StoreID)
	if err != nil {
		return nil, err
	}
	r, b, err := s.resolve(q.Period, DefaultHabitDays, q.StoreID, loc)
	if err != nil {
		return nil, err
	}
	key := keyOf("habits", b.From, b.To, b.Zone, q.StoreID)
	return cached(ctx, s, key, func(ctx context.Context) (*Habits, error) {
		out, err := s.habits(ctx, r, loc, locs)
		if err != nil {
			return nil, err
		}
		out.Bounds = b
		out.Bounds.Computed = s.now()
		return out, nil
	})
}

func (s *Service) habits(ctx context.Context, r Range, loc *time.Location, locs map[int64]*time.Location) (*Habits, error) {
	grid := habits.NewGrid(loc)
	profiles := habits.NewProfiles(loc, 0)
	index := map[int64]int{}
	sizes := make([]SizeBand, len(sizeBands))
	for i, lo := range sizeBands {
		sizes[i].Min = lo
		if i+1 < len(sizeBands) {
			sizes[i].MaxItems = sizeBands[i+1] - 1
		}
	}
	var items int64
	err := s.store.Visits(ctx, r, func(v Visit) error {
		// Each sale is read on its own store's clock: 09:00 is 09:00
		// wherever the till stands.
		at := v.At
		if l := locs[v.StoreID]; l != nil && l != loc {
			at = reclock(at, l, loc)
		}
		grid.Add(at, v.AmountFen)
		items += int64(v.Items)
		band := 0
		for band+1 < len(sizeBands) && v.Items >= sizeBands[band+1] {
			band++
		}
		sizes[band].Visits++
		sizes[band].AmountFen += v.AmountFen
		if v.MemberID != 0 {
			i, ok := index[v.MemberID]
			if !ok {
				i = len(index)
				index[v.MemberID] = i
			}
			profiles.Add(i, at, v.AmountFen, v.Items)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: habits visits: %w", err)
	}
	out := &Habits{Heat: grid.Visits, HeatAmount: grid.Amount, Sizes: sizes, Peaks: []Peak{}, Categories: []Share{}}
	out.Visits, out.AmountFen = grid.Total()
	if out.Visits > 0 {
		out.AvgItems = float64(items) / float64(out.Visits)
		out.AvgFen = float64(out.AmountFen) / float64(out.Visits)
		weekend := int64(0)
		for h := range 24 {
			weekend += grid.Visits[time.Saturday][h] + grid.Visits[time.Sunday][h]
		}
		out.WeekendShare = float64(weekend) / float64(out.Visits)
	}
	for i := range out.Sizes {
		sb := &out.Sizes[i]
		if sb.Visits > 0 {
			sb.AvgFen = float64(sb.AmountFen) / float64(sb.Visits)
		}
		if out.Visits > 0 {
			sb.Share = float64(sb.Visits) / float64(out.Visits)
		}
	}
	for _, c := range grid.Peaks(5) {
		out.Peaks = append(out.Peaks, Peak{Weekday: int(c.Weekday), Hour: c.Hour, Visits: c.Visits, AmountFen: c.Amount, Share: c.Share})
	}

	// Members' own habits: the part of the day they prefer and their
	// rhythm.
	var parts [habits.NumDayparts]int
	var intervals float64
	var withInterval int
	out.Members = profiles.Len()
	for i := range profiles.Len() {
		p := profiles.Profile(i)
		if p.Visits == 0 {
			continue
		}
		parts[p.Daypart]++
		if p.VisitDays > 1 {
			intervals += p.IntervalDays
			withInterval++
		}
	}
	for d, n := range parts {
		name := habits.DaypartNames[d]
		out.Dayparts = append(out.Dayparts, Daypart{Key: name.Key, ZH: name.ZH, EN: name.EN, Members: n})
	}
	if withInterval > 0 {
		out.AvgInterval = intervals / float64(withInterval)
	}

	// Category shares from per-member sums: the store's spend per
	// category, how many members buy it and for how many it comes first.
	shares := habits.NewShares(len(index))
	var cats []string
	catIndex := map[string]int32{}
	err = s.store.MemberCategories(ctx, r, func(member int64, category string, amount int64) error {
		c, ok := catIndex[category]
		if !ok {
			c = int32(len(cats))
			catIndex[category] = c
			cats = append(cats, category)
		}
		i, ok := index[member]
		if !ok {
			// Bought only in sales outside the visits read, which cannot
			// happen for one range; keep the sum all the same.
			i = len(index)
			index[member] = i
		}
		shares.Add(i, c, amount)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: habits categories: %w", err)
	}
	favourite := make([]int, len(cats))
	for i := range shares.Len() {
		if top := shares.Top(i, 1); len(top) == 1 {
			favourite[top[0].Key]++
		}
	}
	for _, sh := range shares.Overall(len(cats)) {
		out.Categories = append(out.Categories, Share{Category: cats[sh.Key], AmountFen: sh.Amount, Share: sh.Share,
			Buyers: sh.Lines, Favourite: favourite[sh.Key]})
	}
	return out, nil
}

// reclock moves t, read on the clock of from, to the same wall-clock time
// on the clock of to, so that stores in several zones share one heat map.
func reclock(t time.Time, from, to *time.Location) time.Time {
	l := t.In(from)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), to)
}
