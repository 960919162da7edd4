package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
)

func TestPointsReports(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testPointsReports(t, openAppOn(t, backend)) })
	}
}

func testPointsReports(t *testing.T, a *app.App) {
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "analyst", Password: "password-123", Role: auth.RoleAnalyst, StoreID: st.ID},
		{Username: "till", Password: "password-123", Role: auth.RoleCashier, StoreID: st.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	r := sales.DefaultRules()
	r.Expiry = loyalty.Months(1)
	if err := a.Sales.SetRules(ctx, linli.System, r); err != nil {
		t.Fatal(err)
	}
	// Points earned 25 and 20 days ago expire in about 6 and 11 days,
	// those earned now in about a month.
	now := a.Now()
	var ms []int64
	for i, ago := range []time.Duration{25 * 24 * time.Hour, 20 * 24 * time.Hour, time.Minute} {
		m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: fmt.Sprintf("1380000000%d", i+1), StoreID: st.ID})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m.ID)
		fen := int64(i+1) * 1000
		if _, err := a.Sales.Commit(ctx, linli.System, sales.Till{StoreID: st.ID, Terminal: "POS-01"}, sales.SaleInput{
			Receipt: fmt.Sprintf("R%d", i), MemberID: m.ID, SoldAt: now.Add(-ago),
			Lines:    []sales.LineInput{{Product: "X1", Name: "酱油", Quantity: 1, UnitPriceFen: fen}},
			Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: fen}},
		}); err != nil {
			t.Fatal(err)
		}
	}

	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	login := func(user string) *http.Cookie {
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return &http.Cookie{Name: "linli_session", Value: sess.Token}
	}
	analyst, till := login("analyst"), login("till")
	get := func(c *http.Cookie, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(c)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	check := func(w *httptest.ResponseRecorder, schema string) {
		t.Helper()
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		sch, err := compileComponent(x, schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("answer does not match %s: %v\n%s", schema, err, w.Body)
		}
	}
	problem := func(w *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		var p struct {
			Code string `json:"code"`
		}
		json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != status || p.Code != code {
			t.Errorf("status %d code %q, want %d %s: %s", w.Code, p.Code, status, code, w.Body)
		}
	}
	expiring := func(path string) api.ExpiringPage {
		t.Helper()
		w := get(analyst, path)
		check(w, "ExpiringPage")
		var p api.ExpiringPage
		json.Unmarshal(w.Body.Bytes(), &p)
		return p
	}

	t.Run("expiring", func(t *testing.T) {
		p := expiring("/api/v1/points/expiring?days=15")
		if p.Days != 15 || len(p.Items) != 2 || p.Items[0].MemberID != ms[0] || p.Items[1].MemberID != ms[1] ||
			p.Items[0].Points != 10 || p.Items[1].Points != 20 || p.NextCursor != nil {
			t.Errorf("15 days: %+v", p)
		}
		for _, it := range p.Items {
			if it.CardNo == "" || it.Name == "王小明" || !strings.Contains(it.Name, "*") || !it.EarliestExpiry.After(now) {
				t.Errorf("item %+v", it)
			}
		}
		if p := expiring("/api/v1/points/expiring"); p.Days != 30 {
			t.Errorf("default window %d", p.Days)
		}
		// Page by page, one at a time.
		var got []int64
		path := "/api/v1/points/expiring?days=60&limit=1"
		for range 5 {
			p := expiring(path)
			for _, it := range p.Items {
				got = append(got, it.MemberID)
			}
			if p.NextCursor == nil {
				break
			}
			path = "/api/v1/points/expiring?days=60&limit=1&cursor=" + *p.NextCursor
		}
		if fmt.Sprint(got) != fmt.Sprint(ms) {
			t.Errorf("pages %v, want %v", got, ms)
		}
		for _, q := range []string{"days=0", "days=367", "days=x", "limit=0", "limit=201"} {
			problem(get(analyst, "/api/v1/points/expiring?"+q), http.StatusUnprocessableEntity, "request.query_invalid")
		}
		problem(get(analyst, "/api/v1/points/expiring?cursor=abc"), http.StatusUnprocessableEntity, "request.cursor_invalid")
		problem(get(till, "/api/v1/points/expiring"), http.StatusForbidden, "auth.forbidden")
	})

	t.Run("liability", func(t *testing.T) {
		w := get(analyst, "/api/v1/reports/points-liability")
		check(w, "LiabilityReport")
		var rep sales.LiabilityReport
		json.Unmarshal(w.Body.Bytes(), &rep)
		var balances int64
		for _, m := range ms {
			b, err := a.Sales.Balance(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			balances += b
		}
		if rep.TotalPoints != 60 || balances != 60 || rep.TotalValueFen != 60 || rep.RedeemFenPerPoint != 1 || len(rep.Rows) == 0 {
			t.Errorf("report %s (balances %d)", w.Body, balances)
		}
		for _, row := range rep.Rows {
			if row.StoreID != st.ID || row.Store != "S1" || row.StoreName != "一号店" || len(row.Month) != 7 {
				t.Errorf("row %+v", row)
			}
		}
		problem(get(till, "/api/v1/reports/points-liability"), http.StatusForbidden, "auth.forbidden")
	})
}
