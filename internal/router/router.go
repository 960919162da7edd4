// Package router assembles Linli's HTTP server: the JSON API and the
// console behind one guard, health and readiness checks, metrics, and the
// middleware every request passes through (recovery, logging, security
// headers, a body cap).
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/web"
)

// built is everything New and Routes share.
type built struct {
	routes  []server.Route
	guard   *server.Guard
	metrics *server.Metrics
}

func build(a *app.App) (*built, error) {
	console, err := web.New(a)
	if err != nil {
		return nil, fmt.Errorf("router: console: %w", err)
	}
	x := api.New(a)
	m := server.NewMetrics()
	h := &health{app: a}
	m.AddGauge(server.Gauge{Name: "linli_members_active", Help: "Active members (refreshed at most every 10 seconds).", Read: h.members})
	m.AddGauge(server.Gauge{Name: "linli_db_open_connections", Help: "Open database connections, every pool counted.", Read: h.openConns})
	// How the tills' sales commit (store/salegroup.go): many sales running
	// alone mean merged members, conflicts or failing groups.
	sales := store.NewSales(a.DB)
	for i, c := range []struct{ name, help string }{
		{"linli_sale_groups_total", "Groups of sales committed together."},
		{"linli_sales_grouped_total", "Sales committed in a group."},
		{"linli_sales_alone_total", "Sales committed alone after their group could not take them (a merged member, a receipt taken meanwhile, a failed group)."},
	} {
		m.AddGauge(server.Gauge{Name: c.name, Help: c.help, Counter: true, Read: func() float64 {
			groups, grouped, alone := sales.SaleGroupStats()
			return float64([]int64{groups, grouped, alone}[i])
		}})
	}

	routes := []server.Route{
		{Pattern: "GET /healthz", Access: server.Public, Handler: healthz},
		{Pattern: "GET /readyz", Access: server.Public, Handler: h.readyz},
		{Pattern: "GET /metrics", Access: server.Public, Handler: m.ServeHTTP},
		{Pattern: "GET /assets/", Access: server.Public, Handler: console.Assets().ServeHTTP},
	}
	routes = append(routes, x.Routes()...)
	routes = append(routes, console.Routes()...)
	lang := a.Config.DefaultLang
	if lang == "" {
		lang = "zh-CN"
	}
	g := &server.Guard{Auth: a.Auth, DefaultLang: lang, OnPageDenied: console.OnPageDenied}
	return &built{routes: routes, guard: g, metrics: m}, nil
}

// Routes lists every route the server answers, API and console, with
// the access rule and permission of each.
func Routes(a *app.App) ([]server.Route, error) {
	b, err := build(a)
	if err != nil {
		return nil, err
	}
	return b.routes, nil
}

// New builds the server's handler.
func New(a *app.App) (http.Handler, error) {
	b, err := build(a)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	if err := mount(mux, b); err != nil {
		return nil, err
	}
	limit := max(a.Config.MaxBodyBytes, a.Config.MaxUploadBytes)
	if limit <= 0 {
		limit = 32 << 20
	}
	var h http.Handler = apiFallback(mux)
	h = bodyCap(h, limit)
	h = securityHeaders(h)
	h = recoverer(h)
	h = logRequests(h)
	return h, nil
}

// mount registers the routes, turning the ServeMux's panic on a clashing
// pattern into an error that names it.
func mount(mux *http.ServeMux, b *built) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("router: %v", p)
		}
	}()
	server.Mount(mux, b.guard, b.metrics, b.routes)
	return nil
}

// apiFallback answers unknown /api/ paths and wrong methods with problem
// documents instead of the ServeMux's plain text (or a console page).
func apiFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			mux.ServeHTTP(w, r)
			return
		}
		if _, pat := mux.Handler(r); isAPIPattern(pat) {
			mux.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pat := mux.Handler(probe); isAPIPattern(pat) {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			if r.Method == http.MethodOptions {
				w.Header().Set("Allow", strings.Join(append(allowed, http.MethodOptions), ", "))
				w.WriteHeader(http.StatusNoContent)
				return
			}
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			server.Error(w, r, &linli.Error{Kind: linli.KindInvalid, Code: "request.method_not_allowed",
				Message: "this method is not allowed here; see the Allow header"})
			return
		}
		server.Error(w, r, linli.Errorf(linli.KindNotFound, "request.not_found", "there is no such API endpoint"))
	})
}

func isAPIPattern(pat string) bool {
	_, path, _ := strings.Cut(pat, " ")
	if path == "" {
		path = pat
	}
	return strings.HasPrefix(path, "/api/")
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

type health struct {
	app *app.App

	mu      sync.Mutex
	count   float64
	countAt time.Time
}

// readyz answers 200 when the database answers and its schema is the one
// this binary expects.
func (h *health) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := h.app.DB.R.PingContext(ctx); err != nil {
		slog.Warn("readyz: database unreachable", "err", err)
		server.Error(w, r, &linli.Error{Kind: linli.KindUnavailable, Code: "store.unavailable", Message: "the database does not answer", Err: err})
		return
	}
	if err := h.app.DB.CheckSchema(ctx); err != nil {
		if linli.ErrorKind(err) == linli.KindInternal {
			err = &linli.Error{Kind: linli.KindUnavailable, Code: "store.unavailable", Message: "the schema version cannot be read", Err: err}
		}
		server.Error(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// members counts active members, at most once every 10 seconds: a scrape
// must stay cheap on a large table.
func (h *health) members() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.countAt) < 10*time.Second && !h.countAt.IsZero() {
		return h.count
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := h.app.Members.Counts(ctx, time.Now())
	if err != nil {
		slog.Warn("metrics: count members", "err", err)
		return h.count
	}
	h.count, h.countAt = float64(c.Active), time.Now()
	return h.count
}

func (h *health) openConns() float64 {
	return float64(h.app.DB.OpenConnections())
}

// ---- middleware ----

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusRecorder) WriteHeader(s int) {
	if !w.wrote {
		w.status, w.wrote = s, true
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests logs one line per request with the route pattern, never the
// raw path or query: those can hold phone numbers and card numbers.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern // set by the ServeMux on this request
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if !sw.wrote {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		slog.Log(r.Context(), level, "http request", "method", r.Method, "route", route, "status", status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// recoverer turns a panic in a handler into a logged 500 problem.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusRecorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			slog.Error("panic in handler", "method", r.Method, "route", r.Pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !sw.wrote {
				server.Error(sw, r, &linli.Error{Kind: linli.KindInternal, Code: "internal", Message: "panic",
					Err: errors.New(fmt.Sprint(p))})
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// securityHeaders sets the headers every answer carries. Console pages
// may set a fuller Content-Security-Policy of their own; this one only
// forbids framing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		} else {
			h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// bodyCap bounds every request body; the JSON endpoints apply the smaller
// MaxBodyBytes themselves, uploads the larger MaxUploadBytes.
func bodyCap(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			server.Error(w, r, linli.Errorf(linli.KindTooLarge, "request.too_large", "the body is larger than %d bytes", limit))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
