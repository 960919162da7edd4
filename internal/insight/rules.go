package insight

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/basket"
)

// Levels of the items in baskets.
const (
	LevelProduct  = "product"
	LevelCategory = "category"
)

// Sort orders of rules.
const (
	SortLift       = "lift"
	SortConfidence = "confidence"
	SortSupport    = "support"
)

// Levels and Sorts list the accepted values, the default first.
var (
	Levels = []string{LevelProduct, LevelCategory}
	Sorts  = []string{SortLift, SortConfidence, SortSupport}
)

// Defaults of the rules, chosen so that a store of a few thousand members
// and a hundred or more products sees a page of useful rules: products
// bought together in at least 3 baskets in 1,000 and at least 20 % more
// often than chance; categories, which most baskets mix, in 1 in 20 and
// at any lift above independence.
const (
	DefaultRuleDays        = 90
	DefaultProductSupport  = 0.003
	DefaultCategorySupport = 0.05
	DefaultMinConfidence   = 0.05
	DefaultProductLift     = 1.2
	DefaultCategoryLift    = 1.0
	DefaultRuleLimit       = 100
	MaxRuleLimit           = 1000
	MinSupportFloor        = 0.0005 // lower makes itemsets explode on a year of baskets
	maxRuleLen             = 4      // items in a rule, lhs and rhs together
	maxItemsets            = 500_000
	productNameBatch       = 500
)

// RulesQuery asks for association rules.
type RulesQuery struct {
	Period
	StoreID       int64
	Level         string  // LevelProduct or LevelCategory
	MinSupport    float64 // 0: the level's default
	MinConfidence float64
	MinLift       float64 // < 0: the level's default
	Contains      string  // only rules with an item whose code or name holds this
	Sort          string
	Limit         int
}

// ParseRulesQuery reads a RulesQuery from query parameters: from, to,
// store_id, level, min_support, min_confidence, min_lift, item, sort, limit.
func ParseRulesQuery(v url.Values) (RulesQuery, error) {
	var val linli.Validation
	q := RulesQuery{
		Period:  parsePeriod(v, &val),
		StoreID: parseStore(v, &val),
		Level:   parseEnum(v, "level", Levels, &val),
	}
	q.MinSupport = parseFloat(v, "min_support", MinSupportFloor, 1, 0, &val)
	q.MinConfidence = parseFloat(v, "min_confidence", 0, 1, DefaultMinConfidence, &val)
	q.MinLift = parseFloat(v, "min_lift", 0, 1e6, -1, &val)
	q.Contains = strings.TrimSpace(v.Get("item"))
	if len([]rune(q.Contains)) > 100 {
		val.Add("item", "insight.item_too_long", "item is longer than 100 characters")
	}
	q.Sort = parseEnum(v, "sort", Sorts, &val)
	q.Limit = parseInt(v, "limit", 1, MaxRuleLimit, DefaultRuleLimit, &val)
	return q, val.Err()
}

// Item is one side of a rule: a product (code and name) or a category.
type Item struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Rule is an association rule LHS ⇒ RHS with its measures.
type Rule struct {
	LHS        []Item  `json:"lhs"`
	RHS        Item    `json:"rhs"`
	Count      int     `json:"count"`      // baskets holding every item
	Support    float64 `json:"support"`    // count / baskets
	Confidence float64 `json:"confidence"` // count / baskets holding the lhs
	Lift       float64 `json:"lift"`       // confidence / support of the rhs
}

// Rules is the answer to a RulesQuery.
type Rules struct {
	Bounds        Bounds  `json:"bounds"`
	Level         string  `json:"level"`
	MinSupport    float64 `json:"min_support"`
	MinConfidence float64 `json:"min_confidence"`
	MinLift       float64 `json:"min_lift"`
	Baskets       int     `json:"baskets"`  // counted sales in the period
	Items         int     `json:"items"`    // distinct items in them
	Itemsets      int     `json:"itemsets"` // frequent itemsets found
	Found         int     `json:"found"`    // rules at the support and confidence
	Matched       int     `json:"matched"`  // of those, passing the lift and item filters
	Rules         []Rule  `json:"rules"`    // the first Limit matched, in the order asked
}

// mined is what the cache keeps: every rule at a support and confidence,
// before the cheap filters.
type mined struct {
	Bounds
	baskets, items, itemsets int
	rules                    []Rule
}

