package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
)

func addProducts(t *testing.T, e *env) {
	t.Helper()
	for _, in := range []catalog.Input{
		{Code: "A1", Name: "海天生抽", Category: "调味", PriceFen: 1250},
		{Code: "B1", Name: "苹果", Category: "生鲜", Unit: catalog.UnitWeight, PriceFen: 1300},
	} {
		if _, err := e.app.Products.Create(context.Background(), linli.System, in); err != nil {
			t.Fatal(err)
		}
	}
}

var saleLink = regexp.MustCompile(`href="/sales/(\d+)" id="pos-sale"`)

// sell rings up the lines at /pos for the member with phone and returns
// the sale's path.
func sell(t *testing.T, c *client, phone string, form url.Values) (string, resp) {
	t.Helper()
	r := c.get("/pos")
	mustStatus(t, r, http.StatusOK, "pos")
	r = c.post("/pos/identify", url.Values{"kind": {"phone"}, "value": {phone}})
	mustStatus(t, r, http.StatusOK, "identify")
	mustContain(t, r, "identify", `id="pos-member"`)
	receipt := regexp.MustCompile(`name="receipt" value="([^"]+)"`).FindStringSubmatch(r.body)
	if receipt == nil || !strings.HasPrefix(receipt[1], "WEB-") {
		t.Fatalf("no receipt number on the form: %v", receipt)
	}
	form.Set("kind", "phone")
	form.Set("value", phone)
	form.Set("receipt", receipt[1])
	r = c.post("/pos/sell", form)
	mustStatus(t, r, http.StatusOK, "sell")
	m := saleLink.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no sale in the answer:\n%s", r.body)
	}
	// The same form sent again sells once.
	again := c.post("/pos/sell", form)
	if n := saleLink.FindStringSubmatch(again.body); n == nil || n[1] != m[1] {
		t.Errorf("a repeated form made another sale: %v", n)
	}
	return "/sales/" + m[1], r
}

