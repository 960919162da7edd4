package router_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
)

type memberJSON struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Phone  string   `json:"phone"`
	Status string   `json:"status"`
	Tags   []string `json:"tags"`
	Masked bool     `json:"masked"`
}

type pageJSON struct {
	Items      []memberJSON `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

// TestBadInput sends wrong requests: each answers a problem that names
// the field, in the caller's language, and writes nothing.
func TestBadInput(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			term := e.terminal("till")
			if _, err := e.a.Members.Create(context.Background(), linli.System, member.Input{Name: "张三", Phone: "13912345678"}); err != nil {
				t.Fatal(err)
			}
			forged := "LM1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			cases := []struct {
				name               string
				method, path, body string
				contentType        string
				status             int
				code, field        string
				zhWord, enWord     string // expected in the detail
			}{
				{"invalid phone", "POST", "/api/v1/members", `{"name":"李四","phone":"12345"}`, "",
					422, "member.phone_invalid", "phone", "手机号码无效", "Invalid mobile number"},
				{"duplicate phone", "POST", "/api/v1/members", `{"name":"李四","phone":"139 1234 5678"}`, "",
					409, "member.phone_taken", "phone", "已注册", "already registered"},
				{"missing name", "POST", "/api/v1/members", `{"phone":"13700000000"}`, "",
					422, "member.name_required", "name", "姓名", "name"},
				{"registered in the future", "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000","created_at":"2999-01-01T00:00:00+08:00"}`, "",
					422, "member.created_at_invalid", "created_at", "注册时间无效", "Invalid registration time"},
				{"registration date without time", "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000","created_at":"2019-06-01"}`, "",
					422, "request.time_invalid", "", "RFC 3339", "RFC 3339"},
				{"unknown field", "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000","nickname":"小李"}`, "",
					422, "request.unknown_field", "nickname", "nickname", "nickname"},
				{"wrong type", "POST", "/api/v1/members", `{"name":"李四","phone":13700000000}`, "",
					422, "request.field_type", "phone", "phone", "phone"},
				{"wrong content type", "POST", "/api/v1/members", `name=李四&phone=13700000000`, "application/x-www-form-urlencoded",
					415, "request.content_type", "", "application/json", "application/json"},
				{"malformed json", "POST", "/api/v1/members", `{"name":"李四",`, "",
					422, "request.malformed_json", "", "JSON", "JSON"},
				{"two values", "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000"}{}`, "",
					422, "request.malformed_json", "", "JSON", "JSON"},
				{"oversized", "POST", "/api/v1/members", `{"name":"` + strings.Repeat("李", 1<<20) + `","phone":"13700000000"}`, "",
					413, "request.too_large", "", "过大", "too large"},
				{"forged qr", "GET", "/api/v1/members/lookup?qr=" + forged, "", "",
					422, "member.qr_invalid", "qr", "二维码", "QR code"},
				{"bad card", "GET", "/api/v1/members/lookup?card=no%20such%20card", "", "",
					422, "member.card_invalid", "card", "会员卡号无效", "Invalid card number"},
				{"bad cursor", "GET", "/api/v1/members?cursor=bm9wZQ", "", "",
					422, "request.cursor_invalid", "cursor", "游标", "cursor"},
				{"bad limit", "GET", "/api/v1/members?limit=1000", "", "",
					422, "request.query_invalid", "limit", "limit", "limit"},
				{"two lookups", "GET", "/api/v1/members/lookup?phone=13912345678&card=8123", "", "",
					422, "request.one_of", "card", "其中一个", "only one"},
			}
			for _, c := range cases {
				for _, lang := range []string{"zh-CN", "en"} {
					t.Run(c.name+"/"+lang, func(t *testing.T) {
						before := e.memberCount()
						cl := term
						cl.lang = lang
						w := e.serve(cl.request(c.method, c.path, c.body, c.contentType))
						if w.Code != c.status {
							t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
						}
						p := readProblem(t, w)
						if p.Code != c.code {
							t.Errorf("code %q, want %q", p.Code, c.code)
						}
						if c.field != "" && (len(p.Fields) == 0 || p.Fields[0].Field != c.field) {
							t.Errorf("fields %+v, want %q named", p.Fields, c.field)
						}
						want := c.enWord
						if lang == "zh-CN" {
							want = c.zhWord
							if !hasHan(p.Detail) {
								t.Errorf("detail %q is not in Chinese", p.Detail)
							}
						} else if hasHan(p.Detail) {
							t.Errorf("detail %q is not in English", p.Detail)
						}
						if !strings.Contains(p.Detail, want) {
							t.Errorf("detail %q lacks %q", p.Detail, want)
						}
						if w.Header().Get("Content-Language") != lang {
							t.Errorf("Content-Language %q", w.Header().Get("Content-Language"))
						}
						if after := e.memberCount(); after != before {
							t.Errorf("members %d → %d: a bad request wrote", before, after)
						}
					})
				}
			}
		})
	}
}

// TestStaffLanguage: a staff member's chosen language wins over the
// browser's.
func TestStaffLanguage(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.staff("ann", auth.RoleCashier, "en")
	c := e.login("ann")
	c.lang = "zh-CN"
	w := e.do(c, "POST", "/api/v1/members", `{"name":"李四","phone":"12"}`)
	if p := readProblem(t, w); hasHan(p.Detail) {
		t.Errorf("detail %q, want English", p.Detail)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.staff("ann", auth.RoleCashier, "zh-CN")
	c := e.login("ann")
	good := `{"name":"李四","phone":"13700000000"}`
	for _, token := range []string{"", "wrong-token"} {
		bad := c
		bad.csrf = token
		w := e.do(bad, "POST", "/api/v1/members", good)
		if w.Code != http.StatusForbidden || readProblem(t, w).Code != "auth.csrf" {
			t.Fatalf("token %q: status %d, want 403 auth.csrf: %s", token, w.Code, w.Body)
		}
	}
	if n := e.memberCount(); n != 0 {
		t.Fatalf("%d members written without a CSRF token", n)
	}
	if w := e.do(c, "POST", "/api/v1/members", good); w.Code != http.StatusCreated {
		t.Fatalf("with the token: %d %s", w.Code, w.Body)
	}
	// A terminal's key is not a cookie, so it needs no token.
	if w := e.do(e.terminal("till"), "POST", "/api/v1/members", `{"name":"王五","phone":"13700000001"}`); w.Code != http.StatusCreated {
		t.Fatalf("terminal: %d %s", w.Code, w.Body)
	}
	// A member brought from an earlier system keeps their registration time.
	w := e.do(c, "POST", "/api/v1/members", `{"name":"赵六","phone":"13700000002","created_at":"2019-06-01T09:30:00+08:00"}`)
	var m struct {
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != http.StatusCreated ||
		!m.CreatedAt.Equal(time.Date(2019, 6, 1, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("registered earlier: %d %s", w.Code, w.Body)
	}
}

func TestPagination(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			ctx := context.Background()
			created := map[int64]bool{}
			for i := range 120 {
				m, err := e.a.Members.Create(ctx, linli.System, member.Input{Name: fmt.Sprintf("会员%d", i), Phone: fmt.Sprintf("1380000%04d", i)})
				if err != nil {
					t.Fatal(err)
				}
				created[m.ID] = true
			}
			term := e.terminal("till")
			seen := map[int64]bool{}
			var sizes []int
			path := "/api/v1/members?limit=50"
			for page := 0; ; page++ {
				if page > 5 {
					t.Fatal("pagination does not end")
				}
				w := e.do(term, "GET", path, "")
				if w.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, w.Code, w.Body)
				}
				p := decode[pageJSON](t, w)
				sizes = append(sizes, len(p.Items))
				for _, m := range p.Items {
					if seen[m.ID] {
						t.Errorf("member %d listed twice", m.ID)
					}
					seen[m.ID] = true
					if !m.Masked || strings.Contains(m.Phone, "13800") {
						t.Errorf("terminal saw member %d unmasked: %+v", m.ID, m)
					}
				}
				if p.NextCursor == nil {
					break
				}
				path = "/api/v1/members?limit=50&cursor=" + *p.NextCursor
			}
			if fmt.Sprint(sizes) != "[50 50 20]" {
				t.Errorf("page sizes %v, want [50 50 20]", sizes)
			}
			if len(seen) != len(created) {
				t.Errorf("saw %d members, created %d", len(seen), len(created))
			}
			for id := range created {
				if !seen[id] {
					t.Errorf("member %d never listed", id)
				}
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			term := e.terminal("till")
			post := func(key, body string) *http.Response {
				r := term.request("POST", "/api/v1/members", body, "")
				if key != "" {
					r.Header.Set("Idempotency-Key", key)
				}
				return e.serve(r).Result()
			}
			body := `{"name":"李四","phone":"13700000000"}`
			first := post("k-1", body)
			if first.StatusCode != http.StatusCreated {
				t.Fatalf("first: %d", first.StatusCode)
			}
			firstBody := readAll(first)
			again := post("k-1", body)
			if again.StatusCode != http.StatusCreated || readAll(again) != firstBody || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("repeat: %d %q, want the first answer %q", again.StatusCode, readAll(again), firstBody)
			}
			if n := e.memberCount(); n != 1 {
				t.Errorf("%d members after a repeat, want 1", n)
			}
			other := post("k-1", `{"name":"王五","phone":"13700000001"}`)
			if other.StatusCode != http.StatusConflict || !strings.Contains(readAll(other), "request.idempotency_conflict") {
				t.Errorf("same key, other body: %d", other.StatusCode)
			}
			// A failed request is not remembered: fixing it under the same key works.
			if r := post("k-2", `{"name":"王五","phone":"1"}`); r.StatusCode != 422 {
				t.Errorf("bad phone: %d", r.StatusCode)
			}
			if r := post("k-2", `{"name":"王五","phone":"13700000001"}`); r.StatusCode != http.StatusCreated {
				t.Errorf("fixed retry: %d", r.StatusCode)
			}
			// Another caller's key is its own.
			if r := post("", `{"name":"赵六","phone":"13700000002"}`); r.StatusCode != http.StatusCreated {
				t.Errorf("no key: %d", r.StatusCode)
			}
			if r := post("bad key with spaces", body); r.StatusCode != 422 {
				t.Errorf("bad key: %d", r.StatusCode)
			}
			if n := e.memberCount(); n != 3 {
				t.Errorf("%d members, want 3", n)
			}
		})
	}
}

func readAll(r *http.Response) string {
	var b strings.Builder
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.WriteString(sc.Text())
	}
	return b.String()
}

func TestUnmask(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	m, err := e.a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	e.staff("cash", auth.RoleCashier, "en")
	e.staff("boss", auth.RoleManager, "en")
	path := fmt.Sprintf("/api/v1/members/%d?unmask=1", m.ID)
	cash := decode[memberJSON](t, e.do(e.login("cash"), "GET", path, ""))
	if !cash.Masked || cash.Phone != "139****5678" || cash.Name != "王**" {
		t.Errorf("cashier saw %+v, want masked", cash)
	}
	boss := e.login("boss")
	plain := decode[memberJSON](t, e.do(boss, "GET", fmt.Sprintf("/api/v1/members/%d", m.ID), ""))
	if !plain.Masked {
		t.Errorf("manager without unmask=1 saw %+v", plain)
	}
	clear := decode[memberJSON](t, e.do(boss, "GET", path, ""))
	if clear.Masked || clear.Phone != "13912345678" || clear.Name != "王小明" {
		t.Errorf("manager with unmask=1 saw %+v", clear)
	}
	// The unmasked view is in the audit log, which the manager may read.
	w := e.do(boss, "GET", fmt.Sprintf("/api/v1/audit?action=member.unmask&entity_id=%d", m.ID), "")
	if w.Code != http.StatusOK {
		t.Fatalf("audit: %d %s", w.Code, w.Body)
	}
	log := decode[struct {
		Items []struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
		} `json:"items"`
	}](t, w)
	if len(log.Items) != 1 || log.Items[0].Actor != "boss" {
		t.Errorf("audit lines %+v, want one unmask by boss", log.Items)
	}
	// Created members come back masked too unless asked for.
	created := decode[memberJSON](t, e.do(boss, "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000"}`))
	if !created.Masked || created.Phone != "137****0000" {
		t.Errorf("created answer %+v, want masked", created)
	}
}

