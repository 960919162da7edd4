package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/tier"
)

func TestTierAPI(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testTierAPI(t, openAppOn(t, backend)) })
	}
}

func testTierAPI(t *testing.T, a *app.App) {
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "boss", Password: "password-123", Role: auth.RoleOwner},
		{Username: "mgr", Password: "password-123", Role: auth.RoleManager, StoreID: st.ID},
		{Username: "till", Password: "password-123", Role: auth.RoleCashier, StoreID: st.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: "13800000001", StoreID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Auth.CreateAPIKey(ctx, linli.System, "till 1", st.ID, "POS-01")
	if err != nil {
		t.Fatal(err)
	}
	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	session := func(user string) caller {
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return caller{token: sess.Token, csrf: sess.CSRF}
	}
	term, boss, mgr, till := caller{bearer: key}, session("boss"), session("mgr"), session("till")
	do := func(c caller, method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("Accept-Language", "en")
		if c.bearer != "" {
			r.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.token != "" {
			r.AddCookie(&http.Cookie{Name: "linli_session", Value: c.token})
			r.Header.Set("X-CSRF-Token", c.csrf)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	check := func(w *httptest.ResponseRecorder, status int, schema string) {
		t.Helper()
		if w.Code != status {
			t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
		}
		sch, err := compileComponent(x, schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatalf("%v: %s", err, w.Body)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("answer does not match %s: %v\n%s", schema, err, w.Body)
		}
	}
	type problem struct {
		Code   string             `json:"code"`
		Fields []linli.FieldError `json:"fields"`
	}
	expect := func(w *httptest.ResponseRecorder, status int, code string) problem {
		t.Helper()
		var p problem
		json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != status || p.Code != code {
			t.Errorf("status %d code %q, want %d %s: %s", w.Code, p.Code, status, code, w.Body)
		}
		return p
	}
	const config = "/api/v1/settings/tiers"
	memberTier := fmt.Sprintf("/api/v1/members/%d/tier", m.ID)

	t.Run("config", func(t *testing.T) {
		w := do(boss, "GET", config, "")
		check(w, http.StatusOK, "TierConfig")
		var cfg tier.Config
		json.Unmarshal(w.Body.Bytes(), &cfg)
		if len(cfg.Tiers) != 4 || cfg.Tiers[0].Code != "regular" || cfg.Tiers[3].Name != "钻石卡" || cfg.WindowDays != 365 {
			t.Errorf("default config %s", w.Body)
		}
		// Settings are the owner's: a manager may not, a terminal is not staff.
		expect(do(mgr, "GET", config, ""), http.StatusForbidden, "auth.forbidden")
		expect(do(mgr, "PUT", config, w.Body.String()), http.StatusForbidden, "auth.forbidden")
		expect(do(term, "GET", config, ""), http.StatusUnauthorized, "auth.login_required")
	})

	t.Run("replace", func(t *testing.T) {
		before, _ := a.Sales.TierConfig(ctx)
		bad := `{"tiers":[
			{"code":"Bad!","name":"普通","name_en":"Regular","min_spend_fen":0,"min_points":0,"min_visits":0,"benefits":{"discount_permille":0,"points_multiplier":1000,"free_delivery":false,"priority_service":false,"birthday_gift":false}},
			{"code":"vip","name":"","name_en":"VIP","min_spend_fen":0,"min_points":0,"min_visits":0,"benefits":{"discount_permille":1000,"points_multiplier":0,"free_delivery":true,"priority_service":false,"birthday_gift":false}}],
			"window_days":0,"review_every_days":30,"dormant_after_days":365}`
		p := expect(do(boss, "PUT", config, bad), http.StatusUnprocessableEntity, "tier.window_invalid")
		var fields []string
		for _, f := range p.Fields {
			fields = append(fields, f.Field)
		}
		for _, want := range []string{"window_days", "tiers[0].code", "tiers[1].name", "tiers[1]",
			"tiers[1].benefits.discount_permille", "tiers[1].benefits.points_multiplier"} {
			if !slices.Contains(fields, want) {
				t.Errorf("fields %v lack %s", fields, want)
			}
		}
		expect(do(boss, "PUT", config, `{"tiers":[],"window_days":365,"review_every_days":0,"dormant_after_days":0,"colour":"gold"}`),
			http.StatusUnprocessableEntity, "request.unknown_field")
		expect(do(boss, "PUT", config, `{"tiers":[],"window_days":365,"review_every_days":0,"dormant_after_days":0}`),
			http.StatusUnprocessableEntity, "tier.none")
		if after, _ := a.Sales.TierConfig(ctx); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused config was stored: %+v", after)
		}

		good := tier.Config{Tiers: []tier.Tier{
			{Code: "regular", Name: "普通", NameEn: "Regular", Benefits: tier.Benefits{PointsMultiplier: 1000}},
			{Code: "vip", Name: "贵宾", NameEn: "VIP", MinSpendFen: 5000,
				Benefits: tier.Benefits{PointsMultiplier: 2000, DiscountPermille: 50, FreeDelivery: true}},
		}, WindowDays: 90, ReviewEveryDays: 7}
		body, _ := json.Marshal(good)
		w := do(boss, "PUT", config, string(body))
		check(w, http.StatusOK, "TierConfig")
		w = do(boss, "GET", config, "")
		check(w, http.StatusOK, "TierConfig")
		var got tier.Config
		json.Unmarshal(w.Body.Bytes(), &got)
		if fmt.Sprint(got) != fmt.Sprint(good) {
			t.Errorf("stored %+v, want %+v", got, good)
		}
	})

	t.Run("member", func(t *testing.T) {
		w := do(till, "GET", memberTier, "")
		check(w, http.StatusOK, "MemberTier")
		var mt api.MemberTier
		json.Unmarshal(w.Body.Bytes(), &mt)
		if mt.MemberID != m.ID || mt.Status.Tier.Code != "regular" || mt.Status.Next == nil || mt.Status.Next.Code != "vip" ||
			mt.Status.SpendLeftFen != 5000 || !strings.Contains(w.Body.String(), `"history":[]`) {
			t.Errorf("before any sale: %s", w.Body)
		}
		// ¥60 reaches 贵宾 on the sale.
		sale, err := a.Sales.Commit(ctx, linli.System, sales.Till{StoreID: st.ID, Terminal: "POS-01"}, sales.SaleInput{
			Receipt: "R1", MemberID: m.ID, SoldAt: a.Now(),
			Lines:    []sales.LineInput{{Product: "X1", Name: "大米", Quantity: 1, UnitPriceFen: 6000}},
			Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: 6000}},
		})
		if err != nil {
			t.Fatal(err)
		}
		w = do(term, "GET", memberTier+"?limit=5", "")
		check(w, http.StatusOK, "MemberTier")
		mt = api.MemberTier{}
		json.Unmarshal(w.Body.Bytes(), &mt)
		if mt.Status.Tier.Code != "vip" || mt.Status.Next != nil || mt.Status.Activity.SpendFen != 6000 || mt.Status.Activity.Visits != 1 ||
			len(mt.History) != 1 || mt.History[0].To != "vip" || mt.History[0].Reason != sales.TierUpgrade || mt.History[0].SourceID != sale.ID {
			t.Errorf("after the sale: %s", w.Body)
		}
		expect(do(till, "GET", memberTier+"?limit=0", ""), http.StatusUnprocessableEntity, "request.query_invalid")
		expect(do(till, "GET", "/api/v1/members/999999/tier", ""), http.StatusNotFound, "member.not_found")
		expect(do(caller{}, "GET", memberTier, ""), http.StatusUnauthorized, "auth.login_required")
	})
}
