package cli

import (
	"github.com/linli/linli"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportProducts(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "products.csv")
	file := "商品编码,商品名称,分类,品牌,单位,售价\nA1,生抽,调味,海天,瓶,12.50\nA2,苹果,水果,,斤,6.50\nA3,坏价,,,个,1.234\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "import", "products", path, "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "inserted 2, updated 0, unchanged 0, errors 1") {
		t.Fatalf("import: %s", r)
	}
	b, err := os.ReadFile(path + ".errors.csv")
	if err != nil || !strings.Contains(string(b), "import.price_invalid") {
		t.Errorf("error report %q, %v", b, err)
	}
	if s := stats(t, dir); s.Products != 2 {
		t.Errorf("stats %+v", s)
	}
	r = mustRun(t, "import", "products", path, "--data-dir", dir, "--map", "code=商品编码,price=售价")
	if !strings.Contains(r.stdout, "inserted 0, updated 0, unchanged 2, errors 1") {
		t.Errorf("re-import: %s", r)
	}
	if r := run(t, "import", "products", path, "--data-dir", dir, "--map", "phone=手机"); r.code == 0 {
		t.Errorf("a member field in a product mapping: %s", r)
	}
	a := openApp(t, dir)
	p, err := a.Products.Get(t.Context(), linli.System, 2)
	if err != nil || p.Code != "A2" || p.PriceFen != 1300 || p.Unit != "weight" {
		t.Errorf("A2 %+v %v", p, err)
	}
}
