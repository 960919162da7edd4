package loyalty

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func fieldsOf(err error) []string {
	e, ok := linli.AsError(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+"="+f.Code)
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Rules)
		field string // "" when valid
	}{
		{"default", func(*Rules) {}, ""},
		{"n per m", func(r *Rules) { r.PointsPer, r.PerYuan = 2, 5 }, ""},
		{"zero rate", func(r *Rules) { r.PointsPer = 0 }, "points_per=loyalty.rate_invalid"},
		{"rate too high", func(r *Rules) { r.PointsPer = MaxPointsPer + 1 }, "points_per=loyalty.rate_invalid"},
		{"zero yuan", func(r *Rules) { r.PerYuan = 0 }, "per_yuan=loyalty.rate_invalid"},
		{"rounding", func(r *Rules) { r.Rounding = "round" }, "rounding=loyalty.rounding_invalid"},
		{"min spend", func(r *Rules) { r.MinSpendFen = -1 }, "min_spend_fen=loyalty.min_spend_invalid"},
		{"empty exclusion", func(r *Rules) { r.ExcludedProducts = []string{" "} }, "excluded_products[0]=loyalty.code_empty"},
		{"empty category exclusion", func(r *Rules) { r.ExcludedCategories = []string{""} }, "excluded_categories[0]=loyalty.code_empty"},
		{"category multiplier", func(r *Rules) { r.CategoryMultipliers = map[string]int64{"生鲜": -1} }, "category_multipliers[生鲜]=loyalty.multiplier_invalid"},
		{"product multiplier", func(r *Rules) { r.ProductMultipliers = map[string]int64{"6901": MaxMultiplier + 1} }, "product_multipliers[6901]=loyalty.multiplier_invalid"},
		{"zero multiplier allowed", func(r *Rules) { r.CategoryMultipliers = map[string]int64{"烟": 0} }, ""},
		{"promotion below x1", func(r *Rules) {
			r.Promotions = []Promotion{{Name: "p", Weekdays: []time.Weekday{1}, Multiplier: 999}}
		}, "promotions[0].multiplier=loyalty.multiplier_invalid"},
		{"promotion name", func(r *Rules) { r.Promotions = []Promotion{{Weekdays: []time.Weekday{1}, Multiplier: 2000}} }, "promotions[0].name=loyalty.promotion_name_empty"},
		{"weekday", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", Weekdays: []time.Weekday{7}, Multiplier: 2000}} }, "promotions[0].weekdays[0]=loyalty.weekday_invalid"},
		{"month day", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", MonthDays: []int{32}, Multiplier: 2000}} }, "promotions[0].month_days[0]=loyalty.month_day_invalid"},
		{"date", func(r *Rules) {
			r.Promotions = []Promotion{{Name: "p", Dates: []string{"2025-02-30"}, Multiplier: 2000}}
		}, "promotions[0].dates[0]=loyalty.date_invalid"},
		{"from", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", From: "7:00", To: "09:00", Multiplier: 2000}} }, "promotions[0].from=loyalty.time_invalid"},
		{"to missing", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", From: "07:00", Multiplier: 2000}} }, "promotions[0].to=loyalty.time_invalid"},
		{"24:00 as from", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", From: "24:00", To: "09:00", Multiplier: 2000}} }, "promotions[0].from=loyalty.time_invalid"},
		{"24:00 as to", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", From: "22:00", To: "24:00", Multiplier: 2000}} }, ""},
		{"empty window", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", From: "07:00", To: "07:00", Multiplier: 2000}} }, "promotions[0].to=loyalty.window_empty"},
		{"unconditional", func(r *Rules) { r.Promotions = []Promotion{{Name: "p", Multiplier: 2000}} }, "promotions[0]=loyalty.promotion_unconditional"},
		{"expiry kind", func(r *Rules) { r.Expiry = ExpiryPolicy{Kind: "soon"} }, "expiry.kind=loyalty.expiry_invalid"},
		{"expiry months", func(r *Rules) { r.Expiry = Months(0) }, "expiry.months=loyalty.expiry_invalid"},
		{"months ok", func(r *Rules) { r.Expiry = Months(24) }, ""},
		{"never ok", func(r *Rules) { r.Expiry = Never() }, ""},
		{"debt", func(r *Rules) { r.Debt = "" }, "debt=loyalty.debt_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if linli.ErrorKind(err) != linli.KindInvalid {
				t.Fatalf("kind of %v is not invalid", err)
			}
			got := fieldsOf(err)
			if len(got) != 1 || got[0] != tt.field {
				t.Fatalf("fields %v, want [%s]", got, tt.field)
			}
		})
	}
	var zero Rules
	if len(fieldsOf(zero.Validate())) < 5 {
		t.Errorf("zero rules should name every missing field: %v", zero.Validate())
	}
}

func TestRulesJSON(t *testing.T) {
	r := DefaultRules()
	r.ExcludedCategories = []string{"烟草", "婴幼儿配方奶粉"}
	r.CategoryMultipliers = map[string]int64{"生鲜": 1500}
	r.ProductMultipliers = map[string]int64{"6901": 3000}
	r.Promotions = []Promotion{{Name: "会员日", MonthDays: []int{8}, Multiplier: 2000}, {Name: "早市", From: "07:00", To: "09:00", Multiplier: 1500}}
	r.Expiry = Months(18)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Rules
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Fatalf("round trip changed rules:\n%+v\n%+v", r, back)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestFormatX(t *testing.T) {
	for in, want := range map[int64]string{1000: "1", 1500: "1.5", 1250: "1.25", 1005: "1.005", 0: "0", 100000: "100", 2000: "2"} {
		if got := formatX(in); got != want {
			t.Errorf("formatX(%d) = %q, want %q", in, got, want)
		}
	}
}

// a Wednesday afternoon in Shanghai, outside every promotion used below
var plainTime = time.Date(2025, 3, 5, 15, 0, 0, 0, shanghai)

func basket(lines ...Line) Basket {
	return Basket{Time: plainTime, Location: shanghai, Lines: lines}
}

func TestEarn(t *testing.T) {
	rich := DefaultRules()
	rich.ExcludedProducts = []string{"ban"}
	rich.ExcludedCategories = []string{"烟草", "婴幼儿配方奶粉"}
	rich.CategoryMultipliers = map[string]int64{"生鲜": 1500, "烟草": 5000, "零": 0}
	rich.ProductMultipliers = map[string]int64{"apple": 3000, "milk": 5000}

	tests := []struct {
		name   string
		rules  Rules
		basket Basket
		points int64
		lines  []int64
		rules_ []string // rule code of each line
	}{
		{"1 per yuan", DefaultRules(), basket(Line{"a", "x", 1000}), 10, []int64{10}, []string{RuleBaseRate}},
		{"floor 1.99", DefaultRules(), basket(Line{"a", "x", 199}), 1, []int64{1}, []string{RuleBaseRate}},
		{"under a yuan", DefaultRules(), basket(Line{"a", "x", 99}), 0, []int64{0}, []string{RuleBaseRate}},
		{"floor once per basket", DefaultRules(), basket(Line{"a", "x", 50}, Line{"b", "x", 50}, Line{"c", "x", 50}), 1, []int64{1, 0, 0}, nil},
		{"2 per 5 yuan", func() Rules { r := DefaultRules(); r.PointsPer, r.PerYuan = 2, 5; return r }(), basket(Line{"a", "x", 1299}), 5, []int64{5}, nil},
		{"category x1.5", rich, basket(Line{"pear", "生鲜", 1000}), 15, []int64{15}, []string{RuleCategoryMultiplier}},
		{"product beats category", rich, basket(Line{"apple", "生鲜", 1000}), 30, []int64{30}, []string{RuleProductMultiplier}},
		{"excluded category beats multipliers", rich, basket(Line{"cig", "烟草", 1000}), 0, []int64{0}, []string{RuleExcludedCategory}},
		{"excluded category beats product multiplier", rich, basket(Line{"milk", "婴幼儿配方奶粉", 1000}), 0, []int64{0}, []string{RuleExcludedCategory}},
		{"excluded product", rich, basket(Line{"ban", "生鲜", 1000}), 0, []int64{0}, []string{RuleExcludedProduct}},
		{"zero multiplier", rich, basket(Line{"z", "零", 1000}), 0, []int64{0}, []string{RuleCategoryMultiplier}},
		{"mixed", rich, basket(Line{"pear", "生鲜", 333}, Line{"cig", "烟草", 5000}, Line{"a", "x", 333}), 8, []int64{5, 0, 3}, []string{RuleCategoryMultiplier, RuleExcludedCategory, RuleBaseRate}},
		{"tier x1.2", DefaultRules(), func() Basket { b := basket(Line{"a", "x", 1000}); b.TierMultiplier = 1200; return b }(), 12, []int64{12}, nil},
		{"tier 0 is x1", DefaultRules(), func() Basket { b := basket(Line{"a", "x", 1000}); b.TierMultiplier = 0; return b }(), 10, []int64{10}, nil},
		{"min spend not met", func() Rules { r := DefaultRules(); r.MinSpendFen = 1001; return r }(), basket(Line{"a", "x", 1000}), 0, []int64{0}, nil},
		{"min spend met", func() Rules { r := DefaultRules(); r.MinSpendFen = 1000; return r }(), basket(Line{"a", "x", 1000}), 10, []int64{10}, nil},
		{"min spend counts earning lines only", func() Rules { r := rich; r.MinSpendFen = 1000; return r }(), basket(Line{"a", "x", 900}, Line{"cig", "烟草", 5000}), 0, []int64{0, 0}, nil},
		{"points payment earns nothing", DefaultRules(), func() Basket {
			b := basket(Line{"a", "x", 3000}, Line{"b", "x", 1000})
			b.Payments = []Payment{{PayPoints, 1000}, {"cash", 3000}}
			return b
		}(), 30, []int64{23, 7}, nil}, // eligible 2250 + 750: 22.5 + 7.5, tie to the first line
		{"gift card and points", DefaultRules(), func() Basket {
			b := basket(Line{"a", "x", 1000})
			b.Payments = []Payment{{PayPoints, 300}, {PayGiftCard, 700}}
			return b
		}(), 0, []int64{0}, nil},
		{"other methods earn", DefaultRules(), func() Basket {
			b := basket(Line{"a", "x", 1000})
			b.Payments = []Payment{{"wechat", 500}, {"alipay", 500}, {"coupon", 0}}
			return b
		}(), 10, []int64{10}, nil},
		{"no-earn part spreads over excluded lines", rich, func() Basket {
			b := basket(Line{"a", "x", 1000}, Line{"cig", "烟草", 1000})
			b.Payments = []Payment{{PayGiftCard, 1000}}
			return b
		}(), 5, []int64{5, 0}, nil},
		{"empty basket", DefaultRules(), basket(), 0, []int64{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Earn(tt.rules, tt.basket)
			if err != nil {
				t.Fatal(err)
			}
			if e.Points != tt.points {
				t.Errorf("points %d, want %d (%+v)", e.Points, tt.points, e)
			}
			got := make([]int64, len(e.Lines))
			for i, l := range e.Lines {
				got[i] = l.Points
			}
			if !reflect.DeepEqual(got, tt.lines) {
				t.Errorf("line points %v, want %v", got, tt.lines)
			}
			for i, code := range tt.rules_ {
				if e.Lines[i].Rule.Rule != code {
					t.Errorf("line %d rule %q, want %q", i, e.Lines[i].Rule.Rule, code)
				}
			}
		})
	}
}

func TestEarnReasons(t *testing.T) {
	r := DefaultRules()
	r.CategoryMultipliers = map[string]int64{"生鲜": 1500}
	r.Promotions = []Promotion{{Name: "会员日", MonthDays: []int{8}, Multiplier: 2000}}
	r.MinSpendFen = 100_000
	b := Basket{Time: time.Date(2025, 3, 8, 10, 0, 0, 0, shanghai), Location: shanghai, TierMultiplier: 1100,
		Lines: []Line{{"pear", "生鲜", 1000}}, Payments: []Payment{{PayPoints, 100}}}
	e, err := Earn(r, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Reason{
		{RuleBaseRate, map[string]string{"points": "1", "yuan": "1", "rounding": "floor"}},
		{RulePromotion, map[string]string{"name": "会员日", "x": "2"}},
		{RuleTierMultiplier, map[string]string{"x": "1.1"}},
		{RuleNoEarnPayment, map[string]string{"paid_fen": "100"}},
		{RuleBelowMinSpend, map[string]string{"min_spend_fen": "100000", "eligible_fen": "900"}},
	}
	if !reflect.DeepEqual(e.Reasons, want) {
		t.Errorf("reasons\n%v\nwant\n%v", e.Reasons, want)
	}
	if l := e.Lines[0].Rule; l.Rule != RuleCategoryMultiplier || l.Params["category"] != "生鲜" || l.Params["x"] != "1.5" {
		t.Errorf("line rule %v", l)
	}
	js, _ := json.Marshal(e.Lines[0].Rule)
	if string(js) != `{"rule":"category_multiplier","params":{"category":"生鲜","x":"1.5"}}` {
		t.Errorf("json %s", js)
	}
}

func TestPromotions(t *testing.T) {
	r := DefaultRules()
	r.Promotions = []Promotion{
		{Name: "周三", Weekdays: []time.Weekday{time.Wednesday}, Multiplier: 1500},
		{Name: "会员日", MonthDays: []int{8}, Multiplier: 2000},
		{Name: "双十一", Dates: []string{"2025-11-11"}, Multiplier: 3000},
		{Name: "早市", From: "07:00", To: "09:00", Multiplier: 1200},
		{Name: "夜市", From: "22:00", To: "01:00", Multiplier: 1300},
		{Name: "周六早市", Weekdays: []time.Weekday{time.Saturday}, From: "07:00", To: "09:00", Multiplier: 2500},
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, shanghai) }
	tests := []struct {
		name  string
		t     time.Time
		x     int64
		promo string
	}{
		{"none", at(2025, 3, 4, 15, 0), 1000, ""},
		{"weekday", at(2025, 3, 5, 15, 0), 1500, "周三"},
		{"month day", at(2025, 4, 8, 15, 0), 2000, "会员日"},
		{"date", at(2025, 11, 11, 15, 0), 3000, "双十一"},
		{"window start inclusive", at(2025, 3, 4, 7, 0), 1200, "早市"},
		{"window end exclusive", at(2025, 3, 4, 9, 0), 1000, ""},
		{"window last minute", at(2025, 3, 4, 8, 59), 1200, "早市"},
		{"across midnight before", at(2025, 3, 4, 23, 30), 1300, "夜市"},
		{"across midnight after", at(2025, 3, 4, 0, 59), 1300, "夜市"},
		{"across midnight end", at(2025, 3, 4, 1, 0), 1000, ""},
		{"highest wins, no stacking", at(2025, 10, 8, 8, 0), 2000, "会员日"}, // Wed the 8th, morning: 1.5, 2, 1.2
		{"day and window both needed", at(2025, 3, 1, 8, 0), 2500, "周六早市"},
		{"day without window", at(2025, 3, 1, 10, 0), 1000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Basket{Time: tt.t, Location: shanghai, Lines: []Line{{"a", "x", 10000}}}
			e, err := Earn(r, b)
			if err != nil {
				t.Fatal(err)
			}
			if e.PromotionMultiplier != tt.x || e.Points != 10*tt.x/100 {
				t.Fatalf("multiplier %d points %d, want %d", e.PromotionMultiplier, e.Points, tt.x)
			}
			var name string
			for _, rs := range e.Reasons {
				if rs.Rule == RulePromotion {
					name = rs.Params["name"]
				}
			}
			if name != tt.promo {
				t.Errorf("promotion %q, want %q", name, tt.promo)
			}
		})
	}
}

func TestStacking(t *testing.T) {
	r := DefaultRules()
	r.CategoryMultipliers = map[string]int64{"生鲜": 1500}
	r.Promotions = []Promotion{{Name: "双倍", Weekdays: []time.Weekday{time.Wednesday}, Multiplier: 2000}}
	b := basket(Line{"pear", "生鲜", 10000})
	b.TierMultiplier = 1200
	e, err := Earn(r, b)
	if err != nil {
		t.Fatal(err)
	}
	// 100 yuan × 1.5 × 2 × 1.2
	if e.Points != 360 {
		t.Fatalf("points %d, want 360", e.Points)
	}
}

func TestTimeZones(t *testing.T) {
	r := DefaultRules()
	r.Promotions = []Promotion{
		{Name: "会员日", MonthDays: []int{8}, Multiplier: 2000},
		{Name: "早市", From: "07:00", To: "09:00", Multiplier: 1500},
		{Name: "凌晨", From: "02:00", To: "03:00", Multiplier: 1500},
		{Name: "一点", From: "01:00", To: "02:00", Multiplier: 1500},
	}
	ny := mustZone("America/New_York")
	tests := []struct {
		name string
		utc  time.Time
		loc  *time.Location
		x    int64
	}{
		// 23:30 UTC on the 7th is 07:30 on the 8th in Shanghai: member day
		// (and morning market, but the highest wins).
		{"shanghai next day", time.Date(2025, 3, 7, 23, 30, 0, 0, time.UTC), shanghai, 2000},
		{"same instant in UTC", time.Date(2025, 3, 7, 23, 30, 0, 0, time.UTC), time.UTC, 1000},
		{"shanghai on the 8th ends at 16:00 UTC", time.Date(2025, 3, 8, 16, 0, 0, 0, time.UTC), shanghai, 1000},
		// New York: clocks go forward at 02:00 on 2025-03-09.
		{"ny morning before dst (EST)", time.Date(2025, 3, 7, 12, 30, 0, 0, time.UTC), ny, 1500},
		{"ny 11:30 UTC before dst is 06:30", time.Date(2025, 3, 7, 11, 30, 0, 0, time.UTC), ny, 1000},
		{"ny 11:30 UTC after dst is 07:30", time.Date(2025, 3, 10, 11, 30, 0, 0, time.UTC), ny, 1500},
		{"ny skipped hour never matches 01:59", time.Date(2025, 3, 9, 6, 59, 0, 0, time.UTC), ny, 1500}, // 01:59 EST in 一点
		{"ny skipped hour never matches 03:00", time.Date(2025, 3, 9, 7, 0, 0, 0, time.UTC), ny, 1000},
		// Clocks go back at 02:00 on 2025-11-02: 01:30 happens twice.
		{"ny repeated hour first", time.Date(2025, 11, 2, 5, 30, 0, 0, time.UTC), ny, 1500},
		{"ny repeated hour second", time.Date(2025, 11, 2, 6, 30, 0, 0, time.UTC), ny, 1500},
		{"ny after repeated hour", time.Date(2025, 11, 2, 7, 30, 0, 0, time.UTC), ny, 1500}, // 02:30 EST in 凌晨
		{"ny 03:00 EST", time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC), ny, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Earn(r, Basket{Time: tt.utc, Location: tt.loc, Lines: []Line{{"a", "x", 1000}}})
			if err != nil {
				t.Fatal(err)
			}
			if e.PromotionMultiplier != tt.x {
				t.Fatalf("at %s multiplier %d, want %d", tt.utc.In(tt.loc), e.PromotionMultiplier, tt.x)
			}
		})
	}
}

func TestEarnErrors(t *testing.T) {
	huge := DefaultRules()
	huge.PointsPer = MaxPointsPer
	huge.ProductMultipliers = map[string]int64{"a": MaxMultiplier}
	huge.Promotions = []Promotion{{Name: "p", From: "00:00", To: "24:00", Multiplier: MaxMultiplier}}
	tests := []struct {
		name  string
		rules Rules
		b     Basket
		code  string
	}{
		{"bad rules", Rules{}, basket(), "loyalty.rate_invalid"},
		{"no location", DefaultRules(), Basket{Lines: []Line{{"a", "x", 1}}}, "loyalty.location_missing"},
		{"negative line", DefaultRules(), basket(Line{"a", "x", -1}), "loyalty.amount_invalid"},
		{"line too big", DefaultRules(), basket(Line{"a", "x", MaxAmountFen + 1}), "loyalty.amount_invalid"},
		{"basket too big", DefaultRules(), basket(Line{"a", "x", MaxAmountFen}, Line{"a", "x", 1}), "loyalty.amount_invalid"},
		{"negative payment", DefaultRules(), func() Basket { b := basket(Line{"a", "x", 1}); b.Payments = []Payment{{"cash", -1}}; return b }(), "loyalty.amount_invalid"},
		{"points pay too much", DefaultRules(), func() Basket {
			b := basket(Line{"a", "x", 100})
			b.Payments = []Payment{{PayPoints, 60}, {PayGiftCard, 41}}
			return b
		}(), "loyalty.payment_exceeds_total"},
		{"tier negative", DefaultRules(), func() Basket { b := basket(Line{"a", "x", 1}); b.TierMultiplier = -1; return b }(), "loyalty.multiplier_invalid"},
		{"tier too big", DefaultRules(), func() Basket { b := basket(Line{"a", "x", 1}); b.TierMultiplier = MaxMultiplier + 1; return b }(), "loyalty.multiplier_invalid"},
		// 10^12 fen × 1000 points/yuan × 100³ = 10^19 points > MaxInt64
		{"overflow", huge, func() Basket { b := basket(Line{"a", "x", MaxAmountFen}); b.TierMultiplier = MaxMultiplier; return b }(), "loyalty.overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Earn(tt.rules, tt.b)
			if got := linli.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
		})
	}
	// At the edge: 10^10 yuan × 1000 × 100 × 100 × 92.233 = 9.2233×10^18
	// fits an int64 exactly; ×92.234 does not.
	b := basket(Line{"a", "x", MaxAmountFen})
	b.TierMultiplier = 92233
	e, err := Earn(huge, b)
	if err != nil {
		t.Fatal(err)
	}
	if e.Points != 9_223_300_000_000_000_000 {
		t.Fatalf("points %d", e.Points)
	}
	b.TierMultiplier = 92234
	if _, err := Earn(huge, b); linli.ErrorCode(err) != "loyalty.overflow" {
		t.Fatalf("want overflow, got %v", err)
	}
}

// exact is the unrounded basket total as a rational, for comparisons.
func exactBound(r Rules, e Earning) *big.Rat {
	num := new(big.Int)
	for _, l := range e.Lines {
		n := big.NewInt(l.EligibleFen)
		n.Mul(n, big.NewInt(r.PointsPer*l.Multiplier*e.PromotionMultiplier))
		n.Mul(n, big.NewInt(e.TierMultiplier))
		num.Add(num, n)
	}
	return new(big.Rat).SetFrac(num, new(big.Int).Mul(big.NewInt(r.PerYuan*100), big.NewInt(1e9)))
}

func TestEarnProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	cats := []string{"生鲜", "烟草", "日用", "零食"}
	for i := range 5000 {
		r := DefaultRules()
		r.PointsPer, r.PerYuan = 1+rng.Int64N(5), 1+rng.Int64N(10)
		r.ExcludedCategories = []string{"烟草"}
		r.CategoryMultipliers = map[string]int64{"生鲜": 1000 + rng.Int64N(2000)}
		r.ProductMultipliers = map[string]int64{"p1": rng.Int64N(5000)}
		r.Promotions = []Promotion{{Name: "早", From: "07:00", To: "09:00", Multiplier: 1000 + rng.Int64N(2000)}}
		b := Basket{Time: time.Unix(rng.Int64N(2e9), 0), Location: shanghai, TierMultiplier: rng.Int64N(3000)}
		var total int64
		for range rng.IntN(12) {
			a := rng.Int64N(100000)
			if rng.IntN(4) == 0 {
				a = rng.Int64N(100)
			}
			total += a
			b.Lines = append(b.Lines, Line{"p" + string(rune('0'+rng.IntN(3))), cats[rng.IntN(len(cats))], a})
		}
		var noEarn int64
		if total > 0 && rng.IntN(2) == 0 {
			noEarn = rng.Int64N(total + 1)
			b.Payments = []Payment{{PayPoints, noEarn / 2}, {PayGiftCard, noEarn - noEarn/2}, {"cash", total - noEarn}}
		}
		e, err := Earn(r, b)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var elig, sum int64
		for j, l := range e.Lines {
			elig += l.EligibleFen
			sum += l.Points
			if l.EligibleFen < 0 || l.EligibleFen > l.AmountFen || l.Points < 0 {
				t.Fatalf("case %d line %d: %+v", i, j, l)
			}
			if l.Multiplier == 0 && l.Points != 0 {
				t.Fatalf("case %d: excluded line earned %+v", i, l)
			}
			// each line gets the floor or the ceiling of its exact share
			one := Earning{Lines: []LineEarning{l}, PromotionMultiplier: e.PromotionMultiplier, TierMultiplier: e.TierMultiplier}
			x := exactBound(r, one)
			fl := new(big.Int).Quo(x.Num(), x.Denom()).Int64()
			if l.Points != fl && l.Points != fl+1 {
				t.Fatalf("case %d line %d: %d points for exact %s", i, j, l.Points, x.FloatString(3))
			}
		}
		if elig != total-noEarn {
			t.Fatalf("case %d: eligible %d, want %d", i, elig, total-noEarn)
		}
		if sum != e.Points {
			t.Fatalf("case %d: lines sum %d, total %d", i, sum, e.Points)
		}
		x := exactBound(r, e)
		if fl := new(big.Int).Quo(x.Num(), x.Denom()).Int64(); fl != e.Points && e.Points != 0 {
			t.Fatalf("case %d: points %d, floor of exact %d", i, e.Points, fl)
		}
	}
}