func TestPOSAndPoints(t *testing.T) {
	e := newEnv(t)
	addProducts(t, e)
	c := e.client()
	c.login("cashier")
	profile := createMember(t, c, "陈静", "13900001111")

	// 2 × 12.50 + 1.5 kg × 13.00 = 44.50: 44 points at 1 per yuan.
	path, r := sell(t, c, "13900001111", url.Values{"code_0": {"A1"}, "qty_0": {"2"}, "code_1": {"B1"}, "qty_1": {"1500"}})
	mustContain(t, r, "sale answer", `id="pos-earned">44<`, `id="pos-balance">44<`, "¥44.50")
	noRawKeys(t, r, "sale answer")

	r = c.get(profile)
	mustContain(t, r, "profile", `id="points-balance">44<`, `href="`+path+`"`, "¥44.50", "消费获得", "基础比例", "消费记录")
	r = c.get(path)
	mustStatus(t, r, http.StatusOK, "sale page")
	mustContain(t, r, "sale page", "海天生抽", "1.500 千克", "¥13.00/千克", "¥19.50", "现金", `id="refund-all"`)
	noRawKeys(t, r, "sale page")

	// Points paid and an unknown product: errors next to what caused them.
	c.post("/pos/identify", url.Values{"kind": {"phone"}, "value": {"13900001111"}})
	r = c.post("/pos/sell", url.Values{"kind": {"phone"}, "value": {"13900001111"}, "code_0": {"ZZZ"}, "qty_0": {"1"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "unknown product")
	mustContain(t, r, "unknown product", errMsg("sale.product_unknown"), `value="ZZZ"`)
	r = c.post("/pos/sell", url.Values{"kind": {"phone"}, "value": {"13900001111"}, "code_0": {"A1"}, "points": {"5000"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "too many points")
	mustContain(t, r, "too many points", errMsg("pos.points_exceed_total"))
	r = c.post("/pos/identify", url.Values{"kind": {"phone"}, "value": {"13900009999"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "unknown phone")

	// Pay part with points: 1250 fen = 20 points + 12.30 cash.
	_, r = sell(t, c, "13900001111", url.Values{"code_0": {"A1"}, "points": {"20"}})
	mustContain(t, r, "points paid", "¥12.30", `id="pos-earned">12<`, `id="pos-balance">36<`)

	// Refund the apples: 19 points taken back.
	c.get(path) // a fresh CSRF token
	r = c.post(path+"/refund", url.Values{"qty_2": {"1500"}, "reason": {"坏了"}})
	mustStatus(t, r, http.StatusSeeOther, "refund")
	r = c.follow(r)
	mustContain(t, r, "refunded", "已退款", "坏了", "¥19.50")
	r = c.post(path+"/refund", url.Values{"qty_1": {"99"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "refund too much")
	mustContain(t, r, "refund too much", errMsg("sale.refund_exceeds"))

	r = c.get(profile + "/points")
	mustStatus(t, r, http.StatusOK, "ledger")
	mustContain(t, r, "ledger", `id="points-balance">17<`, "退款扣回", "抵扣")

	// A cashier may not change the rules.
	mustStatus(t, c.get("/settings/loyalty"), http.StatusForbidden, "cashier rules")

	for _, lang := range []string{"zh-CN", "en"} {
		mustStatus(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/pos"}}), http.StatusSeeOther, "switch language")
		for _, p := range []string{"/pos", path, profile, profile + "/points", "/sales/99999"} {
			r := c.get(p)
			want := http.StatusOK
			if p == "/sales/99999" {
				want = http.StatusNotFound
			}
			mustStatus(t, r, want, lang+" "+p)
			noRawKeys(t, r, lang+" "+p)
		}
	}
}

func TestLoyaltySettings(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")
	r := c.get("/")
	mustContain(t, r, "menu", `href="/settings/loyalty"`, `href="/pos"`)
	r = c.get("/settings/loyalty")
	mustStatus(t, r, http.StatusOK, "rules")
	mustContain(t, r, "rules", "每 1 元 1 积分", "次年年底到期")

	bad := url.Values{"points_per": {"0"}, "per_yuan": {"x"}, "excluded_categories": {"烟草"},
		"category_multipliers": {"生鲜=abc"}, "expiry_kind": {"months"}, "expiry_months": {"0"}, "redeem_fen_per_point": {"1"}}
	r = c.post("/settings/loyalty", bad)
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad rules")
	mustContain(t, r, "bad rules", errMsg("loyalty.rate_invalid"), errMsg("form.number_invalid"),
		errMsg("form.multiplier_invalid"), errMsg("loyalty.expiry_invalid"), `value="烟草"`)
	noRawKeys(t, r, "bad rules")
	// The expiry message sits at the expiry field.
	if i, j := strings.Index(r.body, `id="expiry_kind"`), strings.Index(r.body, errMsg("loyalty.expiry_invalid")); j < i {
		t.Errorf("the expiry error is not at its field (%d, %d)", i, j)
	}

	good := url.Values{"points_per": {"2"}, "per_yuan": {"1"}, "excluded_categories": {"烟草, 彩票"},
		"category_multipliers": {"生鲜=1.5\n日用 = 2"}, "expiry_kind": {"months"}, "expiry_months": {"12"}, "redeem_fen_per_point": {"2"}}
	r = c.post("/settings/loyalty", good)
	mustStatus(t, r, http.StatusSeeOther, "save rules")
	rules, err := e.app.Sales.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rules.PointsPer != 2 || rules.CategoryMultipliers["生鲜"] != 1500 || rules.CategoryMultipliers["日用"] != 2000 ||
		len(rules.ExcludedCategories) != 2 || rules.Expiry.Months != 12 || rules.RedeemFenPerPoint != 2 {
		t.Errorf("stored rules %+v", rules)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		mustStatus(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/pos"}}), http.StatusSeeOther, "switch language")
		r = c.get("/settings/loyalty?done=saved")
		mustContain(t, r, lang, "生鲜=1.5", "日用=2")
		noRawKeys(t, r, lang+" rules")
		r = c.post("/settings/loyalty", bad)
		noRawKeys(t, r, lang+" bad rules")
		r = c.get("/pos")
		mustContain(t, r, lang+" pos store picker", `id="pos-store"`, "幸福里店")
		noRawKeys(t, r, lang+" pos")
	}
}