func TestLookupAndQR(t *testing.T) {
	e := newEnv(t, "sqlite")
	term := e.terminal("till")
	created := decode[memberJSON](t, e.do(term, "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000","card_no":"8000123"}`))
	qr := decode[struct {
		Payload string `json:"payload"`
	}](t, e.do(term, "GET", fmt.Sprintf("/api/v1/members/%d/qr", created.ID), ""))
	for _, q := range []string{"phone=137-0000-0000", "card=8000123", "qr=" + qr.Payload} {
		w := e.do(term, "GET", "/api/v1/members/lookup?"+q, "")
		if w.Code != http.StatusOK || decode[memberJSON](t, w).ID != created.ID {
			t.Errorf("lookup %s: %d %s", q, w.Code, w.Body)
		}
	}
	if w := e.do(term, "GET", "/api/v1/members/lookup?phone=13700000009", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown phone: %d", w.Code)
	}
	if w := e.do(term, "GET", "/api/v1/members/search?q=李四", ""); w.Code != http.StatusOK || len(decode[pageJSON](t, w).Items) != 1 {
		t.Errorf("search by name: %d %s", w.Code, w.Body)
	}
}

func TestSessionForScripts(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.staff("ann", auth.RoleCashier, "en")
	w := e.do(client{}, "POST", "/api/v1/session", `{"username":"ann","password":"`+testPassword+`"}`)
	if w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	info := decode[struct {
		CSRF string `json:"csrf_token"`
	}](t, w)
	var token string
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "linli_session" {
			token = ck.Value
			if !ck.HttpOnly {
				t.Error("session cookie is not HttpOnly")
			}
		}
	}
	c := client{token: token, csrf: info.CSRF}
	if w := e.do(c, "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000"}`); w.Code != http.StatusCreated {
		t.Fatalf("create with session: %d %s", w.Code, w.Body)
	}
	me := decode[struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}](t, e.do(c, "GET", "/api/v1/me", ""))
	if me.Role != "cashier" || len(me.Permissions) != len(auth.Grants[auth.RoleCashier]) {
		t.Errorf("me: %+v", me)
	}
	if w := e.do(c, "DELETE", "/api/v1/session", ""); w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if w := e.do(c, "GET", "/api/v1/me", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("after logout: %d", w.Code)
	}
	w = e.do(client{lang: "en"}, "POST", "/api/v1/session", `{"username":"ann","password":"wrong-password"}`)
	if p := readProblem(t, w); w.Code != http.StatusUnauthorized || p.Code != "auth.bad_credentials" {
		t.Errorf("bad password: %d %s", w.Code, p.Code)
	}
}

