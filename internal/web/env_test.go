package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
)

const password = "correct horse battery"

// env is a real Linli on SQLite in a temporary directory, served over
// HTTP on 127.0.0.1, with an owner and a cashier.
type env struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	store *shop.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = privacy.NewKey()
	cfg.DefaultLang = "zh-CN"
	a, err := app.Open(ctx, cfg, app.Migrate)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "XFL", Name: "幸福里店"})
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "owner", DisplayName: "王店主", Password: password, Role: auth.RoleOwner},
		{Username: "cashier", DisplayName: "李收银", Password: password, Role: auth.RoleCashier, StoreID: st.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatalf("create %s: %v", s.Username, err)
		}
	}
	h, err := router.New(a)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, app: a, srv: srv, store: st}
}

// client is one browser: a cookie jar, no automatic redirects, and the
// CSRF token of the last page it saw.
type client struct {
	e    *env
	http *http.Client
	csrf string
	lang string // Accept-Language
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, lang: "zh-CN,zh;q=0.9", http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

type resp struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) resp {
	c.e.t.Helper()
	req.Header.Set("Accept-Language", c.lang)
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) resp {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form with the client's CSRF token.
func (c *client) post(path string, form url.Values) resp {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" && c.csrf != "" {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login logs in and loads the start page, so the client holds a token.
func (c *client) login(username string) {
	c.e.t.Helper()
	r := c.post("/login", url.Values{"username": {username}, "password": {password}})
	if r.status != http.StatusSeeOther {
		c.e.t.Fatalf("login %s: status %d\n%s", username, r.status, r.body)
	}
	if r := c.get("/"); r.status != http.StatusOK {
		c.e.t.Fatalf("start page after login: %d", r.status)
	}
}

// follow gets the Location of a redirect.
func (c *client) follow(r resp) resp {
	c.e.t.Helper()
	loc := r.header.Get("Location")
	if loc == "" {
		c.e.t.Fatalf("no redirect (status %d)", r.status)
	}
	return c.get(loc)
}

func mustStatus(t *testing.T, r resp, want int, what string) {
	t.Helper()
	if r.status != want {
		body := r.body
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, body)
	}
}

func mustContain(t *testing.T, r resp, what string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

// errMsg is the Chinese text the console shows for an error code, as it
// appears in HTML.
func errMsg(code string) string {
	for _, key := range []string{"web.err." + code, "error." + code} {
		if locale.Has(key) {
			return html.EscapeString(locale.T(locale.Chinese, key))
		}
	}
	return code
}

// rawKey finds catalog keys that reached the page untranslated.
var rawKey = regexp.MustCompile(`\bweb\.[a-z_]+\.[a-zA-Z_.-]+`)

func noRawKeys(t *testing.T, r resp, what string) {
	t.Helper()
	if m := rawKey.FindAllString(r.body, 5); m != nil {
		t.Errorf("%s: untranslated keys %v", what, m)
	}
}

func TestMain(m *testing.M) {
	// One line per request drowns the failures; keep warnings and errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}