// FuzzEarn: no panics; points are never negative, add up over the lines, and
// never exceed the spend times the base rate times the largest multipliers.
func FuzzEarn(f *testing.F) {
	f.Add(int64(1000), int64(500), int64(0), int64(1500), int64(3000), int64(2000), int64(1200), int64(0), int64(1), int64(1), int64(0))
	f.Add(int64(MaxAmountFen), int64(0), int64(0), int64(MaxMultiplier), int64(MaxMultiplier), int64(MaxMultiplier), int64(MaxMultiplier), int64(0), int64(MaxPointsPer), int64(1), int64(3600*8))
	f.Add(int64(-5), int64(7), int64(9), int64(-1), int64(0), int64(0), int64(0), int64(20), int64(0), int64(0), int64(-1))
	f.Fuzz(func(t *testing.T, a1, a2, a3, catX, prodX, promoX, tier, noEarn, per, yuan, unix int64) {
		r := DefaultRules()
		r.PointsPer, r.PerYuan = per, yuan
		r.ExcludedProducts = []string{"ex"}
		r.CategoryMultipliers = map[string]int64{"c": catX}
		r.ProductMultipliers = map[string]int64{"p": prodX}
		r.Promotions = []Promotion{{Name: "p", Weekdays: []time.Weekday{0, 1, 2, 3}, From: "07:00", To: "21:00", Multiplier: promoX}}
		b := Basket{Time: time.Unix(unix, 0), Location: shanghai, TierMultiplier: tier,
			Lines:    []Line{{"p", "c", a1}, {"q", "c", a2}, {"ex", "d", a3}},
			Payments: []Payment{{PayGiftCard, noEarn}}}
		e, err := Earn(r, b)
		if err != nil {
			if _, ok := linli.AsError(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var sum int64
		for _, l := range e.Lines {
			if l.Points < 0 {
				t.Fatalf("negative line %+v", l)
			}
			sum += l.Points
		}
		if e.Points < 0 || sum != e.Points {
			t.Fatalf("points %d, lines %d", e.Points, sum)
		}
		maxX := max(PerMille, catX, prodX)
		t0 := max(tier, 0)
		if t0 == 0 {
			t0 = PerMille
		}
		bound := big.NewInt(a1 + a2 + a3)
		for _, k := range []int64{per, maxX, max(promoX, PerMille), t0} {
			bound.Mul(bound, big.NewInt(k))
		}
		bound.Quo(bound, new(big.Int).Mul(big.NewInt(yuan*100), big.NewInt(1e9)))
		if big.NewInt(e.Points).Cmp(bound) > 0 {
			t.Fatalf("points %d above bound %s", e.Points, bound)
		}
	})
}
