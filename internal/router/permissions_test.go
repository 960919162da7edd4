package router_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
)

// TestPermissions calls every route of the server as every role, a
// terminal and an anonymous visitor, and checks that the guard lets
// exactly the permitted callers through.
func TestPermissions(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	routes, err := router.Routes(e.a)
	if err != nil {
		t.Fatal(err)
	}

	users := map[string]string{} // role → username
	for _, role := range auth.Roles() {
		e.staff(role+"-user", role, "en")
		users[role] = role + "-user"
	}
	victim := e.staff("victim", auth.RoleCashier, "zh-CN")
	newMember := func(phone string) int64 {
		m, err := e.a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: phone, StoreID: e.store1})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	m1 := newMember("13800000001")
	m2, m3 := newMember("13800000002"), newMember("13800000003")
	_, victimKey, err := e.a.Auth.CreateAPIKey(ctx, linli.System, "victim key", e.store1, "")
	if err != nil {
		t.Fatal(err)
	}
	term := e.terminal("till")
	// An upload for the import route, and a finished import to look at.
	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	fw, _ := mw.CreateFormFile("file", "members.csv")
	fw.Write([]byte("姓名,手机号\n赵六,13800000009\n李四,12345\n"))
	mw.Close()
	job, err := e.a.Imports.StartMembers(ctx, linli.System, importer.Upload{Name: "members.csv",
		Body: strings.NewReader("姓名,手机号\n赵六,13800000008\n李四,12345\n")})
	if err != nil {
		t.Fatal(err)
	}
	e.a.Imports.Wait()
	// A sale to look at and refund, piece by piece.
	soldAt := e.a.Now().Add(-time.Minute)
	sale, err := e.a.Sales.Commit(ctx, linli.System, sales.Till{StoreID: e.store1, Terminal: "fixture"}, sales.SaleInput{
		Receipt: "F-1", SoldAt: soldAt, MemberID: m1,
		Lines:    []sales.LineInput{{Product: "X1", Name: "测试", Quantity: 50, UnitPriceFen: 100}},
		Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: 5000}},
	})
	if err != nil {
		t.Fatal(err)
	}

	seq := 0
	next := func() int { seq++; return seq }
	fill := func(pattern string) (method, path string) {
		method, path, _ = strings.Cut(pattern, " ")
		path = strings.ReplaceAll(path, "{$}", "")
		path = strings.ReplaceAll(path, "{channel}", "sms")
		id := int64(1)
		switch {
		case strings.Contains(path, "/members/"):
			id = m1
		case strings.Contains(path, "/staff/"):
			id = victim.ID
		case strings.Contains(path, "/api-keys/"):
			id = victimKey.ID
		case strings.Contains(path, "/stores/"):
			id = e.store1
		case strings.Contains(path, "/imports/"):
			id = job.ID
		case strings.Contains(path, "/pos/sales/"):
			id = sale.ID
		}
		path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
		return method, path
	}
	// Plausible JSON bodies for the API's writes.
	body := func(pattern, user string) string {
		n := next()
		switch pattern {
		case "POST /api/v1/members":
			return fmt.Sprintf(`{"name":"李四","phone":"139%08d"}`, n)
		case "PUT /api/v1/members/{id}":
			return `{"name":"王小明","phone":"13800000001"}`
		case "PUT /api/v1/members/{id}/tags":
			return `{"tags":["vip"]}`
		case "PUT /api/v1/members/{id}/consent/{channel}":
			return `{"granted":true}`
		case "POST /api/v1/members/{id}/erase":
			return `{"reason":"member asked"}`
		case "POST /api/v1/members/merge":
			return fmt.Sprintf(`{"from":%d,"into":%d}`, m2, m3)
		case "POST /api/v1/stores":
			return fmt.Sprintf(`{"code":"T%d","name":"新店"}`, n)
		case "PUT /api/v1/stores/{id}":
			return `{"code":"S1","name":"一号店"}`
		case "POST /api/v1/staff":
			return fmt.Sprintf(`{"username":"new%d","display_name":"N","password":"%s","role":"cashier","store_id":%d}`, n, testPassword, e.store1)
		case "PUT /api/v1/staff/{id}":
			return fmt.Sprintf(`{"display_name":"V","role":"cashier","store_id":%d,"lang":"zh-CN"}`, e.store1)
		case "POST /api/v1/staff/{id}/password":
			return `{"password":"another-password-1"}`
		case "POST /api/v1/me/password":
			return `{"current_password":"not-the-password","password":"another-password-1"}`
		case "POST /api/v1/api-keys":
			return fmt.Sprintf(`{"name":"k%d","store_id":%d}`, n, e.store1)
		case "POST /api/v1/session":
			return fmt.Sprintf(`{"username":%q,"password":%q}`, user, testPassword)
		case "POST /api/v1/imports/members":
			return upload.String()
		case "POST /api/v1/pos/identify":
			return `{"phone":"13800000001"}`
		case "POST /api/v1/pos/sales":
			return fmt.Sprintf(`{"receipt_no":"P%d","sold_at":%q,"lines":[{"product":"X1","name":"测试","quantity":1,"unit_price_fen":100}],`+
				`"payments":[{"method":"cash","amount_fen":100}]}`, n, soldAt.Format(time.RFC3339))
		case "POST /api/v1/pos/sales/{id}/refunds":
			return fmt.Sprintf(`{"refund_no":"F%d","lines":[{"line_no":1,"quantity":1}]}`, n)
		case "POST /api/v1/members/{id}/points/adjustments":
			return `{"delta":5,"reason":"goodwill"}`
		}
		return ""
	}

	callers := append(auth.Roles(), auth.RoleTerminal, "anonymous")
	api := 0
	for _, rt := range routes {
		method, path := fill(rt.Pattern)
		isAPI := strings.HasPrefix(path, "/api/")
		if isAPI {
			api++
		}
		for _, caller := range callers {
			t.Run(rt.Pattern+"/"+caller, func(t *testing.T) {
				var c client
				user := users[auth.RoleOwner]
				switch caller {
				case "anonymous":
				case auth.RoleTerminal:
					c = term
				default:
					c = e.login(users[caller]) // fresh: some routes end the session
					user = users[caller]
				}
				var req *http.Request
				if isAPI {
					ct := ""
					if rt.Pattern == "POST /api/v1/imports/members" {
						ct = mw.FormDataContentType()
					}
					req = c.request(method, path, body(rt.Pattern, user), ct)
				} else if method == http.MethodPost {
					form := url.Values{server.CSRFField: {c.csrf}, "username": {user}, "password": {testPassword}}
					req = c.request(method, path, form.Encode(), "application/x-www-form-urlencoded")
				} else {
					req = c.request(method, path, "", "")
				}
				w := e.serve(req)
				loginRedirect := w.Code >= 300 && w.Code < 400 && strings.HasPrefix(w.Header().Get("Location"), "/login")
				switch want := expect(rt, caller); want {
				case http.StatusUnauthorized:
					if rt.Page {
						if !loginRedirect && w.Code != http.StatusUnauthorized {
							t.Errorf("%s %s as %s: status %d (Location %q), want a redirect to /login", method, path, caller, w.Code, w.Header().Get("Location"))
						}
						return
					}
					if w.Code != http.StatusUnauthorized {
						t.Fatalf("%s %s as %s: status %d, want 401: %s", method, path, caller, w.Code, w.Body)
					}
					if p := readProblem(t, w); !strings.HasPrefix(p.Code, "auth.") {
						t.Errorf("code %q, want auth.*", p.Code)
					}
				case http.StatusForbidden:
					if w.Code != http.StatusForbidden {
						t.Fatalf("%s %s as %s: status %d, want 403: %s", method, path, caller, w.Code, w.Body)
					}
					if !rt.Page {
						if p := readProblem(t, w); p.Code != "auth.forbidden" {
							t.Errorf("code %q, want auth.forbidden", p.Code)
						}
					}
				default:
					// Logging out ends on the login page by design.
					denied := loginRedirect && !(rt.Pattern == "POST /logout" && w.Header().Get("Location") == "/login")
					if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden || denied {
						t.Errorf("%s %s as %s: status %d (Location %q), want access: %s", method, path, caller, w.Code, w.Header().Get("Location"), w.Body)
					}
					if isAPI && w.Code >= 500 {
						t.Errorf("%s %s as %s: status %d: %s", method, path, caller, w.Code, w.Body)
					}
				}
			})
		}
	}
	if api < 30 {
		t.Errorf("only %d API routes walked", api)
	}
	if !slices.ContainsFunc(routes, func(r server.Route) bool { return r.Pattern == "GET /healthz" }) {
		t.Error("health check missing from the route table")
	}
}

// expect is what the guard should answer: 401, 403, or 0 for "let
// through".
func expect(rt server.Route, caller string) int {
	switch {
	case rt.Access == server.Public:
		return 0
	case caller == "anonymous", rt.Access == server.Member:
		return http.StatusUnauthorized
	case caller == auth.RoleTerminal && rt.Access == server.Staff:
		return http.StatusUnauthorized
	case rt.Perm != "" && !auth.Can(caller, rt.Perm):
		return http.StatusForbidden
	}
	return 0
}
