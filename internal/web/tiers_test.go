package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

func TestTiersOnConsole(t *testing.T) {
	e := newEnv(t)
	addProducts(t, e)
	c := e.client()
	c.login("cashier")
	profile := createMember(t, c, "王芳", "13900002222")
	r := c.get(profile)
	mustContain(t, r, "new member", `id="tier-name">普通<`, "升至银卡", "¥2000.00", "再到店 12 次")

	// 160 × ¥12.50 = ¥2,000: silver on this very sale.
	path, _ := sell(t, c, "13900002222", url.Values{"code_0": {"A1"}, "qty_0": {"160"}})
	r = c.get(profile)
	mustContain(t, r, "silver member", `id="tier-name">银卡<`, "升至金卡", "消费升级", `href="`+path+`">#`, "积分 ×1.2")
	noRawKeys(t, r, "silver member")
	mustStatus(t, c.post("/lang", url.Values{"lang": {"en"}, "back": {"/members"}}), http.StatusSeeOther, "switch language")
	r = c.get(profile)
	mustContain(t, r, "English profile", `id="tier-name">Silver<`, "To Gold, any one of", "Upgrade by sale")
	noRawKeys(t, r, "English profile")

	o := e.client()
	o.login("owner")
	r = o.get("/settings/loyalty")
	mustStatus(t, r, http.StatusOK, "loyalty settings")
	mustContain(t, r, "tier table", `id="tier-table"`, "钻石卡", "¥20000.00", "×1.5", "免费配送")
	noRawKeys(t, r, "tier table")
}
