package propensity

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Purchase is one purchase line, or lines of one category in one basket added up.
type Purchase struct {
	Member   string
	Category string
	// Basket identifies the shopping trip; lines with the same Member and Basket are one
	// trip. Empty means each (member, day) is one trip.
	Basket string
	Day    int     // day number on any fixed calendar (e.g. days since 2000-01-01)
	Sales  float64 // amount paid, ≥ 0
}

// Feature names, in the order of Example.X.
const (
	FeatCatRecency     = "cat_recency_weeks"     // weeks since the member last bought the category (cap if never)
	FeatCatBaskets4    = "cat_baskets_4w"        // trips with the category in the last 4 weeks
	FeatCatBaskets8    = "cat_baskets_8w"        // … last 8 weeks
	FeatCatBaskets26   = "cat_baskets_26w"       // … last 26 weeks
	FeatCatBasketsAll  = "cat_baskets_all"       // … ever
	FeatCatBasketsPrev = "cat_baskets_prev_8w"   // … 8 to 16 weeks ago (trend)
	FeatCatSpend26     = "cat_spend_26w"         // category spend in the last 26 weeks (monetary)
	FeatCatWallet      = "cat_share_of_wallet"   // category share of the member's 26-week spend
	FeatCatTripShare   = "cat_share_of_trips"    // share of the member's 26-week trips with the category
	FeatCatGap         = "cat_mean_gap_weeks"    // mean weeks between category purchase days (cap if < 2)
	FeatCatFirst       = "cat_weeks_since_first" // weeks since the member first bought the category (0 if never)
	FeatRecency        = "recency_weeks"         // weeks since the member's last trip
	FeatBaskets4       = "baskets_4w"            // trips in the last 4 weeks
	FeatBaskets8       = "baskets_8w"            // … 8 weeks
	FeatBaskets26      = "baskets_26w"           // … 26 weeks
	FeatBasketsAll     = "baskets_all"           // … ever
	FeatSpend26        = "spend_26w"             // spend in the last 26 weeks
	FeatCategories26   = "categories_26w"        // distinct categories bought in the last 26 weeks
	FeatTenure         = "days_since_first"      // days since the member's first trip (tenure)
	FeatPenetration    = "cat_penetration_8w"    // share of all members who bought the category in the last 8 weeks
)

// FeatureNames lists the features Build computes, in order.
var FeatureNames = []string{
	FeatCatRecency, FeatCatBaskets4, FeatCatBaskets8, FeatCatBaskets26, FeatCatBasketsAll,
	FeatCatBasketsPrev, FeatCatSpend26, FeatCatWallet, FeatCatTripShare, FeatCatGap, FeatCatFirst,
	FeatRecency, FeatBaskets4, FeatBaskets8, FeatBaskets26, FeatBasketsAll, FeatSpend26,
	FeatCategories26, FeatTenure, FeatPenetration,
}

// RecencyCap is the value, in weeks, of a recency or purchase gap that never happened or
// lies further back: two years.
const RecencyCap = 104.0

// Errors for bad input; returned wrapped with detail.
var (
	ErrEmpty       = errors.New("no purchases")
	ErrInvalid     = errors.New("value is NaN or infinite")
	ErrNegative    = errors.New("negative sales")
	ErrLabelWindow = errors.New("label window ends after the last purchase")
)

// Example is one (member, category) row at a cutoff.
type Example struct {
	Member   string    `json:"member"`
	Category string    `json:"category"`
	X        []float64 `json:"x"`
	Label    bool      `json:"label"` // bought the category in the label window
}

// Dataset is the examples of one or more cutoffs.
type Dataset struct {
	Features []string  `json:"features"`
	Examples []Example `json:"examples"`
}

// BuildOptions choose the rows and labels of a dataset.
type BuildOptions struct {
	// Categories to score; nil means every category bought before the cutoff, sorted.
	Categories []string
	// Horizon is the label window in days, [cutoff, cutoff+Horizon); 0 builds features
	// only (for scoring).
	Horizon int
}

