package loyalty

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
)

// Bounds on configuration and input. They keep every product of amounts,
// rates and multipliers well inside what can be checked and reported.
const (
	MaxAmountFen  int64 = 1_000_000_000_000 // 10^12 fen = 10 billion yuan
	MaxMultiplier int64 = 100_000           // ×100, per-mille
	MaxPointsPer  int64 = 1_000
	MaxPerYuan    int64 = 10_000
	MaxMonths           = 1_200
	PerMille      int64 = 1000 // ×1
)

// Rounding modes; only floor exists, and it is written in the rules so that
// a stored configuration says how it rounds.
const RoundFloor = "floor"

// Expiry policy kinds.
const (
	ExpiryEndOfFollowingYear = "end_of_following_year"
	ExpiryMonths             = "months"
	ExpiryNever              = "never"
)

// Debt policies: what a reversal does when the points were already spent.
const (
	DebtForbid = "forbid" // take what the balance holds; the rest is unrecovered
	DebtRecord = "record" // take it all; the balance goes negative as a recorded debt
)

// Payment methods that earn nothing.
const (
	PayPoints   = "points"
	PayGiftCard = "gift_card"
)

// ExpiryPolicy says how long earned points last.
type ExpiryPolicy struct {
	Kind   string `json:"kind"`
	Months int    `json:"months,omitempty"`
}

// EndOfFollowingYear: points earned in 2025 expire when 2027 begins.
func EndOfFollowingYear() ExpiryPolicy { return ExpiryPolicy{Kind: ExpiryEndOfFollowingYear} }

// Months: points last n months from the day they were earned.
func Months(n int) ExpiryPolicy { return ExpiryPolicy{Kind: ExpiryMonths, Months: n} }

// Never: points never expire.
func Never() ExpiryPolicy { return ExpiryPolicy{Kind: ExpiryNever} }

// Promotion multiplies points on matching days and/or times of day. Day
// conditions (Weekdays, MonthDays, Dates) match when any of them does; the
// window From–To (local "15:04", From inclusive, To exclusive, "24:00"
// allowed as To, crossing midnight when From > To) must also match when set.
type Promotion struct {
	Name       string         `json:"name"`
	Weekdays   []time.Weekday `json:"weekdays,omitempty"`   // 0 = Sunday
	MonthDays  []int          `json:"month_days,omitempty"` // 8 = 每月8日 member day
	Dates      []string       `json:"dates,omitempty"`      // "2006-01-02"
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Multiplier int64          `json:"multiplier"` // per-mille, >= 1000
}

// Rules configure earning, expiry and debt. The zero value is not valid;
// start from DefaultRules.
type Rules struct {
	PointsPer           int64            `json:"points_per"` // N points …
	PerYuan             int64            `json:"per_yuan"`   // … per M yuan
	Rounding            string           `json:"rounding"`   // "floor"
	MinSpendFen         int64            `json:"min_spend_fen"`
	ExcludedProducts    []string         `json:"excluded_products,omitempty"`
	ExcludedCategories  []string         `json:"excluded_categories,omitempty"`
	CategoryMultipliers map[string]int64 `json:"category_multipliers,omitempty"` // per-mille
	ProductMultipliers  map[string]int64 `json:"product_multipliers,omitempty"`  // per-mille
	Promotions          []Promotion      `json:"promotions,omitempty"`
	Expiry              ExpiryPolicy     `json:"expiry"`
	Debt                string           `json:"debt"`
}

// DefaultRules: 1 point per yuan, floor, expiring at the end of the
// following year, no debt.
func DefaultRules() Rules {
	return Rules{PointsPer: 1, PerYuan: 1, Rounding: RoundFloor, Expiry: EndOfFollowingYear(), Debt: DebtForbid}
}

