package insight

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/lifecycle"
)

// Lifecycle reporting: the last LifecycleMonths calendar months, read from
// warmUpMonths earlier so that the loyal window of the first month shown
// is complete.
const (
	LifecycleMonths    = 12
	MaxLifecycleMonths = 36
	warmUpMonths       = 6
)

// LifecycleQuery asks for lifecycle stages.
type LifecycleQuery struct {
	StoreID int64
	Months  int // months shown, ending with the current one; 0: LifecycleMonths
}

// ParseLifecycleQuery reads store_id and months.
func ParseLifecycleQuery(v url.Values) (LifecycleQuery, error) {
	var val linli.Validation
	q := LifecycleQuery{StoreID: parseStore(v, &val), Months: parseInt(v, "months", 2, MaxLifecycleMonths, LifecycleMonths, &val)}
	return q, val.Err()
}

// StageName is a stage's key and names.
type StageName struct {
	Key string `json:"key"`
	ZH  string `json:"zh"`
	EN  string `json:"en"`
}

// MonthStages is the number of members in each stage at the end of a month.
type MonthStages struct {
	Month  string         `json:"month"`  // YYYY-MM
	Counts map[string]int `json:"counts"` // by stage key, absent included
}

// Flow is the number of members who moved from one stage to another
// between the ends of two consecutive months.
type Flow struct {
	From  string `json:"from"` // stage key
	To    string `json:"to"`
	Count int    `json:"count"`
}

// Transition is the flows from the end of one month to the end of the next.
type Transition struct {
	From  string `json:"from"` // YYYY-MM
	To    string `json:"to"`
	Flows []Flow `json:"flows"`
}

// Lifecycle is the answer to a LifecycleQuery.
type Lifecycle struct {
	Bounds      Bounds        `json:"bounds"`
	Stages      []StageName   `json:"stages"` // in lifecycle order, absent first
	Months      []MonthStages `json:"months"`
	Transitions []Transition  `json:"transitions"` // between consecutive months shown
	Members     int           `json:"members"`     // members tracked
}

// Lifecycle places members in stages at the end of each month and counts
// the moves between stages.
func (s *Service) Lifecycle(ctx context.Context, q LifecycleQuery) (*Lifecycle, error) {
	if q.Months == 0 {
		q.Months = LifecycleMonths
	}
	if q.Months < 2 || q.Months > MaxLifecycleMonths {
		return nil, linli.Invalid("insight.number_invalid", "months", "months must be from 2 to %d", MaxLifecycleMonths)
	}
	locs, loc, err := s.zones(ctx, q.StoreID)
	if err != nil {
		return nil, err
	}
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	first := time.Date(now.Year(), now.Month()-time.Month(q.Months-1), 1, 0, 0, 0, 0, loc)
	b := Bounds{From: first.Format(time.DateOnly), To: today.Format(time.DateOnly), Zone: loc.String(), StoreID: q.StoreID}
	key := keyOf("lifecycle", b.From, b.To, b.Zone, q.StoreID)
	return cached(ctx, s, key, func(ctx context.Context) (*Lifecycle, error) {
		out, err := s.lifecycle(ctx, q.StoreID, first, today, loc, locs)
		if err != nil {
			return nil, err
		}
		out.Bounds = b
		out.Bounds.Computed = s.now()
		return out, nil
	})
}

func (s *Service) lifecycle(ctx context.Context, storeID int64, first, today time.Time, loc *time.Location, locs map[int64]*time.Location) (*Lifecycle, error) {
	start := first.AddDate(0, -warmUpMonths, 0)
	tr, err := lifecycle.NewTracker(start, today, loc)
	if err != nil {
		return nil, fmt.Errorf("insight: lifecycle: %w", err)
	}
	index := map[int64]int{}
	idx := func(id int64) int {
		i, ok := index[id]
		if !ok {
			i = len(index)
			index[id] = i
		}
		return i
	}
	err = s.store.Joins(ctx, storeID, func(member int64, at time.Time) error {
		tr.Join(idx(member), lifecycle.Day(at, loc))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: lifecycle registrations: %w", err)
	}
	// Purchases before the range count for rhythm and silence, so read
	// from the beginning; the range ends with today.
	r := Range{To: today.AddDate(0, 0, 1), StoreID: storeID}
	err = s.store.Purchases(ctx, r, func(member, store int64, at time.Time) error {
		l := locs[store]
		if l == nil {
			l = loc
		}
		tr.Add(idx(member), lifecycle.Day(at, l))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: lifecycle purchases: %w", err)
	}
	res, err := tr.Stages(lifecycle.Config{})
	if err != nil {
		return nil, fmt.Errorf("insight: lifecycle: %w", err)
	}
	out := &Lifecycle{Members: tr.Len(), Months: []MonthStages{}, Transitions: []Transition{}}
	for st := range lifecycle.NumStages {
		n := lifecycle.Names[st]
		out.Stages = append(out.Stages, StageName{Key: n.Key, ZH: n.ZH, EN: n.EN})
	}
	// The warm-up months are read but not shown.
	skip := warmUpMonths
	for i := skip; i < len(res.Months); i++ {
		m := res.Months[i]
		ms := MonthStages{Month: fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)), Counts: map[string]int{}}
		for st, c := range res.Counts[i] {
			ms.Counts[lifecycle.Stage(st).Key()] = c
		}
		out.Months = append(out.Months, ms)
		if i > skip {
			t := Transition{From: out.Months[len(out.Months)-2].Month, To: ms.Month, Flows: []Flow{}}
			for _, l := range res.Links(i - 1) {
				t.Flows = append(t.Flows, Flow{From: l.From.Key(), To: l.To.Key(), Count: l.Count})
			}
			out.Transitions = append(out.Transitions, t)
		}
	}
	return out, nil
}