func TestUnknownAPIPaths(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.do(client{}, "GET", "/api/v1/nothing-here", "")
	if p := readProblem(t, w); w.Code != http.StatusNotFound || p.Code != "request.not_found" {
		t.Errorf("unknown path: %d %q", w.Code, p.Code)
	}
	w = e.do(client{}, "PATCH", "/api/v1/members", "")
	if p := readProblem(t, w); w.Code != http.StatusMethodNotAllowed || p.Code != "request.method_not_allowed" {
		t.Errorf("wrong method: %d %q", w.Code, p.Code)
	}
	if allow := w.Header().Get("Allow"); allow != "GET, POST" {
		t.Errorf("Allow %q", allow)
	}
	if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	w = e.do(client{}, "GET", "/api/v1/members/abc", "")
	if w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous member read: %d", w.Code)
	}
	w = e.do(e.terminal("till"), "GET", "/api/v1/members/abc", "")
	if p := readProblem(t, w); w.Code != http.StatusNotFound || p.Code != "member.not_found" {
		t.Errorf("non-numeric id: %d %q", w.Code, p.Code)
	}
}

var (
	promSample = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$`)
	promMeta   = regexp.MustCompile(`^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$`)
)

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t, "sqlite")
	if w := e.do(client{}, "GET", "/healthz", ""); w.Code != 200 || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", w.Code, w.Body)
	}
	if w := e.do(client{}, "GET", "/readyz", ""); w.Code != 200 {
		t.Errorf("readyz: %d %s", w.Code, w.Body)
	}
	e.do(e.terminal("till"), "POST", "/api/v1/members", `{"name":"李四","phone":"13700000000"}`)
	w := e.do(client{}, "GET", "/metrics", "")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	text := w.Body.String()
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if !promSample.MatchString(line) && !promMeta.MatchString(line) {
			t.Errorf("line %d is not Prometheus text: %q", i+1, line)
		}
	}
	for _, want := range []string{
		"linli_members_active 1\n",
		`linli_http_requests_total{route="POST /api/v1/members",status="201"} 1`,
		"linli_db_open_connections ",
		"# TYPE linli_sales_grouped_total counter\nlinli_sales_grouped_total ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A database that is gone makes the server unready.
	e.a.DB.R.Close()
	w = e.do(client{}, "GET", "/readyz", "")
	if p := readProblem(t, w); w.Code != http.StatusServiceUnavailable || p.Code != "store.unavailable" {
		t.Errorf("readyz with a closed database: %d %q", w.Code, p.Code)
	}
}
