package loyalty

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"

	"github.com/linli/linli"
)

// Line is one basket line; AmountFen is after line discounts.
type Line struct {
	Product   string `json:"product"`
	Category  string `json:"category"`
	AmountFen int64  `json:"amount_fen"`
}

// Payment is one tender applied to the basket.
type Payment struct {
	Method    string `json:"method"`
	AmountFen int64  `json:"amount_fen"`
}

// Basket is what Earn needs to know about a sale. Time is read on the wall
// clock of Location, the store's zone. TierMultiplier is per-mille from the
// member's tier; 0 means no tier (×1).
type Basket struct {
	Time           time.Time      `json:"time"`
	Location       *time.Location `json:"-"`
	TierMultiplier int64          `json:"tier_multiplier"`
	Lines          []Line         `json:"lines"`
	Payments       []Payment      `json:"payments"`
}

// Reason names the rule that produced a number and its parameters, for the
// till, the receipt and the ledger entry.
type Reason struct {
	Rule   string            `json:"rule"`
	Params map[string]string `json:"params,omitempty"`
}

// Rule codes used in reasons.
const (
	RuleBaseRate           = "base_rate"
	RuleProductMultiplier  = "product_multiplier"
	RuleCategoryMultiplier = "category_multiplier"
	RuleExcludedProduct    = "excluded_product"
	RuleExcludedCategory   = "excluded_category"
	RulePromotion          = "promotion"
	RuleTierMultiplier     = "tier_multiplier"
	RuleNoEarnPayment      = "no_earn_payment"
	RuleBelowMinSpend      = "below_min_spend"
)

// baseLineParams are the params of every line earning at the base rate,
// one map shared rather than one per line of every sale: like every
// Reason's params, read them, never change them.
var baseLineParams = map[string]string{"x": "1"}

// LineEarning is what one line earned and why.
type LineEarning struct {
	Index       int    `json:"index"`
	Product     string `json:"product"`
	Category    string `json:"category"`
	AmountFen   int64  `json:"amount_fen"`
	EligibleFen int64  `json:"eligible_fen"` // after the part paid with points or gift cards
	Multiplier  int64  `json:"multiplier"`   // line multiplier, per-mille; 0 when excluded
	Points      int64  `json:"points"`
	Rule        Reason `json:"rule"`
}

// Earning is what a basket earns. Reasons hold the basket-wide rules that
// applied (base rate, promotion, tier, no-earn payment, minimum spend).
type Earning struct {
	Points              int64         `json:"points"`
	EligibleFen         int64         `json:"eligible_fen"` // eligible spend of earning lines
	NoEarnPaidFen       int64         `json:"no_earn_paid_fen"`
	PromotionMultiplier int64         `json:"promotion_multiplier"`
	TierMultiplier      int64         `json:"tier_multiplier"`
	Lines               []LineEarning `json:"lines"`
	Reasons             []Reason      `json:"reasons"`
}

var (
	bigThousand = big.NewInt(1000)
	bigMaxInt64 = big.NewInt(math.MaxInt64)
)

