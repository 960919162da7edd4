package shop_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestStoreValidation(t *testing.T) {
	now := func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	svc := shop.New(store.NewShops(storetest.Open(t)), now)
	ctx := context.Background()
	owner := linli.Actor{StaffID: 1, Name: "boss", Role: auth.RoleOwner}

	s, err := svc.Create(ctx, owner, shop.Input{Code: " S01 ", Name: " 阳光店 ", Address: "阳光小区 3 号"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.Code != "S01" || s.Name != "阳光店" || s.Timezone != shop.DefaultTimezone || !s.Active || !s.CreatedAt.Equal(now()) {
		t.Errorf("created %+v", s)
	}
	if s.Location().String() != "Asia/Shanghai" {
		t.Errorf("location %v", s.Location())
	}

	for _, tc := range []struct {
		in   shop.Input
		kind linli.Kind
		code string
	}{
		{shop.Input{Code: "", Name: "x"}, linli.KindInvalid, "store.code_invalid"},
		{shop.Input{Code: "a b", Name: "x"}, linli.KindInvalid, "store.code_invalid"},
		{shop.Input{Code: strings.Repeat("A", 17), Name: "x"}, linli.KindInvalid, "store.code_invalid"},
		{shop.Input{Code: "S02", Name: "  "}, linli.KindInvalid, "store.name_required"},
		{shop.Input{Code: "S02", Name: strings.Repeat("店", 65)}, linli.KindInvalid, "store.name_too_long"},
		{shop.Input{Code: "S02", Name: "x", Timezone: "Mars/Olympus"}, linli.KindInvalid, "store.timezone_invalid"},
		{shop.Input{Code: "S02", Name: "x", Timezone: "Local"}, linli.KindInvalid, "store.timezone_invalid"},
		{shop.Input{Code: "S02", Name: "x", Address: strings.Repeat("a", 201)}, linli.KindInvalid, "store.address_too_long"},
		{shop.Input{Code: "S02", Name: "x", Phone: strings.Repeat("1", 33)}, linli.KindInvalid, "store.phone_too_long"},
		{shop.Input{Code: "S01", Name: "x"}, linli.KindConflict, "store.code_taken"},
	} {
		_, err := svc.Create(ctx, owner, tc.in)
		if linli.ErrorKind(err) != tc.kind || linli.ErrorCode(err) != tc.code {
			t.Errorf("%+v: got %v, want %s", tc.in, err, tc.code)
		}
	}

	mgr := linli.Actor{StaffID: 2, Name: "m", Role: auth.RoleManager, StoreID: s.ID}
	if _, err := svc.Create(ctx, mgr, shop.Input{Code: "S03", Name: "x"}); linli.ErrorKind(err) != linli.KindForbidden {
		t.Errorf("manager created a store: %v", err)
	}
	if _, err := svc.Update(ctx, mgr, s.ID, shop.Input{Code: "S01", Name: "y"}); linli.ErrorKind(err) != linli.KindForbidden {
		t.Errorf("manager updated a store: %v", err)
	}

	off := false
	up, err := svc.Update(ctx, owner, s.ID, shop.Input{Code: "S01", Name: "阳光店", Timezone: "Asia/Urumqi", Active: &off})
	if err != nil || up.Timezone != "Asia/Urumqi" || up.Active || up.Address != "" {
		t.Fatalf("update %+v %v", up, err)
	}
	got, err := svc.Get(ctx, s.ID)
	if err != nil || *got != *up {
		t.Errorf("get %+v %v", got, err)
	}
	// Active omitted: unchanged.
	up, _ = svc.Update(ctx, owner, s.ID, shop.Input{Code: "S01", Name: "阳光店", Timezone: "Asia/Urumqi"})
	if up.Active {
		t.Error("nil Active changed the store")
	}
	if _, err := svc.Update(ctx, owner, 999, shop.Input{Code: "S9", Name: "x"}); linli.ErrorCode(err) != "store.not_found" {
		t.Errorf("update unknown: %v", err)
	}
	if _, err := svc.Get(ctx, 999); linli.ErrorKind(err) != linli.KindNotFound {
		t.Errorf("get unknown: %v", err)
	}
	list, err := svc.List(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("list %d %v", len(list), err)
	}
}
