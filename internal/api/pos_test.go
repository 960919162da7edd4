package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
)

// openAppOn opens an app on SQLite, or on PostgreSQL in a throw-away
// schema when LINLI_TEST_POSTGRES names a server (else the test skips).
func openAppOn(t *testing.T, backend string) *app.App {
	t.Helper()
	if backend == "sqlite" {
		return openApp(t)
	}
	base := os.Getenv("LINLI_TEST_POSTGRES")
	if base == "" {
		t.Skip("LINLI_TEST_POSTGRES is not set: PostgreSQL variant skipped")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "linli_api_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	auth.HashParams = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = privacy.NewKey()
	cfg.DatabaseURL = u.String()
	a, err := app.Open(context.Background(), cfg, app.Migrate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // runs before the schema is dropped
	return a
}

func TestPOS(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testPOS(t, openAppOn(t, backend)) })
	}
}

// caller is how a test request authenticates.
type caller struct {
	bearer      string
	token, csrf string
}

func testPOS(t *testing.T, a *app.App) {
	ctx := context.Background()
	s1, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S2", Name: "二号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "boss", Password: "password-123", Role: auth.RoleOwner},
		{Username: "mgr", Password: "password-123", Role: auth.RoleManager, StoreID: s1.ID},
		{Username: "till", Password: "password-123", Role: auth.RoleCashier, StoreID: s1.ID},
		{Username: "other", Password: "password-123", Role: auth.RoleCashier, StoreID: s2.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Products.Create(ctx, linli.System, catalog.Input{Code: "A1", Name: "酱油", Category: "调味", PriceFen: 1000}); err != nil {
		t.Fatal(err)
	}
	m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: "13800000001", StoreID: s1.ID})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Auth.CreateAPIKey(ctx, linli.System, "till 1", s1.ID, "POS-01")
	if err != nil {
		t.Fatal(err)
	}
	oldKey, old, err := a.Auth.CreateAPIKey(ctx, linli.System, "old till", s1.ID, "POS-09")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Auth.RevokeAPIKey(ctx, linli.System, old.ID); err != nil {
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
	term, boss, mgr, till, other := caller{bearer: key}, session("boss"), session("mgr"), session("till"), session("other")
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
	check := func(w *httptest.ResponseRecorder, schema string) {
		t.Helper()
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
	expect := func(w *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		if w.Code != status {
			t.Errorf("status %d, want %d: %s", w.Code, status, w.Body)
			return
		}
		if code != "" {
			var p struct {
				Code string `json:"code"`
			}
			json.Unmarshal(w.Body.Bytes(), &p)
			if p.Code != code {
				t.Errorf("code %q, want %q: %s", p.Code, code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
		}
	}

	// Identify at the till.
	t.Run("identify", func(t *testing.T) {
		for _, body := range []string{
			`{"phone":"138 0000 0001"}`,
			fmt.Sprintf(`{"card":%q}`, m.CardNo),
			fmt.Sprintf(`{"qr":%q}`, a.Members.QRPayload(m.ID)),
		} {
			w := do(term, "POST", "/api/v1/pos/identify", body)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", body, w.Code, w.Body)
			}
			check(w, "Identify")
			var got api.Identify
			json.Unmarshal(w.Body.Bytes(), &got)
			if got.Member == nil || got.Member.ID != m.ID || !got.Member.Masked || strings.Contains(w.Body.String(), "13800000001") {
				t.Errorf("%s: %s", body, w.Body)
			}
		}
		forged := strings.TrimSuffix(a.Members.QRPayload(m.ID), "A") + "B"
		if forged == a.Members.QRPayload(m.ID) {
			forged += "x"
		}
		w := do(term, "POST", "/api/v1/pos/identify", fmt.Sprintf(`{"qr":%q}`, forged))
		expect(w, http.StatusUnprocessableEntity, "member.qr_invalid")
		if !strings.Contains(w.Body.String(), `"field":"qr"`) {
			t.Errorf("forged QR: %s", w.Body)
		}
		expect(do(term, "POST", "/api/v1/pos/identify", `{"phone":"13900000000"}`), http.StatusNotFound, "member.not_found")
		expect(do(term, "POST", "/api/v1/pos/identify", `{}`), http.StatusUnprocessableEntity, "member.query_required")
		expect(do(term, "POST", "/api/v1/pos/identify", `{"phone":"13800000001","card":"x"}`), http.StatusUnprocessableEntity, "request.one_of")
		expect(do(term, "POST", "/api/v1/pos/identify", `{"name":"王小明"}`), http.StatusUnprocessableEntity, "request.unknown_field")
		expect(do(caller{}, "POST", "/api/v1/pos/identify", `{"phone":"13800000001"}`), http.StatusUnauthorized, "auth.login_required")
	})

	soldAt := a.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	saleBody := func(receipt string, qty int, payments string) string {
		return fmt.Sprintf(`{"receipt_no":%q,"member_id":%d,"sold_at":%q,"lines":[{"product":"A1","quantity":%d,"unit_price_fen":0,"discount_fen":0}],"payments":%s}`,
			receipt, m.ID, soldAt, qty, payments)
	}
	first := saleBody("R1", 2, `[{"method":"cash","amount_fen":2000}]`)
	w := do(term, "POST", "/api/v1/pos/sales", first)
	if w.Code != http.StatusCreated {
		t.Fatalf("commit: %d %s", w.Code, w.Body)
	}
	check(w, "Sale")
	var sale sales.Sale
	json.Unmarshal(w.Body.Bytes(), &sale)
	if sale.StoreID != s1.ID || sale.Terminal != "POS-01" || sale.AmountFen != 2000 || sale.PointsEarned <= 0 ||
		sale.Balance != sale.PointsEarned || sale.MemberID != m.ID {
		t.Errorf("sale %s", w.Body)
	}
	if loc := w.Header().Get("Location"); loc != fmt.Sprintf("/api/v1/pos/sales/%d", sale.ID) {
		t.Errorf("Location %q", loc)
	}
	firstAnswer := w.Body.String()
	salePath := fmt.Sprintf("/api/v1/pos/sales/%d", sale.ID)
	countSales := func() int {
		var n int
		if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM sales`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("replay", func(t *testing.T) {
		w := do(term, "POST", "/api/v1/pos/sales", first)
		// As with Idempotency-Key, a replay answers the first status and
		// body, marked as a replay.
		if w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %v %s", w.Code, w.Header(), w.Body)
		}
		if w.Body.String() != firstAnswer {
			t.Errorf("replay answered\n%s\nfirst\n%s", w.Body, firstAnswer)
		}
		var again sales.Sale
		json.Unmarshal(w.Body.Bytes(), &again)
		if again.ID != sale.ID || again.PointsEarned != sale.PointsEarned || again.Balance != sale.Balance {
			t.Errorf("replay answered\n%s\nfirst\n%s", w.Body, firstAnswer)
		}
		if n := countSales(); n != 1 {
			t.Errorf("%d sales after a replay", n)
		}
		// The same receipt with another body.
		expect(do(term, "POST", "/api/v1/pos/sales", saleBody("R1", 3, `[{"method":"cash","amount_fen":3000}]`)),
			http.StatusConflict, "sale.receipt_conflict")
		// The same receipt from another till is another sale.
		w = do(till, "POST", "/api/v1/pos/sales", first)
		expect(w, http.StatusCreated, "")
		var console sales.Sale
		json.Unmarshal(w.Body.Bytes(), &console)
		if console.ID == sale.ID || console.Terminal != "console:till" || console.StoreID != s1.ID {
			t.Errorf("console sale %s", w.Body)
		}
	})

	t.Run("rejected", func(t *testing.T) {
		before := countSales()
		bal, _ := a.Sales.Balance(ctx, m.ID)
		expect(do(term, "POST", "/api/v1/pos/sales",
			saleBody("R2", 1, `[{"method":"points","amount_fen":1000,"points":1000}]`)),
			http.StatusConflict, "ledger.insufficient_points")
		if bal >= 1000 {
			t.Fatalf("balance %d: the test needs less than 1000", bal)
		}
		future := strings.Replace(saleBody("R3", 1, `[{"method":"cash","amount_fen":1000}]`), soldAt,
			a.Now().Add(time.Hour).UTC().Format(time.RFC3339), 1)
		expect(do(term, "POST", "/api/v1/pos/sales", future), http.StatusUnprocessableEntity, "sale.time_in_future")
		unknown := strings.Replace(saleBody("R4", 1, `[{"method":"cash","amount_fen":1000}]`), `"receipt_no"`, `"till_no":1,"receipt_no"`, 1)
		expect(do(term, "POST", "/api/v1/pos/sales", unknown), http.StatusUnprocessableEntity, "request.unknown_field")
		expect(do(term, "POST", "/api/v1/pos/sales", saleBody("R5", 1, `[{"method":"cash","amount_fen":999}]`)),
			http.StatusUnprocessableEntity, "sale.payment_mismatch")
		expect(do(caller{bearer: "lk_nothing_" + strings.Repeat("a", 40)}, "POST", "/api/v1/pos/sales", first), http.StatusUnauthorized, "")
		expect(do(caller{bearer: oldKey}, "POST", "/api/v1/pos/sales", first), http.StatusUnauthorized, "auth.key_revoked")
		// An owner without a store says which one sells.
		expect(do(boss, "POST", "/api/v1/pos/sales", saleBody("R6", 1, `[{"method":"cash","amount_fen":1000}]`)),
			http.StatusUnprocessableEntity, "pos.till_required")
		if n := countSales(); n != before {
			t.Errorf("%d sales after rejected requests, want %d", n, before)
		}
		w := do(boss, "POST", fmt.Sprintf("/api/v1/pos/sales?store_id=%d", s2.ID), saleBody("R6", 1, `[{"method":"cash","amount_fen":1000}]`))
		expect(w, http.StatusCreated, "")
		if !strings.Contains(w.Body.String(), `"terminal":"console:boss"`) {
			t.Errorf("owner sale %s", w.Body)
		}
		// A store-bound caller sells only for their own store.
		expect(do(till, "POST", fmt.Sprintf("/api/v1/pos/sales?store_id=%d", s2.ID), saleBody("R7", 1, `[{"method":"cash","amount_fen":1000}]`)),
			http.StatusForbidden, "auth.forbidden")
	})

	t.Run("get", func(t *testing.T) {
		w := do(till, "GET", salePath, "")
		expect(w, http.StatusOK, "")
		check(w, "Sale")
		expect(do(other, "GET", salePath, ""), http.StatusNotFound, "sale.not_found")
		expect(do(term, "GET", "/api/v1/pos/sales/99999", ""), http.StatusNotFound, "sale.not_found")
	})

	t.Run("refund", func(t *testing.T) {
		expect(do(term, "POST", salePath+"/refunds", `{"refund_no":"F1","lines":[{"line_no":1,"quantity":5}]}`),
			http.StatusUnprocessableEntity, "sale.refund_exceeds")
		expect(do(term, "POST", salePath+"/refunds", `{"refund_no":"F1","lines":[{"line_no":1,"quantity":1}],"why":"x"}`),
			http.StatusUnprocessableEntity, "request.unknown_field")
		w := do(term, "POST", salePath+"/refunds", `{"refund_no":"F1","lines":[{"line_no":1,"quantity":1}],"reason":"broken"}`)
		expect(w, http.StatusCreated, "")
		check(w, "Refund")
		var ref sales.Refund
		json.Unmarshal(w.Body.Bytes(), &ref)
		if ref.SaleID != sale.ID || ref.AmountFen != 1000 {
			t.Errorf("refund %s", w.Body)
		}
		expect(do(other, "POST", salePath+"/refunds", `{"refund_no":"F2","all":true}`), http.StatusNotFound, "sale.not_found")
	})

	t.Run("void", func(t *testing.T) {
		// The refunded sale cannot be voided; a fresh one can, once.
		expect(do(term, "POST", salePath+"/void", `{"reason":"wrong"}`), http.StatusConflict, "sale.void_refunded")
		w := do(term, "POST", "/api/v1/pos/sales", saleBody("V1", 1, `[{"method":"cash","amount_fen":1000}]`))
		expect(w, http.StatusCreated, "")
		var s sales.Sale
		json.Unmarshal(w.Body.Bytes(), &s)
		path := fmt.Sprintf("/api/v1/pos/sales/%d/void", s.ID)
		w = do(term, "POST", path, `{"reason":"wrong member"}`)
		expect(w, http.StatusCreated, "")
		check(w, "Refund")
		again := do(term, "POST", path, `{"reason":"wrong member"}`)
		expect(again, http.StatusCreated, "")
		if again.Body.String() != w.Body.String() {
			t.Errorf("repeat void answered\n%s\nfirst\n%s", again.Body, w.Body)
		}
		expect(do(term, "POST", fmt.Sprintf("/api/v1/pos/sales/%d/refunds", s.ID), `{"refund_no":"F9","all":true}`),
			http.StatusConflict, "sale.voided")
	})

	t.Run("points", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/members/%d/points", m.ID)
		w := do(till, "GET", path, "")
		expect(w, http.StatusOK, "")
		check(w, "PointsBalance")
		var pb api.PointsBalance
		json.Unmarshal(w.Body.Bytes(), &pb)
		bal, _ := a.Sales.Balance(ctx, m.ID)
		if pb.Balance != bal || len(pb.Entries) == 0 || pb.MemberID != m.ID {
			t.Errorf("points %s (balance %d)", w.Body, bal)
		}
		if w := do(till, "GET", path+"?limit=1", ""); !strings.Contains(w.Body.String(), `"entries":[{`) ||
			strings.Count(w.Body.String(), `"kind"`) != 1 {
			t.Errorf("limit=1: %s", w.Body)
		}
		expect(do(till, "GET", path+"?limit=0", ""), http.StatusUnprocessableEntity, "request.query_invalid")
		expect(do(till, "GET", "/api/v1/members/99999/points", ""), http.StatusNotFound, "member.not_found")

		adj := path + "/adjustments"
		expect(do(till, "POST", adj, `{"delta":50,"reason":"goodwill"}`), http.StatusForbidden, "auth.forbidden")
		expect(do(term, "POST", adj, `{"delta":50,"reason":"goodwill"}`), http.StatusForbidden, "auth.forbidden")
		w = do(mgr, "POST", adj, `{"delta":50,"reason":"goodwill"}`)
		expect(w, http.StatusCreated, "")
		check(w, "Entry")
		var e sales.Entry
		json.Unmarshal(w.Body.Bytes(), &e)
		if e.Delta != 50 || e.MemberID != m.ID || e.Reason != "goodwill" || e.Kind != "adjust" {
			t.Errorf("entry %s", w.Body)
		}
		if after, _ := a.Sales.Balance(ctx, m.ID); after != bal+50 {
			t.Errorf("balance %d after +50 on %d", after, bal)
		}
		expect(do(mgr, "POST", adj, `{"delta":50}`), http.StatusUnprocessableEntity, "ledger.reason_required")
		expect(do(mgr, "POST", adj, `{"delta":-1000000,"reason":"typo"}`), http.StatusConflict, "ledger.insufficient_points")
		expect(do(mgr, "POST", adj, `{"delta":5,"reason":"x","by":"me"}`), http.StatusUnprocessableEntity, "request.unknown_field")
	})

	// What was committed adds up.
	vs, err := a.Sales.Check(ctx)
	if err != nil || len(vs) != 0 {
		t.Errorf("check: %v %+v", err, vs)
	}
}
