// Package tier describes membership tiers: what qualifies a member for
// each, over a rolling window of activity, and the benefits each brings.
// It is pure: the sales service stores tiers and applies them.
package tier

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
)

// Bounds of a configuration.
const (
	MaxTiers      = 20
	MaxWindowDays = 3660
	maxName       = 40
	// MaxThreshold bounds a threshold: ¥10,000,000,000 of spend.
	MaxThreshold = loyalty.MaxAmountFen
	// DefaultWindowDays is the rolling window when none is set.
	DefaultWindowDays = 365
)

// Benefits are what a tier brings. The points multiplier is applied when
// points are earned; the rest is for the promotion engine to apply.
type Benefits struct {
	// DiscountPermille is a discount off the price, per mille: 50 is 5%.
	DiscountPermille int64 `json:"discount_permille"`
	// PointsMultiplier is per mille: 1000 earns ×1, 1500 ×1.5.
	PointsMultiplier int64 `json:"points_multiplier"`
	FreeDelivery     bool  `json:"free_delivery"`
	PriorityService  bool  `json:"priority_service"`
	BirthdayGift     bool  `json:"birthday_gift"`
}

// Tier is one level. A member qualifies when ANY of its non-zero
// thresholds is met over the window; the lowest tier has none and every
// member has it.
type Tier struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	NameEn      string `json:"name_en"`
	MinSpendFen int64  `json:"min_spend_fen"`
	MinPoints   int64  `json:"min_points"`
	MinVisits   int64  `json:"min_visits"`
	Benefits    `json:"benefits"`
}

// Thresholds reports whether the tier has any threshold.
func (t Tier) Thresholds() bool { return t.MinSpendFen > 0 || t.MinPoints > 0 || t.MinVisits > 0 }

// Met reports whether the activity meets any of the tier's non-zero
// thresholds; always true for a tier without thresholds.
func (t Tier) Met(a Activity) bool {
	if !t.Thresholds() {
		return true
	}
	return t.MinSpendFen > 0 && a.SpendFen >= t.MinSpendFen ||
		t.MinPoints > 0 && a.Points >= t.MinPoints ||
		t.MinVisits > 0 && a.Visits >= t.MinVisits
}

// Config is the tiers, lowest first, and how they are reviewed.
type Config struct {
	Tiers []Tier `json:"tiers"`
	// WindowDays is the rolling window activity is counted over.
	WindowDays int `json:"window_days"`
	// ReviewEveryDays is how long a tier holds, from the upgrade or the
	// last review, before the daily review may lower it (downgrades and
	// dormancy); 0 reviews every member at every run.
	ReviewEveryDays int `json:"review_every_days"`
	// DormantAfterDays sends a member with no sale for that long to the
	// lowest tier at the next review; 0 never.
	DormantAfterDays int `json:"dormant_after_days"`
}

// Activity is a member's activity over the window: spend net of refunds,
// points earned net of reversals, and visits (sales not wholly refunded).
type Activity struct {
	SpendFen int64 `json:"spend_fen"`
	Points   int64 `json:"points"`
	Visits   int64 `json:"visits"`
}

// Default is 普通 / 银卡 / 金卡 / 钻石卡.
func Default() Config {
	return Config{
		Tiers: []Tier{
			{Code: "regular", Name: "普通", NameEn: "Regular",
				Benefits: Benefits{PointsMultiplier: 1000}},
			{Code: "silver", Name: "银卡", NameEn: "Silver", MinSpendFen: 200_000, MinVisits: 12,
				Benefits: Benefits{DiscountPermille: 0, PointsMultiplier: 1200, BirthdayGift: true}},
			{Code: "gold", Name: "金卡", NameEn: "Gold", MinSpendFen: 800_000, MinVisits: 36,
				Benefits: Benefits{DiscountPermille: 20, PointsMultiplier: 1500, FreeDelivery: true, BirthdayGift: true}},
			{Code: "diamond", Name: "钻石卡", NameEn: "Diamond", MinSpendFen: 2_000_000,
				Benefits: Benefits{DiscountPermille: 50, PointsMultiplier: 2000, FreeDelivery: true, PriorityService: true, BirthdayGift: true}},
		},
		WindowDays:       DefaultWindowDays,
		ReviewEveryDays:  30,
		DormantAfterDays: 365,
	}
}

var codeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9_]{1,20}$`) })

// Validate checks the configuration: 1–MaxTiers tiers with unique codes,
// the first without thresholds and every other with at least one, bounds
// on every number.
func (c Config) Validate() error {
	var v linli.Validation
	switch {
	case len(c.Tiers) == 0:
		v.Add("tiers", "tier.none", "there must be at least one tier")
	case len(c.Tiers) > MaxTiers:
		v.Add("tiers", "tier.too_many", "there are at most %d tiers", MaxTiers)
	}
	if c.WindowDays < 1 || c.WindowDays > MaxWindowDays {
		v.Add("window_days", "tier.window_invalid", "the window must be 1–%d days", MaxWindowDays)
	}
	if c.ReviewEveryDays < 0 || c.ReviewEveryDays > MaxWindowDays {
		v.Add("review_every_days", "tier.review_invalid", "the review interval must be 0–%d days", MaxWindowDays)
	}
	if c.DormantAfterDays < 0 || c.DormantAfterDays > MaxWindowDays {
		v.Add("dormant_after_days", "tier.dormant_invalid", "dormancy must be 0–%d days", MaxWindowDays)
	}
	seen := map[string]bool{}
	for i, t := range c.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		if !codeRE().MatchString(t.Code) {
			v.Add(f+".code", "tier.code_invalid", "the code must be 1–20 of a–z, 0–9 and _")
		} else if seen[t.Code] {
			v.Add(f+".code", "tier.code_duplicate", "code %q is used twice", t.Code)
		}
		seen[t.Code] = true
		if n := strings.TrimSpace(t.Name); n == "" || utf8.RuneCountInString(n) > maxName || utf8.RuneCountInString(t.NameEn) > maxName {
			v.Add(f+".name", "tier.name_invalid", "the name must be 1–%d characters", maxName)
		}
		for _, x := range []struct {
			field string
			n     int64
		}{{"min_spend_fen", t.MinSpendFen}, {"min_points", t.MinPoints}, {"min_visits", t.MinVisits}} {
			if x.n < 0 || x.n > MaxThreshold {
				v.Add(f+"."+x.field, "tier.threshold_invalid", "the threshold must be 0–%d", int64(MaxThreshold))
			}
		}
		if i == 0 && t.Thresholds() {
			v.Add(f, "tier.lowest_threshold", "the lowest tier has no thresholds: every member has it")
		}
		if i > 0 && !t.Thresholds() {
			v.Add(f, "tier.threshold_required", "a tier above the lowest needs a threshold")
		}
		if t.DiscountPermille < 0 || t.DiscountPermille >= 1000 {
			v.Add(f+".benefits.discount_permille", "tier.discount_invalid", "the discount must be 0–999 per mille")
		}
		if t.PointsMultiplier < 1 || t.PointsMultiplier > loyalty.MaxMultiplier {
			v.Add(f+".benefits.points_multiplier", "tier.multiplier_invalid", "the multiplier must be 1–%d per mille", loyalty.MaxMultiplier)
		}
	}
	return v.Err()
}

// Lowest is the tier every member has; the zero Tier when there is none.
func (c Config) Lowest() Tier {
	if len(c.Tiers) == 0 {
		return Tier{}
	}
	return c.Tiers[0]
}

// Rank is the tier's place, 0 for the lowest; an unknown code (a tier
// since removed) ranks as the lowest.
func (c Config) Rank(code string) int {
	for i, t := range c.Tiers {
		if t.Code == code {
			return i
		}
	}
	return 0
}

// Find returns the tier with the code, the lowest when there is none.
func (c Config) Find(code string) Tier { return c.Tiers[c.Rank(code)] }

// Qualify returns the highest tier the activity qualifies for: the
// highest whose ANY non-zero threshold is met. Tiers need not nest: a
// member with 36 visits is 金卡 even with little spend.
func Qualify(c Config, a Activity) Tier {
	for i := len(c.Tiers) - 1; i > 0; i-- {
		if c.Tiers[i].Met(a) {
			return c.Tiers[i]
		}
	}
	return c.Lowest()
}

// Next returns the tier above code; ok false at the top.
func (c Config) Next(code string) (Tier, bool) {
	r := c.Rank(code)
	if r+1 >= len(c.Tiers) {
		return Tier{}, false
	}
	return c.Tiers[r+1], true
}

// Label is the tier's name in lang: the English name for "en…" when it
// has one, the Chinese name otherwise.
func (t Tier) Label(lang string) string {
	if strings.HasPrefix(lang, "en") && t.NameEn != "" {
		return t.NameEn
	}
	return t.Name
}

// Label names the tier with the code in lang; an unknown code (a tier
// since removed) is shown as itself.
func (c Config) Label(code, lang string) string {
	for _, t := range c.Tiers {
		if t.Code == code {
			return t.Label(lang)
		}
	}
	return code
}
