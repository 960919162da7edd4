package router_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

func init() {
	// Real argon2id, at a cost that keeps hundreds of test logins fast.
	auth.HashParams = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

const testPassword = "correct-horse-9"

type env struct {
	t      *testing.T
	a      *app.App
	h      http.Handler
	store1 int64
}

// backends lists the databases to run a test on: SQLite always,
// PostgreSQL when LINLI_TEST_POSTGRES names a server.
func backends(t *testing.T) []string {
	if os.Getenv("LINLI_TEST_POSTGRES") == "" {
		t.Log("LINLI_TEST_POSTGRES is not set: PostgreSQL variant skipped")
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// pgURL makes a fresh schema on the test server and returns a URL that
// uses it; the schema is dropped when the test ends.
func pgURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LINLI_TEST_POSTGRES")
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "linli_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func newEnv(t *testing.T, backend string) *env {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = privacy.NewKey()
	if backend == "postgres" {
		cfg.DatabaseURL = pgURL(t)
	}
	a, err := app.Open(ctx, cfg, app.Migrate)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	h, err := router.New(a)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	return &env{t: t, a: a, h: h, store1: st.ID}
}

// staff creates an account of role (in store 1 unless an owner).
func (e *env) staff(username, role, lang string) *auth.Staff {
	e.t.Helper()
	in := auth.StaffInput{Username: username, Password: testPassword, Role: role, Lang: lang}
	if role != auth.RoleOwner {
		in.StoreID = e.store1
	}
	st, err := e.a.Auth.CreateStaff(context.Background(), linli.System, in)
	if err != nil {
		e.t.Fatalf("create staff %s: %v", username, err)
	}
	return st
}

// client is how a request authenticates.
type client struct {
	token, csrf string // a staff session
	bearer      string // a terminal's API key
	lang        string // Accept-Language
}

func (e *env) login(username string) client {
	e.t.Helper()
	sess, _, err := e.a.Auth.Login(context.Background(), username, testPassword, "192.0.2.1")
	if err != nil {
		e.t.Fatalf("login %s: %v", username, err)
	}
	return client{token: sess.Token, csrf: sess.CSRF}
}

func (e *env) terminal(name string) client {
	e.t.Helper()
	key, _, err := e.a.Auth.CreateAPIKey(context.Background(), linli.System, name, e.store1, "till-1")
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	return client{bearer: key}
}

// request builds a request carrying c's credentials. A body is sent as
// JSON unless contentType says otherwise.
func (c client) request(method, path, body, contentType string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: c.token})
		if c.csrf != "" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	return req
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) do(c client, method, path, body string) *httptest.ResponseRecorder {
	return e.serve(c.request(method, path, body, ""))
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Fields []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"fields"`
}

func readProblem(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d, content type %q, want a problem: %s", w.Code, ct, w.Body)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem does not parse: %v: %s", err, w.Body)
	}
	if p.Status != w.Code {
		t.Errorf("problem status %d, response %d", p.Status, w.Code)
	}
	return p
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer does not parse: %v: %s", err, w.Body)
	}
	return v
}

func (e *env) memberCount() int {
	e.t.Helper()
	var n int
	if err := e.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestMain(m *testing.M) {
	// Request logs would drown the test output; failures say what matters.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
