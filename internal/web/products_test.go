package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
)

func TestProductList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, in := range []catalog.Input{
		{Code: "A1", Name: "海天生抽", Category: "调味", Brand: "海天", PriceFen: 1250},
		{Code: "B1", Name: "苹果", Category: "水果", Unit: catalog.UnitWeight, PriceFen: 1300},
	} {
		if _, err := e.app.Products.Create(ctx, linli.System, in); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	c.login("cashier")
	r := c.get("/")
	mustContain(t, r, "menu", `href="/products"`)
	for _, lang := range []string{"zh-CN", "en"} {
		mustStatus(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/products"}}), http.StatusSeeOther, "switch language")
		r := c.get("/products")
		mustStatus(t, r, http.StatusOK, lang+" products")
		mustContain(t, r, lang+" products", `<html lang="`+lang+`">`, "海天生抽", "¥12.50", "苹果", "¥13.00")
		noRawKeys(t, r, lang+" products")
		if lang == "en" {
			mustContain(t, r, "English products", "Products", "/kg", "By weight")
		} else {
			mustContain(t, r, "Chinese products", "商品", "/千克", "称重")
		}
		r = c.get("/products?q=" + url.QueryEscape("苹"))
		if strings.Contains(r.body, "海天生抽") || !strings.Contains(r.body, "苹果") {
			t.Errorf("%s: search by name prefix", lang)
		}
		r = c.get("/products?q=A1")
		if !strings.Contains(r.body, "海天生抽") || strings.Contains(r.body, "¥13.00") {
			t.Errorf("%s: search by code prefix", lang)
		}
		r = c.get("/products?q=zzz")
		mustStatus(t, r, http.StatusOK, lang+" no results")
		noRawKeys(t, r, lang+" no results")
	}
	anon := e.client()
	mustStatus(t, anon.get("/products"), http.StatusSeeOther, "anonymous")
}

// TestPOSProductSuggestions checks the till's code suggestions: products
// whose code or name starts with what was typed, for those who use the till.
func TestPOSProductSuggestions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, in := range []catalog.Input{
		{Code: "A1", Name: "海天生抽", Category: "调味", PriceFen: 1250},
		{Code: "A2", Name: "<b>酱油</b>", Category: "调味", PriceFen: 990},
		{Code: "B1", Name: "苹果", Category: "水果", Unit: catalog.UnitWeight, PriceFen: 1300},
	} {
		if _, err := e.app.Products.Create(ctx, linli.System, in); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	c.login("cashier")
	mustContain(t, c.get("/pos"), "till", `list="pos-products"`, `hx-get="/pos/products"`, `<datalist id="pos-products"></datalist>`)
	r := c.get("/pos/products?code_0=&code_1=a")
	mustStatus(t, r, http.StatusOK, "suggestions")
	mustContain(t, r, "suggestions by code", `<option value="A1">海天生抽 · ¥12.50</option>`, `&lt;b&gt;酱油&lt;/b&gt;`)
	if strings.Contains(r.body, "B1") || strings.Contains(r.body, "<html") {
		t.Errorf("suggestions for a: %s", r.body)
	}
	mustContain(t, c.get("/pos/products?code_3=苹"), "suggestions by name", `<option value="B1">苹果 · ¥13.00/kg</option>`)
	if r := c.get("/pos/products?code_0="); r.body != `<datalist id="pos-products"></datalist>` {
		t.Errorf("nothing typed: %q", r.body)
	}
}