// Rules mines the association rules of the period's baskets. Mining is
// cached per period, store, level, support and confidence; the lift and
// item filters, the order and the limit apply to the cached rules.
func (s *Service) Rules(ctx context.Context, q RulesQuery) (*Rules, error) {
	if q.Level == "" {
		q.Level = LevelProduct
	}
	if !slices.Contains(Levels, q.Level) {
		return nil, linli.Invalid("insight.choice_invalid", "level", "level must be one of %s", strings.Join(Levels, ", "))
	}
	if q.MinSupport == 0 {
		q.MinSupport = DefaultProductSupport
		if q.Level == LevelCategory {
			q.MinSupport = DefaultCategorySupport
		}
	}
	if q.MinSupport < MinSupportFloor || q.MinSupport > 1 {
		return nil, linli.Invalid("insight.number_invalid", "min_support", "min_support must be from %g to 1", MinSupportFloor)
	}
	if q.MinLift < 0 {
		q.MinLift = DefaultProductLift
		if q.Level == LevelCategory {
			q.MinLift = DefaultCategoryLift
		}
	}
	if q.Limit <= 0 {
		q.Limit = DefaultRuleLimit
	}
	_, loc, err := s.zones(ctx, q.StoreID)
	if err != nil {
		return nil, err
	}
	r, b, err := s.resolve(q.Period, DefaultRuleDays, q.StoreID, loc)
	if err != nil {
		return nil, err
	}
	key := keyOf("rules", b.From, b.To, b.Zone, q.StoreID, q.Level, q.MinSupport, q.MinConfidence)
	m, err := cached(ctx, s, key, func(ctx context.Context) (*mined, error) {
		m, err := s.mine(ctx, r, q.Level == LevelCategory, q.MinSupport, q.MinConfidence)
		if err != nil {
			return nil, err
		}
		m.Bounds = b
		m.Bounds.Computed = s.now()
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	out := &Rules{Bounds: m.Bounds, Level: q.Level, MinSupport: q.MinSupport, MinConfidence: q.MinConfidence,
		MinLift: q.MinLift, Baskets: m.baskets, Items: m.items, Itemsets: m.itemsets, Found: len(m.rules), Rules: []Rule{}}
	needle := strings.ToLower(q.Contains)
	var keep []Rule
	for _, rl := range m.rules {
		if rl.Lift < q.MinLift || needle != "" && !ruleHas(rl, needle) {
			continue
		}
		keep = append(keep, rl)
	}
	out.Matched = len(keep)
	sortRules(keep, q.Sort)
	out.Rules = append(out.Rules, keep[:min(q.Limit, len(keep))]...)
	return out, nil
}

func ruleHas(r Rule, needle string) bool {
	has := func(it Item) bool {
		return strings.Contains(strings.ToLower(it.Key), needle) || strings.Contains(strings.ToLower(it.Name), needle)
	}
	return has(r.RHS) || slices.ContainsFunc(r.LHS, has)
}

// sortRules orders by the chosen measure, descending, then by lift,
// confidence and count, so ties keep the miner's stable order.
func sortRules(rs []Rule, by string) {
	measure := func(r Rule) float64 {
		switch by {
		case SortConfidence:
			return r.Confidence
		case SortSupport:
			return r.Support
		}
		return r.Lift
	}
	slices.SortStableFunc(rs, func(a, b Rule) int { return cmp.Compare(measure(b), measure(a)) })
}

// mine reads the baskets of r and finds the rules.
func (s *Service) mine(ctx context.Context, r Range, byCategory bool, support, confidence float64) (*mined, error) {
	bld := basket.NewBuilder(basket.ReadOptions{})
	var items []string
	last := int64(-1)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		err := bld.Add(items)
		items = items[:0]
		return err
	}
	err := s.store.BasketItems(ctx, r, byCategory, func(sale int64, item string) error {
		if sale != last {
			if err := flush(); err != nil {
				return err
			}
			last = sale
		}
		items = append(items, item)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("insight: baskets: %w", err)
	}
	m := &mined{rules: []Rule{}}
	bs, err := bld.Baskets()
	if errors.Is(err, basket.ErrNoItems) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("insight: baskets: %w", err)
	}
	m.baskets, m.items = bs.Len(), bs.NumItems()
	f, err := basket.Mine(bs, basket.Options{MinSupport: support, MaxLen: maxRuleLen, MaxItemsets: maxItemsets})
	if errors.Is(err, basket.ErrTooManyItemsets) {
		return nil, linli.Invalid("insight.support_too_low", "min_support",
			"more than %d itemsets reach a support of %g; raise the minimum support", maxItemsets, support)
	}
	if err != nil {
		return nil, fmt.Errorf("insight: mine: %w", err)
	}
	m.itemsets = f.Len()
	rules, err := f.Rules(basket.RuleOptions{MinConfidence: confidence, MinLen: 2})
	if err != nil {
		return nil, fmt.Errorf("insight: rules: %w", err)
	}
	labels := f.Labels()
	names := map[string]string{}
	if !byCategory {
		// Names only for the items that made it into a rule.
		used := map[int32]bool{}
		for _, rl := range rules {
			used[rl.RHS] = true
			for _, id := range rl.LHS {
				used[id] = true
			}
		}
		codes := make([]string, 0, len(used))
		for id := range used {
			codes = append(codes, labels[id])
		}
		slices.Sort(codes)
		for len(codes) > 0 {
			n := min(len(codes), productNameBatch)
			got, err := s.store.ProductNames(ctx, codes[:n])
			if err != nil {
				return nil, fmt.Errorf("insight: product names: %w", err)
			}
			for k, v := range got {
				names[k] = v
			}
			codes = codes[n:]
		}
	}
	item := func(id int32) Item {
		l := labels[id]
		if byCategory {
			return Item{Key: l, Name: l}
		}
		n := names[l]
		if n == "" {
			n = l
		}
		return Item{Key: l, Name: n}
	}
	m.rules = make([]Rule, len(rules))
	for i, rl := range rules {
		lhs := make([]Item, len(rl.LHS))
		for j, id := range rl.LHS {
			lhs[j] = item(id)
		}
		m.rules[i] = Rule{LHS: lhs, RHS: item(rl.RHS), Count: rl.Count, Support: rl.Support, Confidence: rl.Confidence, Lift: rl.Lift}
	}
	return m, nil
}