// Validate reports every field at fault, each named as in the JSON form.
func (r Rules) Validate() error {
	var v linli.Validation
	if r.PointsPer < 1 || r.PointsPer > MaxPointsPer {
		v.Add("points_per", "loyalty.rate_invalid", "points per must be between 1 and %d", MaxPointsPer)
	}
	if r.PerYuan < 1 || r.PerYuan > MaxPerYuan {
		v.Add("per_yuan", "loyalty.rate_invalid", "yuan per step must be between 1 and %d", MaxPerYuan)
	}
	if r.Rounding != RoundFloor {
		v.Add("rounding", "loyalty.rounding_invalid", "rounding must be %q", RoundFloor)
	}
	if r.MinSpendFen < 0 || r.MinSpendFen > MaxAmountFen {
		v.Add("min_spend_fen", "loyalty.min_spend_invalid", "minimum spend must be between 0 and %d fen", MaxAmountFen)
	}
	for i, p := range r.ExcludedProducts {
		if strings.TrimSpace(p) == "" {
			v.Add(fmt.Sprintf("excluded_products[%d]", i), "loyalty.code_empty", "product code is empty")
		}
	}
	for i, c := range r.ExcludedCategories {
		if strings.TrimSpace(c) == "" {
			v.Add(fmt.Sprintf("excluded_categories[%d]", i), "loyalty.code_empty", "category is empty")
		}
	}
	checkMap := func(name string, m map[string]int64) {
		for _, k := range sortedKeys(m) {
			field := fmt.Sprintf("%s[%s]", name, k)
			if strings.TrimSpace(k) == "" {
				v.Add(field, "loyalty.code_empty", "code is empty")
			}
			if x := m[k]; x < 0 || x > MaxMultiplier {
				v.Add(field, "loyalty.multiplier_invalid", "multiplier must be between 0 and %d per mille", MaxMultiplier)
			}
		}
	}
	checkMap("category_multipliers", r.CategoryMultipliers)
	checkMap("product_multipliers", r.ProductMultipliers)
	for i, p := range r.Promotions {
		validatePromotion(&v, fmt.Sprintf("promotions[%d]", i), p)
	}
	switch r.Expiry.Kind {
	case ExpiryEndOfFollowingYear, ExpiryNever:
	case ExpiryMonths:
		if r.Expiry.Months < 1 || r.Expiry.Months > MaxMonths {
			v.Add("expiry.months", "loyalty.expiry_invalid", "months must be between 1 and %d", MaxMonths)
		}
	default:
		v.Add("expiry.kind", "loyalty.expiry_invalid", "expiry must be %q, %q or %q",
			ExpiryEndOfFollowingYear, ExpiryMonths, ExpiryNever)
	}
	if r.Debt != DebtForbid && r.Debt != DebtRecord {
		v.Add("debt", "loyalty.debt_invalid", "debt policy must be %q or %q", DebtForbid, DebtRecord)
	}
	return v.Err()
}

func validatePromotion(v *linli.Validation, field string, p Promotion) {
	if strings.TrimSpace(p.Name) == "" {
		v.Add(field+".name", "loyalty.promotion_name_empty", "promotion name is empty")
	}
	if p.Multiplier < PerMille || p.Multiplier > MaxMultiplier {
		v.Add(field+".multiplier", "loyalty.multiplier_invalid", "promotion multiplier must be between %d and %d per mille", PerMille, MaxMultiplier)
	}
	for i, d := range p.Weekdays {
		if d < time.Sunday || d > time.Saturday {
			v.Add(fmt.Sprintf("%s.weekdays[%d]", field, i), "loyalty.weekday_invalid", "weekday must be 0 (Sunday) to 6")
		}
	}
	for i, d := range p.MonthDays {
		if d < 1 || d > 31 {
			v.Add(fmt.Sprintf("%s.month_days[%d]", field, i), "loyalty.month_day_invalid", "day of month must be 1 to 31")
		}
	}
	for i, d := range p.Dates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			v.Add(fmt.Sprintf("%s.dates[%d]", field, i), "loyalty.date_invalid", "date must be YYYY-MM-DD")
		}
	}
	hasWindow := p.From != "" || p.To != ""
	if hasWindow {
		from, okF := parseClock(p.From, false)
		to, okT := parseClock(p.To, true)
		if !okF {
			v.Add(field+".from", "loyalty.time_invalid", "from must be HH:MM")
		}
		if !okT {
			v.Add(field+".to", "loyalty.time_invalid", "to must be HH:MM")
		}
		if okF && okT && from == to {
			v.Add(field+".to", "loyalty.window_empty", "window from and to are the same")
		}
	}
	if !hasWindow && len(p.Weekdays) == 0 && len(p.MonthDays) == 0 && len(p.Dates) == 0 {
		// A promotion on every day at every hour is a base rate change and
		// should be configured as one.
		v.Add(field, "loyalty.promotion_unconditional", "promotion needs a day or a time window")
	}
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" only as an end.
func parseClock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 {
		return 0, false
	}
	if h == 24 && m == 0 && end {
		return 24 * 60, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

// matches says whether the promotion applies at local wall-clock time t.
func (p Promotion) matches(t time.Time) bool {
	if len(p.Weekdays)+len(p.MonthDays)+len(p.Dates) > 0 {
		day := false
		for _, d := range p.Weekdays {
			day = day || t.Weekday() == d
		}
		for _, d := range p.MonthDays {
			day = day || t.Day() == d
		}
		date := t.Format(time.DateOnly)
		for _, d := range p.Dates {
			day = day || d == date
		}
		if !day {
			return false
		}
	}
	if p.From == "" && p.To == "" {
		return true
	}
	from, _ := parseClock(p.From, false)
	to, _ := parseClock(p.To, true)
	now := t.Hour()*60 + t.Minute()
	if from < to {
		return now >= from && now < to
	}
	return now >= from || now < to // crosses midnight
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatX writes a per-mille multiplier as a decimal: 1500 → "1.5".
func formatX(permille int64) string {
	s := strconv.FormatInt(permille/1000, 10)
	if f := permille % 1000; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", f), "0")
	}
	return s
}
