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

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
)

func TestProductsAPI(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "mgr", Password: "password-123", Role: auth.RoleManager, StoreID: st.ID},
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
	as := func(user string) func(method, path, body string) *httptest.ResponseRecorder {
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return func(method, path, body string) *httptest.ResponseRecorder {
			t.Helper()
			r := httptest.NewRequest(method, path, strings.NewReader(body))
			if body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			r.Header.Set("Accept-Language", "en")
			r.AddCookie(&http.Cookie{Name: "linli_session", Value: sess.Token})
			r.Header.Set("X-CSRF-Token", sess.CSRF)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
	}
	mgr, till := as("mgr"), as("till")
	check := func(w *httptest.ResponseRecorder, schema string) {
		t.Helper()
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

	w := mgr("POST", "/api/v1/products", `{"code":"A1","name":"苹果","category":"水果","unit":"weight","price_fen":1300}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	check(w, "Product")
	var p catalog.Product
	json.Unmarshal(w.Body.Bytes(), &p)
	if w.Header().Get("Location") != fmt.Sprintf("/api/v1/products/%d", p.ID) || p.Unit != "weight" || p.PriceFen != 1300 {
		t.Errorf("created %+v at %s", p, w.Header().Get("Location"))
	}
	for i := range 3 {
		if w := mgr("POST", "/api/v1/products", fmt.Sprintf(`{"code":"B%d","name":"饼干","category":"零食","price_fen":500}`, i)); w.Code != http.StatusCreated {
			t.Fatalf("create B%d: %d %s", i, w.Code, w.Body)
		}
	}
	if w := mgr("POST", "/api/v1/products", `{"code":"A1","name":"x","price_fen":1}`); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "product.code_taken") {
		t.Errorf("duplicate: %d %s", w.Code, w.Body)
	}
	if w := mgr("POST", "/api/v1/products", `{"code":"C1","name":"x","price_fen":-5,"unit":"box"}`); w.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(w.Body.String(), "product.price_invalid") || !strings.Contains(w.Body.String(), "product.unit_invalid") {
		t.Errorf("invalid: %d %s", w.Code, w.Body)
	}

	// The cashier reads but does not write.
	if w := till("POST", "/api/v1/products", `{"code":"C2","name":"x","price_fen":1}`); w.Code != http.StatusForbidden {
		t.Errorf("cashier create: %d %s", w.Code, w.Body)
	}
	if w := till("PUT", fmt.Sprintf("/api/v1/products/%d", p.ID), `{"code":"A1","name":"x","price_fen":1}`); w.Code != http.StatusForbidden {
		t.Errorf("cashier update: %d %s", w.Code, w.Body)
	}
	w = till("GET", "/api/v1/products?category=零食&limit=2", "")
	if w.Code != http.StatusOK {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	check(w, "ProductPage")
	var page struct {
		Items      []catalog.Product `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}
	json.Unmarshal(w.Body.Bytes(), &page)
	if len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].Code != "B2" {
		t.Fatalf("page 1: %s", w.Body)
	}
	w = till("GET", "/api/v1/products?category=零食&limit=2&cursor="+*page.NextCursor, "")
	page.Items, page.NextCursor = nil, nil
	json.Unmarshal(w.Body.Bytes(), &page)
	if len(page.Items) != 1 || page.NextCursor != nil || page.Items[0].Code != "B0" {
		t.Errorf("page 2: %s", w.Body)
	}
	w = till("GET", "/api/v1/products?q=A", "")
	if page.Items = nil; json.Unmarshal(w.Body.Bytes(), &page) != nil || len(page.Items) != 1 || page.Items[0].ID != p.ID {
		t.Errorf("q=A: %s", w.Body)
	}
	if w := till("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), ""); w.Code != http.StatusOK {
		t.Errorf("get: %d %s", w.Code, w.Body)
	}
	if w := till("GET", "/api/v1/products/999", ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "product.not_found") {
		t.Errorf("get missing: %d %s", w.Code, w.Body)
	}

	w = mgr("PUT", fmt.Sprintf("/api/v1/products/%d", p.ID), `{"code":"A1","name":"红富士苹果","unit":"weight","price_fen":1500,"active":false}`)
	if w.Code != http.StatusOK {
		t.Fatalf("update: %d %s", w.Code, w.Body)
	}
	check(w, "Product")
	if w := till("GET", "/api/v1/products?q=A", ""); strings.Contains(w.Body.String(), "红富士") {
		t.Errorf("an inactive product is listed: %s", w.Body)
	}
	if w := till("GET", "/api/v1/products?q=A&active=all", ""); !strings.Contains(w.Body.String(), "红富士") {
		t.Errorf("active=all: %s", w.Body)
	}
}