// Build computes features at cutoff from the purchases before it (Day < cutoff) for every
// member with at least one such purchase and every category, and, when opt.Horizon > 0,
// labels from the purchases in [cutoff, cutoff+Horizon). Rows are ordered by member, then
// category in opt.Categories order.
func Build(purchases []Purchase, cutoff int, opt BuildOptions) (*Dataset, error) {
	if len(purchases) == 0 {
		return nil, fmt.Errorf("propensity: %w", ErrEmpty)
	}
	if opt.Horizon < 0 {
		return nil, fmt.Errorf("propensity: horizon %d days is negative", opt.Horizon)
	}
	lastDay := math.MinInt
	for i, p := range purchases {
		switch {
		case p.Member == "":
			return nil, fmt.Errorf("propensity: purchase %d has no member", i)
		case p.Category == "":
			return nil, fmt.Errorf("propensity: purchase %d has no category", i)
		case math.IsNaN(p.Sales) || math.IsInf(p.Sales, 0):
			return nil, fmt.Errorf("propensity: purchase %d sales %v: %w", i, p.Sales, ErrInvalid)
		case p.Sales < 0:
			return nil, fmt.Errorf("propensity: purchase %d sales %v: %w", i, p.Sales, ErrNegative)
		}
		lastDay = max(lastDay, p.Day)
	}
	if opt.Horizon > 0 && lastDay < cutoff+opt.Horizon-1 {
		return nil, fmt.Errorf("propensity: window up to day %d, last purchase on day %d: %w",
			cutoff+opt.Horizon-1, lastDay, ErrLabelWindow)
	}

	cats := opt.Categories
	if cats == nil {
		seen := map[string]bool{}
		for _, p := range purchases {
			if p.Day < cutoff && !seen[p.Category] {
				seen[p.Category] = true
				cats = append(cats, p.Category)
			}
		}
		sort.Strings(cats)
	}
	catIdx := make(map[string]int, len(cats))
	for i, c := range cats {
		if _, dup := catIdx[c]; dup {
			return nil, fmt.Errorf("propensity: category %q listed twice", c)
		}
		catIdx[c] = i
	}

	byMember := map[string][]Purchase{}
	for _, p := range purchases {
		if p.Day < cutoff+opt.Horizon {
			byMember[p.Member] = append(byMember[p.Member], p)
		}
	}
	members := make([]string, 0, len(byMember))
	for m, ps := range byMember {
		if slices.ContainsFunc(ps, func(p Purchase) bool { return p.Day < cutoff }) {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("propensity: no member bought anything before day %d: %w", cutoff, ErrEmpty)
	}
	sort.Strings(members)

	stats := make([]memberStats, len(members))
	buyers8 := make([]int, len(cats))
	for i, m := range members {
		stats[i] = summarise(byMember[m], cutoff, opt.Horizon, catIdx, len(cats))
		for c := range cats {
			if stats[i].cat[c].baskets8 > 0 {
				buyers8[c]++
			}
		}
	}

	ds := &Dataset{Features: slices.Clone(FeatureNames), Examples: make([]Example, 0, len(members)*len(cats))}
	xs := make([]float64, len(members)*len(cats)*len(FeatureNames))
	for i, m := range members {
		s := &stats[i]
		for c, name := range cats {
			x := xs[:len(FeatureNames):len(FeatureNames)]
			xs = xs[len(FeatureNames):]
			s.fill(x, c, float64(buyers8[c])/float64(len(members)))
			ds.Examples = append(ds.Examples, Example{Member: m, Category: name, X: x, Label: s.cat[c].label})
		}
	}
	return ds, nil
}

// Merge appends datasets built with the same features, e.g. several training cutoffs.
func Merge(sets ...*Dataset) (*Dataset, error) {
	out := &Dataset{}
	for i, ds := range sets {
		if ds == nil {
			return nil, fmt.Errorf("propensity: merge: dataset %d is nil", i)
		}
		if i == 0 {
			out.Features = slices.Clone(ds.Features)
		} else if !slices.Equal(out.Features, ds.Features) {
			return nil, fmt.Errorf("propensity: merge: dataset %d has different features", i)
		}
		out.Examples = append(out.Examples, ds.Examples...)
	}
	return out, nil
}

// Matrix returns the feature rows and labels of the dataset.
func (ds *Dataset) Matrix() ([][]float64, []bool) {
	X := make([][]float64, len(ds.Examples))
	y := make([]bool, len(ds.Examples))
	for i, e := range ds.Examples {
		X[i], y[i] = e.X, e.Label
	}
	return X, y
}

type catStats struct {
	baskets4, baskets8, baskets26, basketsAll, basketsPrev int
	spend26                                                float64
	first, last                                            int // days; valid when basketsAll > 0
	days                                                   int // distinct purchase days
	label                                                  bool
}

type memberStats struct {
	cutoff                              int
	first, last                         int
	baskets4, baskets8, baskets26, bAll int
	spend26                             float64
	categories26                        int
	cat                                 []catStats
}

type trip struct {
	basket string
	day    int
}

// summarise condenses one member's purchases before cutoff+horizon.
func summarise(ps []Purchase, cutoff, horizon int, catIdx map[string]int, nCats int) memberStats {
	s := memberStats{cutoff: cutoff, first: math.MaxInt, last: math.MinInt, cat: make([]catStats, nCats)}
	// Sorting by day, then basket, makes every count below a single ordered pass.
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Day != ps[j].Day {
			return ps[i].Day < ps[j].Day
		}
		return ps[i].Basket < ps[j].Basket
	})
	seenTrip := map[trip]bool{}
	lastCatTrip := make([]trip, nCats)
	lastCatDay := make([]int, nCats)
	cats26 := map[string]bool{}
	for _, p := range ps {
		age := cutoff - p.Day // days before the cutoff, ≥ 1 for history
		c, tracked := catIdx[p.Category]
		if p.Day >= cutoff {
			if tracked && p.Day < cutoff+horizon {
				s.cat[c].label = true
			}
			continue
		}
		tr := trip{p.Basket, p.Day}
		if p.Basket != "" {
			tr.day = 0
		}
		s.first = min(s.first, p.Day)
		s.last = max(s.last, p.Day)
		if age <= 26*7 {
			s.spend26 += p.Sales
			cats26[p.Category] = true
		}
		if !seenTrip[tr] {
			seenTrip[tr] = true
			s.bAll++
			s.baskets4 += b2i(age <= 4*7)
			s.baskets8 += b2i(age <= 8*7)
			s.baskets26 += b2i(age <= 26*7)
		}
		if !tracked {
			continue
		}
		cs := &s.cat[c]
		if age <= 26*7 {
			cs.spend26 += p.Sales
		}
		if cs.basketsAll > 0 && lastCatTrip[c] == tr {
			continue
		}
		if cs.basketsAll == 0 {
			cs.first = p.Day
			cs.days = 1
		} else if p.Day != lastCatDay[c] {
			cs.days++
		}
		lastCatTrip[c], lastCatDay[c] = tr, p.Day
		cs.last = p.Day
		cs.basketsAll++
		cs.baskets4 += b2i(age <= 4*7)
		cs.baskets8 += b2i(age <= 8*7)
		cs.baskets26 += b2i(age <= 26*7)
		cs.basketsPrev += b2i(age > 8*7 && age <= 16*7)
	}
	s.categories26 = len(cats26)
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func weeks(days int) float64 { return math.Min(float64(days)/7, RecencyCap) }

// fill writes the features of category c in FeatureNames order.
func (s *memberStats) fill(x []float64, c int, penetration float64) {
	cs := s.cat[c]
	recency, gap, sinceFirst := RecencyCap, RecencyCap, 0.0
	if cs.basketsAll > 0 {
		recency = weeks(s.cutoff - cs.last)
		sinceFirst = weeks(s.cutoff - cs.first)
		if cs.days > 1 {
			gap = weeks(cs.last-cs.first) / float64(cs.days-1)
		}
	}
	wallet, tripShare := 0.0, 0.0
	if s.spend26 > 0 {
		wallet = cs.spend26 / s.spend26
	}
	if s.baskets26 > 0 {
		tripShare = float64(cs.baskets26) / float64(s.baskets26)
	}
	copy(x, []float64{
		recency, float64(cs.baskets4), float64(cs.baskets8), float64(cs.baskets26),
		float64(cs.basketsAll), float64(cs.basketsPrev), cs.spend26, wallet, tripShare, gap,
		sinceFirst, weeks(s.cutoff - s.last), float64(s.baskets4), float64(s.baskets8),
		float64(s.baskets26), float64(s.bAll), s.spend26, float64(s.categories26),
		float64(s.cutoff - s.first), penetration,
	})
}
