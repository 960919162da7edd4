package importer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func productService(t testing.TB) (*catalog.Service, *store.DB) {
	db := storetest.Open(t)
	return catalog.New(store.NewProducts(db), clock), db
}

func products(t testing.TB, svc *catalog.Service) map[string]*catalog.Product {
	t.Helper()
	list, _, err := svc.List(ctx, actor, catalog.Filter{All: true, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*catalog.Product{}
	for _, p := range list {
		out[p.Code] = p
	}
	return out
}

func TestParsePrice(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12.50", 1250, true}, {"¥12.5", 1250, true}, {"￥ 3", 300, true}, {"0.07", 7, true}, {".5", 50, true},
		{"1,280.00 元", 128000, true}, {"12.500", 1250, true}, {"-2.00", -200, true},
		{"12.300000000000001", 1230, true}, {"0.29999999999999999", 30, true}, {"19.99", 1999, true},
		{"12.345", 0, false}, {"abc", 0, false}, {"", 0, false}, {"1e3", 0, false}, {"12.", 1200, true}, {"1.2.3", 0, false},
		{"9999999999999", 0, false},
	} {
		got, err := importer.ParsePrice(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParsePrice(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestImportProductsRowErrors(t *testing.T) {
	svc, _ := productService(t)
	var report bytes.Buffer
	var calls [][2]int
	file := "商品编码,商品名称,分类,品牌,单位,售价,备注\n" +
		"A001,海天生抽,调味,海天,瓶,12.50,\n" +
		"A002,苹果,水果,,斤,¥6.5,\n" +
		"A003,坏价格,,,个,12.345,\n" +
		"A004,负价格,,,个,-1.00,\n" +
		"A005,怪单位,,,打,3.00,\n" +
		"A001,重复编码,,,个,1.00,\n" +
		",没有编码,,,个,1.00,\n" +
		"A006,大米,粮油,,公斤,5.99,\n" +
		"A007,,,,个,,\n"
	rep, err := importer.Products(ctx, svc, actor, csvOf(t, file), importer.Options{ErrorReport: &report, Lang: "en",
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 9 || rep.Inserted != 3 || rep.Errors != 6 || rep.Valid != 3 {
		t.Errorf("report %+v", rep)
	}
	codes := map[int]string{}
	for _, e := range rep.Rows {
		if codes[e.Line] == "" {
			codes[e.Line] = e.Code
		}
	}
	want := map[int]string{4: "import.price_invalid", 5: "product.price_invalid", 6: "import.unit_invalid",
		7: "import.duplicate_code", 8: "product.code_invalid", 10: "import.price_required"}
	for line, code := range want {
		if codes[line] != code {
			t.Errorf("line %d: code %q, want %q (%v)", line, codes[line], code, rep.Rows)
		}
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0] != "备注" || rep.Mapped["price"] != "售价" {
		t.Errorf("mapped %v, ignored %v", rep.Mapped, rep.Ignored)
	}
	if !strings.Contains(report.String(), "4,price,售价,import.price_invalid") {
		t.Errorf("error report:\n%s", report.String())
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{3, 3} {
		t.Errorf("progress %v", calls)
	}
	ps := products(t, svc)
	if p := ps["A001"]; p == nil || p.Name != "海天生抽" || p.PriceFen != 1250 || p.Unit != catalog.UnitPiece || p.Brand != "海天" {
		t.Errorf("A001 %+v", p)
	}
	// 6.5 yuan per 斤 is 13 yuan per kilogram.
	if p := ps["A002"]; p == nil || p.PriceFen != 1300 || p.Unit != catalog.UnitWeight {
		t.Errorf("A002 %+v", p)
	}
	if p := ps["A006"]; p == nil || p.PriceFen != 599 || p.Unit != catalog.UnitWeight {
		t.Errorf("A006 %+v", p)
	}
}

func TestImportProductsAgain(t *testing.T) {
	svc, db := productService(t)
	file := "编码,品名,品类,单位,单价\nB1,可乐,饮料,瓶,3.00\nB2,雪碧,饮料,瓶,3.00\n"
	if _, err := importer.Products(ctx, svc, actor, csvOf(t, file), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	var audits int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&audits)
	before := products(t, svc)
	rep, err := importer.Products(ctx, svc, actor, csvOf(t, file), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 2 || rep.Inserted != 0 || rep.Updated != 0 {
		t.Errorf("re-import %+v", rep)
	}
	var again int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&again)
	if again != audits {
		t.Errorf("an unchanged import wrote %d audit lines", again-audits)
	}
	// A row without a unit or category keeps the stored ones.
	rep, err = importer.Products(ctx, svc, actor, csvOf(t, "编码,品名,单价\nB1,可口可乐,3.50\n"), importer.Options{})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("update %+v %v", rep, err)
	}
	after := products(t, svc)
	if p := after["B1"]; p.Name != "可口可乐" || p.PriceFen != 350 || p.Category != "饮料" || p.ID != before["B1"].ID ||
		!p.UpdatedAt.Equal(before["B1"].UpdatedAt) && p.UpdatedAt.IsZero() {
		t.Errorf("B1 after update %+v", p)
	}
}

func TestImportProductsGBKAndMap(t *testing.T) {
	svc, _ := productService(t)
	utf := "货品代码;货品名;价钱;单位\nC1;豆腐;2.5;块\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(strings.ReplaceAll(utf, "块", "个"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := importer.NewCSVReader(strings.NewReader(gbk))
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != importer.EncodingGB18030 {
		t.Errorf("encoding %s", r.Encoding())
	}
	if _, err := importer.Products(ctx, svc, actor, r, importer.Options{}); err == nil || !strings.Contains(err.Error(), "code") {
		t.Errorf("no code column: %v", err)
	}
	m, err := importer.ParseProductMap("code=货品代码,name=货品名,price=价钱")
	if err != nil {
		t.Fatal(err)
	}
	r, _ = importer.NewCSVReader(strings.NewReader(gbk))
	rep, err := importer.Products(ctx, svc, actor, r, importer.Options{Map: m})
	if err != nil || rep.Inserted != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if p := products(t, svc)["C1"]; p == nil || p.Name != "豆腐" || p.PriceFen != 250 {
		t.Errorf("C1 %+v", p)
	}
	if _, err := importer.ParseProductMap("phone=手机"); err == nil {
		t.Error("a member field in a product mapping")
	}
}

func TestImportProductsXLSX(t *testing.T) {
	svc, _ := productService(t)
	// products.xlsx (made by excelize, see ../xlsx/testdata/README.md):
	//	条码 商品名称 分类 品牌 单位 价格
	//	6901234567892 矿泉水 饮料 农夫山泉 瓶 2
	//	6901234567893 猪肉 生鲜 "" kg 26.8
	//	6901234567894 牛奶 乳品 "" 盒 "12.345"
	// Barcodes and the first two prices are number cells, "12.345" text.
	b, err := os.ReadFile(filepath.Join("testdata", "products.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := importer.NewReader(bytes.NewReader(b), "商品.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := importer.Products(ctx, svc, actor, r, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 || rep.Errors != 1 || rep.Rows[0].Line != 4 || rep.Rows[0].Code != "import.price_invalid" {
		t.Errorf("report %+v", rep)
	}
	ps := products(t, svc)
	if p := ps["6901234567892"]; p == nil || p.PriceFen != 200 || p.Brand != "农夫山泉" {
		t.Errorf("water %+v", p)
	}
	if p := ps["6901234567893"]; p == nil || p.PriceFen != 2680 || p.Unit != catalog.UnitWeight {
		t.Errorf("pork %+v", p)
	}
}
