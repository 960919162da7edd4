package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestValidate(t *testing.T) {
	ok := catalog.Input{Code: "A-001", Name: "酱油", Unit: catalog.UnitPiece, PriceFen: 1250}
	for _, c := range []struct {
		name string
		edit func(*catalog.Input)
		code string // "" = valid
	}{
		{"valid", func(*catalog.Input) {}, ""},
		{"weight", func(in *catalog.Input) { in.Unit = catalog.UnitWeight }, ""},
		{"no unit", func(in *catalog.Input) { in.Unit = "" }, ""},
		{"free", func(in *catalog.Input) { in.PriceFen = 0 }, ""},
		{"top price", func(in *catalog.Input) { in.PriceFen = catalog.MaxPriceFen }, ""},
		{"barcode", func(in *catalog.Input) { in.Barcode = "6901234567892" }, ""},
		{"empty code", func(in *catalog.Input) { in.Code = " " }, "product.code_invalid"},
		{"code with space", func(in *catalog.Input) { in.Code = "A 1" }, "product.code_invalid"},
		{"long code", func(in *catalog.Input) { in.Code = "A123456789012345678901234567890123" }, "product.code_invalid"},
		{"bad barcode", func(in *catalog.Input) { in.Barcode = "12ab" }, "product.barcode_invalid"},
		{"no name", func(in *catalog.Input) { in.Name = "" }, "product.name_required"},
		{"long name", func(in *catalog.Input) { in.Name = string(make([]rune, 101)) }, "product.name_too_long"},
		{"long category", func(in *catalog.Input) { in.Category = string(make([]rune, 51)) }, "product.category_too_long"},
		{"long brand", func(in *catalog.Input) { in.Brand = string(make([]rune, 51)) }, "product.brand_too_long"},
		{"bad unit", func(in *catalog.Input) { in.Unit = "box" }, "product.unit_invalid"},
		{"negative", func(in *catalog.Input) { in.PriceFen = -1 }, "product.price_invalid"},
		{"too dear", func(in *catalog.Input) { in.PriceFen = 1_000_000_000 }, "product.price_invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			_, err := catalog.Validate(in)
			if c.code == "" {
				if err != nil {
					t.Fatalf("valid input rejected: %v", err)
				}
				return
			}
			e, isErr := linli.AsError(err)
			if !isErr || len(e.Fields) != 1 || e.Fields[0].Code != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
}

func newService(t *testing.T) *catalog.Service {
	db := storetest.Open(t)
	return catalog.New(store.NewProducts(db), func() time.Time { return time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC) })
}

func TestServicePermissions(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	cashier := linli.Actor{Name: "c", Role: "cashier", StoreID: 1}
	manager := linli.Actor{Name: "m", Role: "manager", StoreID: 1}
	in := catalog.Input{Code: "P1", Name: "大米", PriceFen: 5990}
	if _, err := s.Create(ctx, cashier, in); linli.ErrorKind(err) != linli.KindForbidden {
		t.Fatalf("cashier created a product: %v", err)
	}
	// The catalogue is the chain's: a store-bound manager manages it.
	p, err := s.Create(ctx, manager, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Unit != catalog.UnitPiece || !p.Active {
		t.Errorf("created %+v", p)
	}
	if _, err := s.Get(ctx, cashier, p.ID); err != nil {
		t.Errorf("cashier cannot read: %v", err)
	}
	if _, err := s.Create(ctx, manager, in); linli.ErrorKind(err) != linli.KindConflict {
		t.Errorf("duplicate code: %v", err)
	}
	off := false
	up, err := s.Update(ctx, manager, p.ID, catalog.Input{Code: "P1", Name: "东北大米", Unit: "weight", PriceFen: 1200, Active: &off})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "东北大米" || up.Unit != catalog.UnitWeight || up.Active {
		t.Errorf("updated %+v", up)
	}
	if _, err := s.Get(ctx, cashier, 999); linli.ErrorKind(err) != linli.KindNotFound {
		t.Errorf("missing product: %v", err)
	}
}
