package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/store"
)

// seedBaskets writes members and 120 sales of the last 60 days into the
// env's store: milk and bread go together, eggs now and then.
func seedBaskets(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	err := e.app.DB.Write(ctx, func(tx *store.Tx) error {
		for i := 1; i <= 12; i++ {
			gender := []string{"F", "M", ""}[i%3]
			if _, err := tx.Exec(ctx, `INSERT INTO members (card_no, gender, birth_year, area, store_id, status, created_at, updated_at, last_active_at)
				VALUES (?, ?, ?, ?, ?, 'active', ?, 0, 0)`, fmt.Sprintf("T%03d", i), gender, 1950+i*4, []string{"幸福里", "阳光城"}[i%2],
				e.store.ID, now.AddDate(-1, 0, 0).UnixMilli()); err != nil {
				return err
			}
		}
		for _, p := range [][3]string{{"M1", "鲜牛奶", "乳制品"}, {"B1", "吐司面包", "烘焙"}, {"E1", "鸡蛋", "禽蛋"}, {"V1", "青菜", "蔬菜"}} {
			if _, err := tx.Exec(ctx, `INSERT INTO products (code, name, category, price_fen, created_at, updated_at) VALUES (?, ?, ?, 500, 0, 0)`,
				p[0], p[1], p[2]); err != nil {
				return err
			}
		}
		for i := range 120 {
			lines := [][2]string{{"V1", "蔬菜"}}
			if i%2 == 0 {
				lines = [][2]string{{"M1", "乳制品"}, {"B1", "烘焙"}}
			}
			if i%5 == 0 {
				lines = append(lines, [2]string{"E1", "禽蛋"})
			}
			at := now.Add(-time.Duration(i*12) * time.Hour)
			id, err := tx.InsertID(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, created_at)
				VALUES (?, 'T1', ?, ?, ?, ?, ?, 0)`, e.store.ID, fmt.Sprint(i), []byte{byte(i)}, i%12+1, at.UnixMilli(), 500*int64(len(lines)))
			if err != nil {
				return err
			}
			for j, l := range lines {
				if _, err := tx.Exec(ctx, `INSERT INTO sale_lines (sale_id, line_no, product_code, name, category, quantity, unit_price_fen, amount_fen)
					VALUES (?, ?, ?, '', ?, 1, 500, 500)`, id, j+1, l[0], l[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInsightPages(t *testing.T) {
	e := newEnv(t)
	seedBaskets(t, e)
	c := e.client()
	c.login("owner")
	for _, p := range []struct {
		path string
		want []string
	}{
		{"/analytics/baskets", []string{`id="rules-chart"`, "鲜牛奶", "吐司面包", `id="rules-table"`, "提升度"}},
		{"/analytics/baskets?level=category&min_lift=1.5&sort=confidence", []string{"乳制品", "烘焙"}},
		{"/analytics/lifecycle", []string{`id="lifecycle-chart"`, `id="lifecycle-sankey"`, "忠诚客户"}},
		{"/analytics/groups", []string{`id="groups-age-chart"`, "幸福里", "25岁以下"}},
		{"/analytics/habits", []string{`id="habits-heat"`, `id="habits-sizes"`, "乳制品"}},
		{"/analytics/forecast?weeks=16&horizon=4", []string{`id="forecast-chart"`, "蔬菜", "MASE"}},
	} {
		r := c.get(p.path)
		mustStatus(t, r, http.StatusOK, p.path)
		mustContain(t, r, p.path, append(p.want, `data-chart="{`, `class="subnav"`, `id="insight-bounds"`)...)
		noRawKeys(t, r, p.path)
	}
	// The English page.
	c.lang = "en"
	c.post("/lang", url.Values{"lang": {"en"}})
	r := c.get("/analytics/habits")
	mustContain(t, r, "habits in English", "Shopping habits", "Visits by weekday and hour")

	// The item filter keeps only rules with that product.
	r = c.get("/analytics/baskets?item=" + url.QueryEscape("鸡蛋"))
	mustStatus(t, r, http.StatusOK, "item filter")
	if strings.Count(r.body, "鸡蛋") < 2 || strings.Contains(r.body, "<td>青菜</td>") {
		t.Error("the item filter did not keep only rules with eggs")
	}

	// Bad parameters: the page with a message and 422.
	for _, q := range []string{
		"/analytics/baskets?min_support=2", "/analytics/baskets?from=2026-02-30", "/analytics/baskets?level=brand",
		"/analytics/baskets?from=2026-05-01&to=2026-04-01", "/analytics/groups?store_id=999", "/analytics/forecast?horizon=99",
		"/analytics/lifecycle?months=x", "/analytics/habits?to=tomorrow",
	} {
		r := c.get(q)
		mustStatus(t, r, http.StatusUnprocessableEntity, q)
		mustContain(t, r, q, `id="insight-error"`)
		if strings.Contains(r.body, "data-chart") {
			t.Errorf("%s: charts drawn for bad parameters", q)
		}
	}

	// Without report.read: forbidden.
	cash := e.client()
	cash.login("cashier")
	mustStatus(t, cash.get("/analytics/baskets"), http.StatusForbidden, "cashier")
}

// A viewer bound to a store sees that store and may not ask for another.
func TestInsightPagesScoped(t *testing.T) {
	e := newEnv(t)
	seedBaskets(t, e)
	ctx := context.Background()
	if _, err := e.app.Auth.CreateStaff(ctx, linli.System, auth.StaffInput{Username: "analyst", Password: password,
		Role: auth.RoleAnalyst, StoreID: e.store.ID}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("analyst")
	r := c.get("/analytics/groups")
	mustStatus(t, r, http.StatusOK, "own store")
	mustContain(t, r, "own store", "幸福里店")
	if strings.Contains(r.body, `name="store_id"`) {
		t.Error("a store-bound viewer is offered other stores")
	}
	mustStatus(t, c.get(fmt.Sprintf("/analytics/groups?store_id=%d", e.store.ID+1)), http.StatusForbidden, "another store")
}
