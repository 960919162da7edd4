package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/locale"
)

// Access says who may call a route.
type Access int

const (
	Public Access = iota // anyone (login page, health checks, the OpenAPI document)
	Staff                // a staff session (console pages, console API calls)
	Any                  // a staff session or a terminal's API key
	Member               // the member's own mobile session (later issues)
)

// Route is one endpoint and the permission it needs. Every route of the
// API and the console is declared this way, so one test can walk all of
// them for every role.
type Route struct {
	Pattern string // a ServeMux pattern with method: "GET /api/v1/members/{id}"
	Access  Access
	Perm    auth.Permission // "" = any authenticated caller
	Page    bool            // a console page: failures redirect or render HTML instead of JSON
	Handler http.HandlerFunc
}

// Authenticator resolves credentials; auth.Service implements it.
type Authenticator interface {
	SessionByToken(ctx context.Context, token string) (*auth.Staff, *auth.Session, error)
	AuthenticateAPIKey(ctx context.Context, key string) (*auth.APIKey, error)
}

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "linli_session"

type ctxKey int

const (
	keyActor ctxKey = iota
	keyStaff
	keySession
	keyLang
)

// Actor returns who is calling (linli.Actor{} when nobody is logged in).
func Actor(r *http.Request) linli.Actor {
	a, _ := r.Context().Value(keyActor).(linli.Actor)
	return a
}

// CurrentStaff returns the logged-in staff member, or nil.
func CurrentStaff(r *http.Request) *auth.Staff {
	s, _ := r.Context().Value(keyStaff).(*auth.Staff)
	return s
}

// CurrentSession returns the console session, or nil.
func CurrentSession(r *http.Request) *auth.Session {
	s, _ := r.Context().Value(keySession).(*auth.Session)
	return s
}

// Lang is the language to answer in: the staff member's choice, else the
// Accept-Language header, else the installation's default.
func Lang(r *http.Request) string {
	if l, ok := r.Context().Value(keyLang).(string); ok && l != "" {
		return l
	}
	return locale.Negotiate(r.Header.Get("Accept-Language"), locale.Chinese)
}

// Can reports whether the caller holds permission p.
func Can(r *http.Request, p auth.Permission) bool {
	return auth.Can(Actor(r).Role, p)
}

// ClientIP is the peer address (no proxy headers are trusted by default).
func ClientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// Guard wraps routes with authentication, permission and CSRF checks.
type Guard struct {
	Auth        Authenticator
	DefaultLang string
	// OnPageAuth renders the login redirect or the forbidden page for
	// console routes; nil writes plain problems.
	OnPageDenied func(w http.ResponseWriter, r *http.Request, err error)
}

// identify attaches the caller to the request context, or returns it
// unchanged for anonymous callers. A bad credential is an error only when
// one was offered.
func (g *Guard) identify(r *http.Request) (*http.Request, error) {
	ctx := r.Context()
	ip := ClientIP(r)
	lang := locale.Negotiate(r.Header.Get("Accept-Language"), g.DefaultLang)
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return r, linli.Errorf(linli.KindUnauthorized, "auth.bad_api_key", "use Authorization: Bearer <api key>")
		}
		k, err := g.Auth.AuthenticateAPIKey(ctx, strings.TrimSpace(key))
		if err != nil {
			return r, err
		}
		ctx = context.WithValue(ctx, keyActor, auth.ActorForKey(k, ip))
		ctx = context.WithValue(ctx, keyLang, lang)
		return r.WithContext(ctx), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		ctx = context.WithValue(ctx, keyLang, lang)
		return r.WithContext(ctx), nil
	}
	st, sess, err := g.Auth.SessionByToken(ctx, c.Value)
	if err != nil {
		ctx = context.WithValue(ctx, keyLang, lang)
		return r.WithContext(ctx), nil // an expired cookie is the same as none
	}
	if st.Lang != "" {
		lang = st.Lang
	}
	ctx = context.WithValue(ctx, keyActor, auth.ActorForStaff(st, ip))
	ctx = context.WithValue(ctx, keyStaff, st)
	ctx = context.WithValue(ctx, keySession, sess)
	ctx = context.WithValue(ctx, keyLang, lang)
	return r.WithContext(ctx), nil
}

// Wrap returns the route's handler behind the guard.
func (g *Guard) Wrap(rt Route) http.Handler {
	deny := func(w http.ResponseWriter, r *http.Request, err error) {
		if rt.Page && g.OnPageDenied != nil {
			g.OnPageDenied(w, r, err)
			return
		}
		Error(w, r, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := g.identify(r)
		if err != nil {
			deny(w, r, err)
			return
		}
		a := Actor(r)
		switch rt.Access {
		case Public:
			rt.Handler(w, r)
			return
		case Staff:
			if CurrentStaff(r) == nil {
				deny(w, r, linli.Errorf(linli.KindUnauthorized, "auth.login_required", "log in first"))
				return
			}
		case Any:
			if a.Role == "" {
				deny(w, r, linli.Errorf(linli.KindUnauthorized, "auth.login_required", "log in or send an API key"))
				return
			}
		case Member:
			deny(w, r, linli.Errorf(linli.KindUnauthorized, "auth.login_required", "member login required"))
			return
		}
		if rt.Perm != "" && !auth.Can(a.Role, rt.Perm) {
			deny(w, r, linli.Errorf(linli.KindForbidden, "auth.forbidden", "the role %q may not %s", a.Role, rt.Perm))
			return
		}
		if sess := CurrentSession(r); sess != nil && unsafeMethod(r.Method) && !g.csrfOK(r, sess) {
			deny(w, r, linli.Errorf(linli.KindForbidden, "auth.csrf", "the form has expired; reload the page and try again"))
			return
		}
		rt.Handler(w, r)
	})
}

// CSRFField is the form field (and X-CSRF-Token the header) that carries
// the session's CSRF token.
const CSRFField = "csrf_token"

func (g *Guard) csrfOK(r *http.Request, sess *auth.Session) bool {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return sess.CheckCSRF(t)
	}
	// Multipart forms (imports) and urlencoded forms carry the field. The
	// form is parsed with the handler's own limits later; here only the
	// query string or an already-parsed form is consulted for multipart.
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return false
		}
		return sess.CheckCSRF(r.FormValue(CSRFField))
	}
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return false
		}
		return sess.CheckCSRF(r.PostForm.Get(CSRFField))
	}
	return false
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// Mount registers routes on mux behind the guard and the metrics.
func Mount(mux *http.ServeMux, g *Guard, m *Metrics, routes []Route) {
	for _, rt := range routes {
		mux.Handle(rt.Pattern, m.Instrument(rt.Pattern, g.Wrap(rt)))
	}
}

// LoginURL is where a console page sends a visitor without a session.
func LoginURL(r *http.Request) string {
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}
