package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

func TestInsightAPI(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = a.DB.Write(ctx, func(tx *store.Tx) error {
		for i := 1; i <= 5; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO members (card_no, gender, birth_year, area, store_id, created_at, updated_at, last_active_at)
				VALUES (?, 'F', 1980, '幸福里', ?, 0, 0, 0)`, fmt.Sprint("C", i), st.ID); err != nil {
				return err
			}
		}
		for i := range 40 {
			id, err := tx.InsertID(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, created_at)
				VALUES (?, 'T', ?, ?, ?, ?, 1000, 0)`, st.ID, fmt.Sprint(i), []byte{byte(i)}, i%5+1, now.Add(-time.Duration(i)*24*time.Hour).UnixMilli())
			if err != nil {
				return err
			}
			for j, code := range []string{"M1", "B1"}[:1+i%2] {
				if _, err := tx.Exec(ctx, `INSERT INTO sale_lines (sale_id, line_no, product_code, category, quantity, unit_price_fen, amount_fen)
					VALUES (?, ?, ?, ?, 1, 500, 500)`, id, j+1, code, "cat-"+code); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "boss", Password: "password-123", Role: auth.RoleOwner},
		{Username: "ana", Password: "password-123", Role: auth.RoleAnalyst, StoreID: st.ID},
		{Username: "till", Password: "password-123", Role: auth.RoleCashier, StoreID: st.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	call := func(user, path string) *httptest.ResponseRecorder {
		t.Helper()
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: "linli_session", Value: sess.Token})
		r.Header.Set("Accept-Language", "zh-CN")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	validate := func(path, schema string, w *httptest.ResponseRecorder) {
		t.Helper()
		sch, err := compileComponent(x, schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s does not match %s: %v\n%s", path, schema, err, w.Body)
		}
	}
	for _, c := range []struct{ path, schema string }{
		{"/api/v1/analytics/rules?min_support=0.1&min_confidence=0.1&min_lift=0", "BasketRules"},
		{"/api/v1/analytics/rules?level=category&sort=support&limit=5", "BasketRules"},
		{"/api/v1/analytics/lifecycle?months=6", "Lifecycle"},
		{"/api/v1/analytics/groups", "MemberGroups"},
		{"/api/v1/analytics/habits?from=" + now.AddDate(0, 0, -30).Format(time.DateOnly), "ShoppingHabits"},
		{"/api/v1/analytics/forecast?weeks=16&horizon=4", "CategoryForecasts"},
	} {
		w := call("boss", c.path)
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", c.path, w.Code, w.Body)
			continue
		}
		validate(c.path, c.schema, w)
	}

	// M1 ⇒ B1 and back: B1 is in every other basket, always with M1.
	var rules struct {
		Baskets int `json:"baskets"`
		Rules   []struct {
			LHS        []struct{ Key string } `json:"lhs"`
			RHS        struct{ Key string }   `json:"rhs"`
			Confidence float64                `json:"confidence"`
		} `json:"rules"`
		Bounds struct{ From, To string } `json:"bounds"`
	}
	w := call("boss", "/api/v1/analytics/rules?min_support=0.1&min_confidence=0.9&min_lift=0")
	if err := json.Unmarshal(w.Body.Bytes(), &rules); err != nil {
		t.Fatal(err)
	}
	if rules.Baskets != 40 || len(rules.Rules) != 1 || rules.Rules[0].LHS[0].Key != "B1" || rules.Rules[0].RHS.Key != "M1" ||
		rules.Rules[0].Confidence != 1 || rules.Bounds.To != now.In(shanghai(t)).Format(time.DateOnly) {
		t.Errorf("rules %+v", rules)
	}

	// Bad input: 422 with the code and the field; forbidden store: 403.
	for _, c := range []struct {
		user, path, code string
		status           int
	}{
		{"boss", "/api/v1/analytics/rules?min_support=0", "insight.number_invalid", 422},
		{"boss", "/api/v1/analytics/rules?from=2026-02-30", "insight.date_invalid", 422},
		{"boss", "/api/v1/analytics/rules?sort=price", "insight.choice_invalid", 422},
		{"boss", "/api/v1/analytics/groups?from=2020-01-01&to=2026-01-01", "insight.period_too_long", 422},
		{"boss", "/api/v1/analytics/habits?store_id=99", "insight.store_unknown", 422},
		{"boss", "/api/v1/analytics/forecast?category=nothing", "insight.category_unknown", 422},
		{"boss", "/api/v1/analytics/lifecycle?months=99", "insight.number_invalid", 422},
		{"ana", fmt.Sprintf("/api/v1/analytics/habits?store_id=%d", st.ID+1), "insight.store_forbidden", 403},
		{"till", "/api/v1/analytics/rules", "auth.forbidden", 403},
	} {
		w := call(c.user, c.path)
		var p struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != c.status || (c.code != "auth.forbidden" && p.Code != c.code) || p.Detail == "" {
			t.Errorf("%s %s: %d %s, want %d %s", c.user, c.path, w.Code, w.Body, c.status, c.code)
			continue
		}
		validate(c.path, "Problem", w)
	}
	// A store-bound analyst gets their own store without asking.
	w = call("ana", "/api/v1/analytics/groups")
	var g struct {
		Bounds struct {
			StoreID int64 `json:"store_id"`
		} `json:"bounds"`
	}
	json.Unmarshal(w.Body.Bytes(), &g)
	if w.Code != 200 || g.Bounds.StoreID != st.ID {
		t.Errorf("analyst: %d, store %d", w.Code, g.Bounds.StoreID)
	}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
