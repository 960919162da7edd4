package insight

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
)

// Warm computes the analyses as the console's pages first show them —
// default periods, for the whole chain and, while they fit in half the
// cache, for each store — so that the first look of the day finds them
// ready rather than waiting seconds for a year of sale lines. The periods
// end today, so yesterday's results are no use to today's first look; the
// server runs Warm every half hour, which computes only what is missing —
// after midnight, the new day's — since a result it finds, however old, is
// refreshed when someone looks at it (see cache). It computes one
// analysis at a time, not to crowd the tills, and reports how many it
// computed.
func (s *Service) Warm(ctx context.Context) (int, error) {
	names, err := s.store.Zones(ctx)
	if err != nil {
		return 0, fmt.Errorf("insight: warm: %w", err)
	}
	stores := []int64{0}
	if ids := slices.Sorted(maps.Keys(names)); (len(ids)+1)*len(warmers) <= cacheSize/2 {
		stores = append(stores, ids...)
	}
	ctx = context.WithValue(ctx, warmingKey{}, &warming{})
	w := ctx.Value(warmingKey{}).(*warming)
	for _, id := range stores {
		for _, warm := range warmers {
			if err := warm(ctx, s, id); err != nil {
				return w.computed, fmt.Errorf("insight: warm store %d: %w", id, err)
			}
		}
	}
	return w.computed, nil
}

// warmingKey marks the context of Warm's requests: the cache answers them
// from any result it holds without refreshing it, and counts what it
// computes for them.
type warmingKey struct{}

type warming struct{ computed int }

// warmers ask for each page's default analysis of a store (0: the chain).
var warmers = []func(ctx context.Context, s *Service, storeID int64) error{
	warmer(ParseRulesQuery, nil, func(q *RulesQuery) *int64 { return &q.StoreID }, (*Service).Rules),
	warmer(ParseRulesQuery, url.Values{"level": {LevelCategory}}, func(q *RulesQuery) *int64 { return &q.StoreID }, (*Service).Rules),
	warmer(ParseLifecycleQuery, nil, func(q *LifecycleQuery) *int64 { return &q.StoreID }, (*Service).Lifecycle),
	warmer(ParseGroupsQuery, nil, func(q *GroupsQuery) *int64 { return &q.StoreID }, (*Service).Groups),
	warmer(ParseHabitsQuery, nil, func(q *HabitsQuery) *int64 { return &q.StoreID }, (*Service).Habits),
	warmer(ParseForecastQuery, nil, func(q *ForecastQuery) *int64 { return &q.StoreID }, (*Service).Forecast),
}

// warmer asks for the analysis run answers to the query parameters v, for
// a store.
func warmer[Q, T any](parse func(url.Values) (Q, error), v url.Values, store func(*Q) *int64,
	run func(*Service, context.Context, Q) (*T, error)) func(context.Context, *Service, int64) error {
	return func(ctx context.Context, s *Service, storeID int64) error {
		q, err := parse(v)
		if err != nil {
			return err
		}
		*store(&q) = storeID
		_, err = run(s, ctx, q)
		return err
	}
}