// Earn computes the points a basket earns under rules. It fails on invalid
// rules or an inconsistent basket, never on a merely small one.
func Earn(rules Rules, b Basket) (Earning, error) {
	if err := rules.Validate(); err != nil {
		return Earning{}, err
	}
	if b.Location == nil {
		return Earning{}, linli.Invalid("loyalty.location_missing", "location", "the store's time zone is missing")
	}
	tier := b.TierMultiplier
	if tier == 0 {
		tier = PerMille
	}
	if tier < 0 || tier > MaxMultiplier {
		return Earning{}, linli.Invalid("loyalty.multiplier_invalid", "tier_multiplier", "tier multiplier must be between 0 and %d per mille", MaxMultiplier)
	}
	var total int64
	for i, l := range b.Lines {
		if l.AmountFen < 0 || l.AmountFen > MaxAmountFen {
			return Earning{}, linli.Invalid("loyalty.amount_invalid", fmt.Sprintf("lines[%d].amount_fen", i), "line amount must be between 0 and %d fen", MaxAmountFen)
		}
		total += l.AmountFen // cannot overflow: checked against MaxAmountFen each step
		if total > MaxAmountFen {
			return Earning{}, linli.Invalid("loyalty.amount_invalid", "lines", "basket total exceeds %d fen", MaxAmountFen)
		}
	}
	var noEarn int64
	for i, p := range b.Payments {
		if p.AmountFen < 0 || p.AmountFen > MaxAmountFen {
			return Earning{}, linli.Invalid("loyalty.amount_invalid", fmt.Sprintf("payments[%d].amount_fen", i), "payment amount must be between 0 and %d fen", MaxAmountFen)
		}
		if p.Method == PayPoints || p.Method == PayGiftCard {
			noEarn += p.AmountFen
			if noEarn > total {
				return Earning{}, linli.Invalid("loyalty.payment_exceeds_total", "payments", "points and gift cards pay more than the basket total")
			}
		}
	}

	e := Earning{NoEarnPaidFen: noEarn, TierMultiplier: tier, PromotionMultiplier: PerMille,
		Lines: make([]LineEarning, len(b.Lines))}
	e.Reasons = append(e.Reasons, Reason{Rule: RuleBaseRate, Params: map[string]string{
		"points": strconv.FormatInt(rules.PointsPer, 10), "yuan": strconv.FormatInt(rules.PerYuan, 10), "rounding": rules.Rounding}})

	local := b.Time.In(b.Location)
	var promo *Promotion
	for i := range rules.Promotions {
		p := &rules.Promotions[i]
		if p.matches(local) && (promo == nil || p.Multiplier > promo.Multiplier) {
			promo = p
		}
	}
	if promo != nil {
		e.PromotionMultiplier = promo.Multiplier
		e.Reasons = append(e.Reasons, Reason{Rule: RulePromotion, Params: map[string]string{"name": promo.Name, "x": formatX(promo.Multiplier)}})
	}
	if tier != PerMille {
		e.Reasons = append(e.Reasons, Reason{Rule: RuleTierMultiplier, Params: map[string]string{"x": formatX(tier)}})
	}
	if noEarn > 0 {
		e.Reasons = append(e.Reasons, Reason{Rule: RuleNoEarnPayment, Params: map[string]string{"paid_fen": strconv.FormatInt(noEarn, 10)}})
	}

	// Eligible amount per line: the basket minus the no-earn part, shared in
	// proportion to line amounts (floor, then largest remainders).
	eligible := make([]int64, len(b.Lines))
	if total > 0 {
		nums := make([]*big.Int, len(b.Lines))
		for i, l := range b.Lines {
			nums[i] = new(big.Int).Mul(big.NewInt(l.AmountFen), big.NewInt(total-noEarn))
		}
		eligible = apportion(nums, big.NewInt(total))
	}

	excludedP := set(rules.ExcludedProducts)
	excludedC := set(rules.ExcludedCategories)
	nums := make([]*big.Int, len(b.Lines))
	var spend int64
	for i, l := range b.Lines {
		le := LineEarning{Index: i, Product: l.Product, Category: l.Category, AmountFen: l.AmountFen, EligibleFen: eligible[i]}
		switch x, okP := rules.ProductMultipliers[l.Product]; {
		case excludedP[l.Product]:
			le.Rule = Reason{Rule: RuleExcludedProduct, Params: map[string]string{"product": l.Product}}
		case excludedC[l.Category]:
			le.Rule = Reason{Rule: RuleExcludedCategory, Params: map[string]string{"category": l.Category}}
		case okP:
			le.Multiplier = x
			le.Rule = Reason{Rule: RuleProductMultiplier, Params: map[string]string{"product": l.Product, "x": formatX(x)}}
		default:
			if x, ok := rules.CategoryMultipliers[l.Category]; ok {
				le.Multiplier = x
				le.Rule = Reason{Rule: RuleCategoryMultiplier, Params: map[string]string{"category": l.Category, "x": formatX(x)}}
			} else {
				le.Multiplier = PerMille
				le.Rule = Reason{Rule: RuleBaseRate, Params: baseLineParams}
			}
		}
		n := new(big.Int)
		if le.Multiplier > 0 {
			spend += le.EligibleFen
			n.SetInt64(le.EligibleFen)
			n.Mul(n, big.NewInt(rules.PointsPer))
			n.Mul(n, big.NewInt(le.Multiplier))
			n.Mul(n, big.NewInt(e.PromotionMultiplier))
			n.Mul(n, big.NewInt(tier))
		}
		nums[i] = n
		e.Lines[i] = le
	}
	e.EligibleFen = spend
	if spend < rules.MinSpendFen {
		e.Reasons = append(e.Reasons, Reason{Rule: RuleBelowMinSpend, Params: map[string]string{
			"min_spend_fen": strconv.FormatInt(rules.MinSpendFen, 10), "eligible_fen": strconv.FormatInt(spend, 10)}})
		return e, nil
	}
	// Denominator: fen per yuan × yuan per step × 1000 for each of the three
	// per-mille multipliers.
	den := big.NewInt(rules.PerYuan * 100)
	for range 3 {
		den.Mul(den, bigThousand)
	}
	sum := new(big.Int)
	for _, n := range nums {
		sum.Add(sum, n)
	}
	if new(big.Int).Quo(sum, den).Cmp(bigMaxInt64) > 0 {
		return Earning{}, linli.Errorf(linli.KindInvalid, "loyalty.overflow", "the basket would earn more points than can be counted")
	}
	points := apportion(nums, den)
	for i, p := range points {
		e.Lines[i].Points = p
		e.Points += p
	}
	return e, nil
}

// apportion returns integers that add up to floor(Σ nums / den): each is the
// floor of nums[i]/den, and the units left over go one each to the largest
// remainders, ties to the lower index. All nums are >= 0 and the total must
// fit an int64.
func apportion(nums []*big.Int, den *big.Int) []int64 {
	out := make([]int64, len(nums))
	rems := make([]*big.Int, len(nums))
	sum := new(big.Int)
	var floors int64
	for i, n := range nums {
		sum.Add(sum, n)
		q, r := new(big.Int).QuoRem(n, den, new(big.Int))
		out[i] = q.Int64()
		floors += out[i]
		rems[i] = r
	}
	left := new(big.Int).Quo(sum, den).Int64() - floors
	if left <= 0 {
		return out
	}
	order := make([]int, len(nums))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]].Cmp(rems[order[b]]) > 0 })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
