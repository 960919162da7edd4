package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/tier"
)

// before reports whether a comes before b on the page, both present: an
// error message sits after the input it belongs to and before the next.
func before(t *testing.T, r resp, what, a, b string) {
	t.Helper()
	i, j := strings.Index(r.body, a), strings.Index(r.body, b)
	if i < 0 || j < 0 || i > j {
		t.Errorf("%s: %q (at %d) should come before %q (at %d)", what, a, i, b, j)
	}
}

// rulesForm is the loyalty form as the page fills it from the default
// rules, with promotion rows to fill in.
func rulesForm(rows int) url.Values {
	return url.Values{"points_per": {"1"}, "per_yuan": {"1"}, "min_spend": {""}, "redeem_fen_per_point": {"1"},
		"expiry_kind": {"end_of_following_year"}, "promo_rows": {fmt.Sprint(rows)}}
}

func TestLoyaltyAllRules(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")
	r := c.get("/settings/loyalty")
	mustStatus(t, r, http.StatusOK, "rules page")
	mustContain(t, r, "rules page", `id="promo-table"`, `name="promo_rows" value="1"`, `id="promo-name-0"`,
		`id="promo-day-0-6"`, `id="min_spend"`, `id="excluded_products"`, `id="product_multipliers"`, `href="/settings/tiers"`)
	noRawKeys(t, r, "rules page")

	// Every kind of mistake, each at its input or its row.
	bad := rulesForm(4)
	bad.Set("min_spend", "12.345")
	bad.Set("product_multipliers", "A1=2\nB1 x")
	bad.Set("promo_name_0", "周末双倍")
	bad["promo_days_0"] = []string{"6", "0"}
	bad.Set("promo_x_0", "abc")
	bad.Set("promo_month_days_1", "8")
	bad.Set("promo_x_1", "2")
	bad.Set("promo_name_2", "夜市")
	bad.Set("promo_from_2", "25:00")
	bad.Set("promo_to_2", "23:00")
	bad.Set("promo_x_2", "0.5")
	bad.Set("promo_name_3", "无条件")
	bad.Set("promo_x_3", "2")
	r = c.post("/settings/loyalty", bad)
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad promotions")
	noRawKeys(t, r, "bad promotions")
	mustContain(t, r, "bad promotions", errMsg("form.fix_fields"), `value="周末双倍"`, `value="夜市"`,
		`id="promo-day-0-6" checked`, `id="promo-day-0-0" checked`, `name="promo_rows" value="5"`)
	before(t, r, "min spend", `id="min_spend"`, errMsg("form.amount_invalid"))
	before(t, r, "min spend", errMsg("form.amount_invalid"), `id="redeem_fen_per_point"`)
	before(t, r, "product multipliers", `id="product_multipliers"`, errMsg("form.product_multiplier_invalid"))
	before(t, r, "row 0 multiplier", `id="promo-x-0"`, errMsg("form.promo_multiplier_invalid"))
	before(t, r, "row 0 multiplier", errMsg("form.promo_multiplier_invalid"), `id="promo-name-1"`)
	before(t, r, "row 1 name", `id="promo-name-1"`, errMsg("loyalty.promotion_name_empty"))
	before(t, r, "row 1 name", errMsg("loyalty.promotion_name_empty"), `id="promo-day-1-1"`)
	before(t, r, "row 2 from", `id="promo-to-2"`, errMsg("loyalty.time_invalid"))
	before(t, r, "row 2 from", errMsg("loyalty.time_invalid"), `id="promo-x-2"`)
	// ×0.5 is a fine category multiplier but not a promotion's.
	if n := strings.Count(r.body, errMsg("form.promo_multiplier_invalid")); n != 2 {
		t.Errorf("%d promotion multiplier errors, want rows 0 and 2", n)
	}
	before(t, r, "row 3 unconditional", `id="promo-name-3"`, errMsg("loyalty.promotion_unconditional"))
	before(t, r, "row 3 unconditional", errMsg("loyalty.promotion_unconditional"), `id="promo-day-3-1"`)
	if strings.Contains(r.body, "{field}") {
		t.Error("a message shows its {field} placeholder")
	}

	good := rulesForm(4)
	good.Set("min_spend", "9.9")
	good.Set("excluded_products", "T1 T2，T3")
	good.Set("excluded_categories", "烟草")
	good.Set("category_multipliers", "生鲜=1.5")
	good.Set("product_multipliers", "A1=2\nB1 = 1.25")
	good.Set("promo_name_0", "周末双倍")
	good["promo_days_0"] = []string{"6", "0"}
	good.Set("promo_x_0", "2")
	good.Set("promo_name_1", "会员日")
	good.Set("promo_month_days_1", "8，18")
	good.Set("promo_from_1", "9:00")
	good.Set("promo_to_1", "21：00")
	good.Set("promo_x_1", "1.5")
	good.Set("promo_name_2", "国庆")
	good.Set("promo_dates_2", "2025-10-01, 2025-10-02")
	good.Set("promo_x_2", "3")
	r = c.post("/settings/loyalty", good)
	mustStatus(t, r, http.StatusSeeOther, "save all rules")
	rules, err := e.app.Sales.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []loyalty.Promotion{
		{Name: "周末双倍", Weekdays: []time.Weekday{time.Saturday, time.Sunday}, Multiplier: 2000},
		{Name: "会员日", MonthDays: []int{8, 18}, From: "09:00", To: "21:00", Multiplier: 1500},
		{Name: "国庆", Dates: []string{"2025-10-01", "2025-10-02"}, Multiplier: 3000},
	}
	if rules.MinSpendFen != 990 || fmt.Sprint(rules.ExcludedProducts) != "[T1 T2 T3]" ||
		rules.ProductMultipliers["A1"] != 2000 || rules.ProductMultipliers["B1"] != 1250 || len(rules.ProductMultipliers) != 2 ||
		rules.CategoryMultipliers["生鲜"] != 1500 || fmt.Sprint(rules.Promotions) != fmt.Sprint(want) {
		t.Errorf("stored rules %+v", rules.Rules)
	}

	r = c.follow(r)
	mustContain(t, r, "saved rules", "已保存", "¥9.90", "T3", "B1 ×1.25", "周末双倍 ×2 · 每周六、日",
		"会员日 ×1.5 · 每月 8、18 日 · 09:00–21:00", "国庆 ×3 · 2025-10-01、2025-10-02",
		`name="promo_rows" value="4"`, `value="会员日"`, `value="8, 18"`, `id="promo-day-0-6" checked`, `value="9.90"`)
	if strings.Contains(r.body, `id="promo-day-1-6" checked`) {
		t.Error("会员日 shows a weekday it does not have")
	}
	noRawKeys(t, r, "saved rules")

	// Remove the member day, keep the rest as the page shows it.
	keep := good
	keep.Set("promo_remove_1", "1")
	keep.Set("min_spend", "0.29")
	r = c.post("/settings/loyalty", keep)
	mustStatus(t, r, http.StatusSeeOther, "remove a promotion")
	rules, _ = e.app.Sales.Rules(context.Background())
	if len(rules.Promotions) != 2 || rules.Promotions[1].Name != "国庆" || rules.MinSpendFen != 29 {
		t.Errorf("after removing: %+v, min spend %d", rules.Promotions, rules.MinSpendFen)
	}

	mustStatus(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/settings/loyalty"}}), http.StatusSeeOther, "switch language")
	r = c.get("/settings/loyalty")
	mustContain(t, r, "English rules", "Days of month", "every Sat, Sun", "Double-points promotions")
	noRawKeys(t, r, "English rules")
	r = c.post("/settings/loyalty", bad)
	noRawKeys(t, r, "English bad rules")
	mustContain(t, r, "English bad rules", "The multiplier must be from 1 to 100")
}

func TestTierSettings(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("cashier")
	mustStatus(t, c.get("/settings/tiers"), http.StatusForbidden, "cashier tiers")
	mustStatus(t, c.post("/settings/tiers", url.Values{"tier_rows": {"0"}}), http.StatusForbidden, "cashier saves tiers")

	c = e.client()
	c.login("owner")
	r := c.get("/settings/tiers")
	mustStatus(t, r, http.StatusOK, "tiers page")
	mustContain(t, r, "tiers page", `name="tier_rows" value="5"`, `id="tier-code-0" name="tier_code_0" value="regular"`,
		`id="tier-min-spend-1" name="tier_min_spend_1" value="2000"`, `id="tier-discount-2" name="tier_discount_2" value="2"`,
		`id="tier-multiplier-3" name="tier_multiplier_3" value="2"`, `id="tier-free-delivery-2" checked`, `id="window_days"`)
	noRawKeys(t, r, "tiers page")
	if strings.Contains(r.body, `id="tier-free-delivery-1" checked`) {
		t.Error("silver shows free delivery")
	}

	// The form as the page fills it.
	form := url.Values{"tier_rows": {"5"}, "window_days": {"365"}, "review_every_days": {"30"}, "dormant_after_days": {"365"}}
	for i, t := range tier.Default().Tiers {
		set := func(name, v string) { form.Set(fmt.Sprintf("tier_%s_%d", name, i), v) }
		set("code", t.Code)
		set("name", t.Name)
		set("name_en", t.NameEn)
		if t.MinSpendFen > 0 {
			set("min_spend", fmt.Sprint(t.MinSpendFen/100))
		}
		if t.MinVisits > 0 {
			set("min_visits", fmt.Sprint(t.MinVisits))
		}
		set("multiplier", fmt.Sprint(float64(t.PointsMultiplier)/1000))
		if t.BirthdayGift {
			set("birthday_gift", "1")
		}
	}

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("window_days", "x")
	bad.Set("tier_min_visits_0", "3")   // the lowest tier has no thresholds
	bad.Set("tier_code_2", "Gold Card") // not a code
	bad.Set("tier_discount_2", "150")
	bad.Set("tier_min_spend_3", "1.234")
	bad.Set("tier_multiplier_1", "1.2.3")
	r = c.post("/settings/tiers", bad)
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad tiers")
	noRawKeys(t, r, "bad tiers")
	mustContain(t, r, "bad tiers", errMsg("form.fix_fields"), `value="Gold Card"`, `value="150"`)
	before(t, r, "window", `id="window_days"`, errMsg("form.number_invalid"))
	before(t, r, "window", errMsg("form.number_invalid"), `id="review_every_days"`)
	before(t, r, "lowest", `id="tier-0"`, errMsg("tier.lowest_threshold"))
	before(t, r, "lowest", errMsg("tier.lowest_threshold"), `id="tier-1"`)
	before(t, r, "multiplier", `id="tier-multiplier-1"`, errMsg("form.decimal_multiplier_invalid"))
	before(t, r, "multiplier", errMsg("form.decimal_multiplier_invalid"), `id="tier-discount-1"`)
	before(t, r, "code", `id="tier-code-2"`, errMsg("tier.code_invalid"))
	before(t, r, "code", errMsg("tier.code_invalid"), `id="tier-name-2"`)
	before(t, r, "discount", `id="tier-discount-2"`, errMsg("form.percent_invalid"))
	before(t, r, "discount", errMsg("form.percent_invalid"), `id="tier-3"`)
	before(t, r, "spend", `id="tier-min-spend-3"`, errMsg("form.amount_invalid"))
	if cfg, _ := e.app.Sales.TierConfig(context.Background()); fmt.Sprint(cfg) != fmt.Sprint(tier.Default()) {
		t.Errorf("a refused form changed the tiers: %+v", cfg)
	}

	// Every tier removed: the form says there must be one.
	none := url.Values{"tier_rows": {"1"}, "window_days": {"365"}, "review_every_days": {"0"}, "dormant_after_days": {"0"},
		"tier_code_0": {"regular"}, "tier_name_0": {"普通"}, "tier_remove_0": {"1"}}
	r = c.post("/settings/tiers", none)
	mustStatus(t, r, http.StatusUnprocessableEntity, "no tiers")
	mustContain(t, r, "no tiers", errMsg("tier.none"), `id="tier-remove-0" checked`)

	// Change silver, drop diamond, add platinum.
	good := form
	good.Set("tier_min_spend_1", "1,500.5")
	good.Set("tier_multiplier_1", "1.25")
	good.Set("tier_discount_1", "2.5")
	good.Set("tier_remove_3", "1")
	good.Set("tier_code_4", "Platinum")
	good.Set("tier_name_4", "铂金卡")
	good.Set("tier_name_en_4", "Platinum")
	good.Set("tier_min_spend_4", "50000")
	good.Set("tier_min_points_4", "40000")
	good.Set("tier_multiplier_4", "3")
	good.Set("tier_discount_4", "8")
	good.Set("tier_free_delivery_4", "1")
	good.Set("tier_priority_service_4", "1")
	good.Set("window_days", "180")
	good.Set("review_every_days", "7")
	good.Set("dormant_after_days", "0")
	r = c.post("/settings/tiers", good)
	mustStatus(t, r, http.StatusSeeOther, "save tiers")
	cfg, err := e.app.Sales.TierConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, t := range cfg.Tiers {
		codes = append(codes, t.Code)
	}
	silver, plat := cfg.Tiers[1], cfg.Tiers[3]
	if fmt.Sprint(codes) != "[regular silver gold platinum]" || cfg.WindowDays != 180 || cfg.ReviewEveryDays != 7 || cfg.DormantAfterDays != 0 ||
		silver.MinSpendFen != 150050 || silver.PointsMultiplier != 1250 || silver.DiscountPermille != 25 || silver.MinVisits != 12 ||
		plat.Name != "铂金卡" || plat.NameEn != "Platinum" || plat.MinSpendFen != 5_000_000 || plat.MinPoints != 40000 ||
		plat.PointsMultiplier != 3000 || plat.DiscountPermille != 80 || !plat.FreeDelivery || !plat.PriorityService || plat.BirthdayGift {
		t.Errorf("stored tiers %+v", cfg)
	}
	r = c.follow(r)
	mustContain(t, r, "saved tiers", "已保存", `value="1500.50"`, `value="2.5"`, `value="platinum"`, `name="tier_rows" value="5"`)
	r = c.get("/settings/loyalty")
	mustContain(t, r, "tier table", `id="tier-table"`, "铂金卡", "¥50000.00", "×3", "8%", "2.5%", "近 180 天")
	if strings.Contains(r.body, "钻石卡") {
		t.Error("the removed tier is still in the table")
	}

	mustStatus(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/settings/tiers"}}), http.StatusSeeOther, "switch language")
	r = c.get("/settings/tiers")
	mustContain(t, r, "English tiers", "Edit membership tiers", "Level 2")
	noRawKeys(t, r, "English tiers")
	r = c.post("/settings/tiers", bad)
	noRawKeys(t, r, "English bad tiers")
}

var (
	adjustLink = regexp.MustCompile(`id="adjust-link"`)
	onceRE     = regexp.MustCompile(`name="once" value="([0-9a-f]{32})"`)
)

func TestPointsAdjust(t *testing.T) {
	e := newEnv(t)
	cashier := e.client()
	cashier.login("cashier")
	profile := createMember(t, cashier, "赵敏", "13900003333")
	ledger := profile + "/points"
	if r := cashier.get(profile); adjustLink.MatchString(r.body) {
		t.Error("a cashier is offered to adjust points")
	}
	mustContain(t, cashier.get(ledger), "cashier ledger", `id="ledger"`)
	if r := cashier.get(ledger); strings.Contains(r.body, `id="adjust"`) {
		t.Error("a cashier sees the adjustment form")
	}
	mustStatus(t, cashier.post(ledger, url.Values{"direction": {"add"}, "points": {"5"}, "reason": {"x"}}), http.StatusForbidden, "cashier adjusts")

	c := e.client()
	c.login("owner")
	r := c.get(profile)
	mustContain(t, r, "owner profile", `id="adjust-link"`, `href="`+ledger+`#adjust"`)
	r = c.get(ledger)
	mustContain(t, r, "owner ledger", `id="adjust"`, `id="adjust-add" checked`)

	r = c.post(ledger, url.Values{"direction": {"add"}, "points": {"abc"}, "reason": {""}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad adjustment")
	before(t, r, "points", `id="adjust-points"`, errMsg("form.points_invalid"))
	before(t, r, "reason", `id="adjust-reason"`, errMsg("ledger.reason_required"))
	mustContain(t, r, "bad adjustment", `value="abc"`)

	r = c.post(ledger, url.Values{"direction": {"add"}, "points": {"+50"}, "reason": {"小票漏积分补录"}})
	mustStatus(t, r, http.StatusSeeOther, "add points")
	if loc := r.header.Get("Location"); loc != ledger+"?done=adjusted" {
		t.Errorf("redirect to %q", loc)
	}
	r = c.follow(r)
	mustContain(t, r, "after adding", "积分已调整", `id="points-balance">50<`, "+50", "小票漏积分补录", "人工调整")
	noRawKeys(t, r, "after adding")

	r = c.post(ledger, url.Values{"direction": {"take"}, "points": {"80"}, "reason": {"退货补扣"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "take too many")
	mustContain(t, r, "take too many", errMsg("ledger.insufficient_points"), `id="adjust-take" checked`, `value="退货补扣"`)

	// The form's one-time token: the same form sent twice (a double
	// click, a resend) takes the points once and answers both alike.
	m := onceRE.FindStringSubmatch(c.get(ledger).body)
	if m == nil {
		t.Fatal("the adjustment form has no one-time token")
	}
	form := url.Values{"direction": {"take"}, "points": {"20"}, "reason": {"退货补扣"}, "once": {m[1]}}
	for i := range 2 {
		r = c.post(ledger, form)
		mustStatus(t, r, http.StatusSeeOther, fmt.Sprintf("take points, post %d", i+1))
	}
	form.Set("points", "21")
	r = c.post(ledger, form)
	mustStatus(t, r, http.StatusUnprocessableEntity, "same token, other values")
	mustContain(t, r, "same token, other values", errMsg("form.already_sent"))
	if onceRE.FindStringSubmatch(r.body)[1] == m[1] {
		t.Error("the form shown again keeps the used token")
	}
	r = c.get(profile)
	mustContain(t, r, "profile after", `id="points-balance">30<`, ">-20<", "退货补扣")
	if b, _ := e.app.Sales.Balance(context.Background(), memberID(t, profile)); b != 30 {
		t.Errorf("balance %d, want 30", b)
	}

	// An erased record keeps its ledger but takes no more adjustments.
	gone := createMember(t, c, "钱多", "13900005555")
	if err := e.app.Members.Erase(context.Background(), linli.System, memberID(t, gone), "member asked"); err != nil {
		t.Fatal(err)
	}
	if r := c.get(gone + "/points"); strings.Contains(r.body, `id="adjust"`) {
		t.Error("an erased member's ledger offers an adjustment")
	}
	r = c.post(gone+"/points", url.Values{"direction": {"add"}, "points": {"5"}, "reason": {"补录"}})
	mustStatus(t, r, http.StatusConflict, "adjust an erased member")
	mustContain(t, r, "adjust an erased member", errMsg("points.member_closed"))

	mustStatus(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {ledger}}), http.StatusSeeOther, "switch language")
	r = c.get(ledger)
	mustContain(t, r, "English ledger", "Adjust points by hand")
	noRawKeys(t, r, "English ledger")
}

// memberID is the id at the end of a profile path.
func memberID(t *testing.T, profile string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(profile, "/members/%d", &id); err != nil {
		t.Fatalf("profile %q: %v", profile, err)
	}
	return id
}

func TestVoid(t *testing.T) {
	e := newEnv(t)
	addProducts(t, e)
	c := e.client()
	c.login("cashier")
	profile := createMember(t, c, "孙丽", "13900004444")

	// 4 × ¥12.50 = ¥50: 50 points, then voided from its page.
	path, _ := sell(t, c, "13900004444", url.Values{"code_0": {"A1"}, "qty_0": {"4"}})
	r := c.get(path)
	mustContain(t, r, "sale page", `id="void-form"`, `data-confirm="`, `id="refund"`)
	r = c.post(path+"/void", url.Values{"reason": {""}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "void without reason")
	before(t, r, "void reason", `id="void-reason"`, errMsg("sale.void_reason_required"))
	r = c.post(path+"/void", url.Values{"reason": {"收银录错商品"}})
	mustStatus(t, r, http.StatusSeeOther, "void")
	r = c.follow(r)
	mustContain(t, r, "voided sale", "已作废", `id="sale-voided"`, "收银录错商品", "void-")
	noRawKeys(t, r, "voided sale")
	for _, gone := range []string{`id="void-form"`, `id="refund-all"`} {
		if strings.Contains(r.body, gone) {
			t.Errorf("a voided sale still offers %s", gone)
		}
	}
	r = c.post(path+"/void", url.Values{"reason": {"again"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "void twice")
	mustContain(t, r, "void twice", errMsg("sale.voided"))
	r = c.get(profile)
	mustContain(t, r, "profile", `id="points-balance">0<`, `sale-voided`)

	// A sale with a refund cannot be voided; the page does not offer it.
	path, _ = sell(t, c, "13900004444", url.Values{"code_0": {"A1"}, "qty_0": {"2"}})
	c.get(path)
	mustStatus(t, c.post(path+"/refund", url.Values{"qty_1": {"1"}}), http.StatusSeeOther, "refund one")
	r = c.get(path)
	if strings.Contains(r.body, `id="void-form"`) {
		t.Error("a refunded sale offers a void")
	}
	r = c.post(path+"/void", url.Values{"reason": {"录错"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "void a refunded sale")
	mustContain(t, r, "void a refunded sale", errMsg("sale.void_refunded"))

	// At the till: void the sale just rung up, the member still there.
	_, r = sell(t, c, "13900004444", url.Values{"code_0": {"A1"}, "qty_0": {"8"}})
	mustContain(t, r, "till answer", `id="pos-void-form"`, `id="pos-refund"`, `id="pos-earned">100<`)
	id := regexp.MustCompile(`name="sale_id" value="(\d+)"`).FindStringSubmatch(r.body)
	if id == nil {
		t.Fatal("no sale to void on the till's answer")
	}
	balance, _ := e.app.Sales.Balance(context.Background(), memberID(t, profile))
	till := url.Values{"sale_id": {id[1]}, "kind": {"phone"}, "value": {"13900004444"}}
	r = c.post("/pos/void", till)
	mustStatus(t, r, http.StatusUnprocessableEntity, "till void without reason")
	mustContain(t, r, "till void without reason", errMsg("sale.void_reason_required"), `id="pos-void-form"`, `id="pos-member"`)
	till.Set("reason", "顾客不要了")
	r = c.post("/pos/void", till)
	mustStatus(t, r, http.StatusOK, "till void")
	mustContain(t, r, "till void", `id="pos-voided"`, `id="pos-void-amount">¥100.00<`, `id="pos-void-reversed">100<`,
		fmt.Sprintf(`id="pos-void-balance">%d<`, balance-100), fmt.Sprintf(`id="pos-member-balance">%d<`, balance-100), "sale-voided")
	noRawKeys(t, r, "till void")
	r = c.post("/pos/void", url.Values{"kind": {"phone"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "till void of nothing")

	mustStatus(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/pos"}}), http.StatusSeeOther, "switch language")
	r = c.get("/sales/" + id[1])
	mustContain(t, r, "English voided", "This sale was voided")
	noRawKeys(t, r, "English voided")
}
