package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewProducts(db)
		at := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
		a := auth.Audit{At: at, Actor: linli.System, Action: "product.create", Entity: "product"}
		p := &catalog.Product{Code: "A1", Name: "酱油", Category: "调味", Brand: "海天", Unit: catalog.UnitPiece,
			PriceFen: 1250, Active: true, CreatedAt: at, UpdatedAt: at}
		id, err := s.CreateProduct(ctx, p, a)
		if err != nil {
			t.Fatal(err)
		}
		p.ID = id
		got, err := s.GetProduct(ctx, id)
		if err != nil || *got != *p {
			t.Fatalf("get: %+v, %v; want %+v", got, err, p)
		}
		if _, err := s.CreateProduct(ctx, &catalog.Product{Code: "A1", Name: "x", Unit: "piece", CreatedAt: at, UpdatedAt: at}, a); linli.ErrorKind(err) != linli.KindConflict {
			t.Errorf("duplicate code: %v", err)
		}
		p.PriceFen, p.Unit, p.Barcode = 2400, catalog.UnitWeight, "6901234567892"
		if err := s.UpdateProduct(ctx, p, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetProduct(ctx, id); *got != *p {
			t.Errorf("after update %+v", got)
		}
		if err := s.UpdateProduct(ctx, &catalog.Product{ID: 999, Code: "Z", Name: "z", Unit: "piece"}, a); linli.ErrorKind(err) != linli.KindNotFound {
			t.Errorf("update missing: %v", err)
		}
		if got, err := s.GetProduct(ctx, 999); got != nil || err != nil {
			t.Errorf("get missing: %v, %v", got, err)
		}

		// A batch: creates and updates in one transaction.
		var creates []*catalog.Product
		for i := range 5 {
			creates = append(creates, &catalog.Product{Code: fmt.Sprintf("B%d", i), Name: fmt.Sprintf("饼干%d", i),
				Category: "零食", Unit: catalog.UnitPiece, PriceFen: int64(100 * i), Active: true, CreatedAt: at, UpdatedAt: at})
		}
		p.Name = "生抽"
		if err := s.SaveProducts(ctx, creates, []*catalog.Product{p}, auth.Audit{Actor: linli.System, Action: "product.import"}); err != nil {
			t.Fatal(err)
		}
		if creates[4].ID == 0 {
			t.Error("batch ids not set")
		}
		found, err := s.ProductsByCode(ctx, []string{"B1", "B3", "A1", "nope"})
		if err != nil || len(found) != 3 {
			t.Fatalf("by code: %d, %v", len(found), err)
		}

		list, err := s.ListProducts(ctx, catalog.Filter{Category: "零食", Limit: 3})
		if err != nil || len(list) != 3 || list[0].Code != "B4" {
			t.Fatalf("list: %v %v", list, err)
		}
		list, _ = s.ListProducts(ctx, catalog.Filter{Category: "零食", After: list[2].ID, Limit: 3})
		if len(list) != 2 || list[1].Code != "B0" {
			t.Errorf("second page: %v", list)
		}
		for q, want := range map[string]int{"B": 5, "生": 1, "饼干3": 1, "%": 0, "A1": 1, "x": 0} {
			list, err := s.ListProducts(ctx, catalog.Filter{Q: q, Limit: 50})
			if err != nil || len(list) != want {
				t.Errorf("q %q: %d products, want %d (%v)", q, len(list), want, err)
			}
		}
		var audits int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'product'`).Scan(&audits); err != nil || audits != 8 {
			t.Errorf("audit lines %d, %v", audits, err)
		}
	})
}
