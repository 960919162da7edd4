package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

//go:embed templates
var templateFS embed.FS

// pages names every page template (templates/pages/<name>.html). A file
// there that is not listed, or a name without a file, stops start-up: a
// page nobody can reach is as much a bug as a page that cannot render.
var pages = []string{
	"login", "dashboard", "error",
	"members", "member", "member_form", "member_erase",
	"import", "import_job",
	"quality", "duplicates", "merge_confirm", "audit",
	"staff", "apikeys", "stores", "store_form",
	"products",
	"pos", "sale", "member_points", "loyalty", "tiers",
	"analytics_segments", "analytics_value", "analytics_churn", "analytics_clusters", "audiences", "audience",
	"analytics_baskets", "analytics_lifecycle", "analytics_groups", "analytics_habits", "analytics_forecast",
}

// templates holds one parsed set per page and language, so `t` is bound
// at start-up and rendering clones nothing.
type templates map[string]map[string]*template.Template // lang → page → set

var (
	keyRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bt "([^"]+)"`) })
	assetRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\basset "([^"]+)"`) })
)

func parseTemplates(fsys fs.FS, assetURL func(string) (string, error)) (templates, error) {
	shared, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if !slices.Contains(pages, name) {
			return nil, fmt.Errorf("web: template %s is not used by any page", f)
		}
	}
	// Every literal key and asset a template names must exist, so a typo
	// stops start-up rather than showing "web.…" or a bare page to a cashier.
	for _, f := range append(slices.Clone(shared), files...) {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, m := range keyRE().FindAllStringSubmatch(string(b), -1) {
			if !locale.Has(m[1]) {
				return nil, fmt.Errorf("web: %s: message %q is not in the catalog", f, m[1])
			}
		}
		for _, m := range assetRE().FindAllStringSubmatch(string(b), -1) {
			if _, err := assetURL(m[1]); err != nil {
				return nil, fmt.Errorf("web: %s: %w", f, err)
			}
		}
	}
	ts := templates{}
	for _, lang := range locale.Supported {
		ts[lang] = map[string]*template.Template{}
		for _, p := range pages {
			file := "templates/pages/" + p + ".html"
			if !slices.Contains(files, file) {
				return nil, fmt.Errorf("web: page %q has no template %s", p, file)
			}
			t, err := template.New(p).Funcs(funcs(lang, assetURL)).ParseFS(fsys, append(slices.Clone(shared), file)...)
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", file, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("web: %s defines no \"content\"", file)
			}
			ts[lang][p] = t
		}
	}
	return ts, nil
}

var displayZone = func() *time.Location {
	loc, err := time.LoadLocation(shop.DefaultTimezone)
	if err != nil {
		return time.UTC
	}
	return loc
}()

func funcs(lang string, assetURL func(string) (string, error)) template.FuncMap {
	tr := func(key string, args ...any) string { return locale.T(lang, key, args...) }
	return template.FuncMap{
		"t": tr,
		// tv translates a stored value (a channel, a role …) under prefix,
		// showing the value itself when the catalog has no word for it.
		"tv": func(prefix, v string) string {
			if v == "" {
				return ""
			}
			if locale.Has(prefix + v) {
				return tr(prefix + v)
			}
			return v
		},
		"asset": assetURL,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(displayZone).Format("2006-01-02 15:04")
		},
		"day": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(displayZone).Format("2006-01-02")
		},
		// lastday is the last day before an instant that ends something:
		// points that expire at midnight on 1 January are valid until 31 December.
		"lastday": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.Add(-time.Millisecond).In(displayZone).Format("2006-01-02")
		},
		"join": strings.Join,
		"pct": func(done, total int64) int64 {
			if total <= 0 {
				return 0
			}
			return min(100, done*100/total)
		},
		"list":  func(v ...string) []string { return v },
		"yuan":  yuan,
		"money": money,
		// kg writes grams as kilograms: 1250 → "1.250".
		"kg": func(g int64) string { return fmt.Sprintf("%d.%03d", g/1000, g%1000) },
		"split": func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		},
		"permille": perMille,
		"percent":  percent,
		"inc":      func(i int) int { return i + 1 },
	}
}

// menuItem is one entry of the navigation, shown only to those who hold
// its permission.
type menuItem struct {
	Path, Key string
	Perm      auth.Permission
}

// menuSection is one entry of the top bar. Its pages show as a row of
// tabs under the bar when the viewer may use more than one of them; the
// entry itself leads to the first of those.
type menuSection struct {
	Key   string
	Items []menuItem
}

var menu = []menuSection{
	{"web.nav.dashboard", []menuItem{{"/", "web.nav.dashboard", ""}}},
	{"web.nav.members", []menuItem{
		{"/members", "web.nav.member_list", auth.MemberRead},
		{"/members/new", "web.nav.new_member", auth.MemberWrite},
		{"/import", "web.nav.import", auth.MemberImport},
		{"/quality", "web.nav.quality", auth.ReportRead},
		{"/duplicates", "web.nav.duplicates", auth.MemberMerge},
	}},
	{"web.nav.products", []menuItem{{"/products", "web.nav.products", auth.ProductRead}}},
	{"web.nav.pos", []menuItem{{"/pos", "web.nav.pos", auth.POSUse}}},
	{"web.nav.analytics", []menuItem{{"/analytics", "web.nav.analytics", auth.ReportRead}}},
	{"web.nav.settings", []menuItem{
		{"/settings/loyalty", "web.nav.loyalty", auth.SettingsManage},
		{"/stores", "web.nav.stores", auth.StoreManage},
		{"/staff", "web.nav.staff", auth.StaffManage},
		{"/api-keys", "web.nav.apikeys", auth.APIKeyManage},
		{"/audit", "web.nav.audit", auth.AuditRead},
	}},
}

// navSection is a menu section as one viewer sees it: only the pages
// their role may use, the section leading to the first.
type navSection struct {
	Key, Path string
	Items     []menuItem
}

// view is what every page template receives.
type view struct {
	Lang   string
	Langs  []string
	Title  string // a catalog key
	Path   string
	Query  url.Values
	Staff  *auth.Staff
	Role   string
	CSRF   string
	Menu   []navSection
	Notice string // a catalog key, from ?done= after a redirect
	Data   any
}

// Can reports whether the viewer holds permission p.
func (v *view) Can(p string) bool { return v.Role != "" && auth.Can(v.Role, auth.Permission(p)) }

// LangURL is this page in another language, for visitors without an
// account to keep the choice in.
func (v *view) LangURL(lang string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		if k != "lang" && k != "done" {
			q[k] = vs
		}
	}
	q.Set("lang", lang)
	return v.Path + "?" + q.Encode()
}

// Charts reports whether the page draws charts: only the analytics pages
// load the chart library.
func (v *view) Charts() bool {
	return v.Path == "/analytics" || strings.HasPrefix(v.Path, "/analytics/")
}

// Active reports whether the menu entry for p is the current section.
func (v *view) Active(p string) bool {
	if p == "/" {
		return v.Path == "/"
	}
	if p == "/members" {
		return v.Path == "/members" || (strings.HasPrefix(v.Path, "/members/") && v.Path != "/members/new")
	}
	if p == "/settings/loyalty" {
		return strings.HasPrefix(v.Path, "/settings/") // the tiers page belongs to the rules
	}
	return v.Path == p || strings.HasPrefix(v.Path, p+"/")
}

// ActiveSection reports whether the current page is one of sec's.
func (v *view) ActiveSection(sec navSection) bool {
	for _, m := range sec.Items {
		if v.Active(m.Path) {
			return true
		}
	}
	return false
}

// Tabs are the pages of the current section, when it has more than one.
func (v *view) Tabs() []menuItem {
	for _, sec := range v.Menu {
		if len(sec.Items) > 1 && v.ActiveSection(sec) {
			return sec.Items
		}
	}
	return nil
}

// notices are the confirmations a redirect may ask for with ?done=.
var notices = []string{
	"created", "saved", "deactivated", "reactivated", "tags", "erased", "merged",
	"password", "revoked", "lang", "activated", "refunded", "adjusted", "voided",
}

func (c *Console) lang(r *http.Request) string {
	if server.CurrentStaff(r) == nil {
		// Visitors of the login page may pick a language before they have
		// an account to store it in.
		if l := locale.Normalize(r.URL.Query().Get("lang")); l != "" {
			return l
		}
	}
	l := server.Lang(r)
	if _, ok := c.tmpl[l]; !ok {
		return locale.Chinese
	}
	return l
}

func (c *Console) newView(r *http.Request, title string, data any) *view {
	v := &view{Lang: c.lang(r), Langs: locale.Supported, Title: title, Path: r.URL.Path, Query: r.URL.Query(), Data: data}
	if st := server.CurrentStaff(r); st != nil {
		v.Staff = st
		v.Role = server.Actor(r).Role
		for _, sec := range menu {
			n := navSection{Key: sec.Key}
			for _, m := range sec.Items {
				if m.Perm == "" || auth.Can(v.Role, m.Perm) {
					n.Items = append(n.Items, m)
				}
			}
			if len(n.Items) > 0 {
				n.Path = n.Items[0].Path
				v.Menu = append(v.Menu, n)
			}
		}
	}
	if s := server.CurrentSession(r); s != nil {
		v.CSRF = s.CSRF
	}
	if d := r.URL.Query().Get("done"); slices.Contains(notices, d) {
		v.Notice = "web.notice." + d
	}
	return v
}

// render writes page with status. The page is rendered into a buffer
// first, so a template failure becomes a clean error page, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	v := c.newView(r, title, data)
	c.renderView(w, status, page, "base", v)
}

func (c *Console) renderView(w http.ResponseWriter, status int, page, name string, v *view) {
	t := c.tmpl[v.Lang][page]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		slog.Error("web: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// pageCSP allows the console's own files and nothing else: no inline
// script or style, no eval, forms only to this site.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// errorData is what the error page shows.
type errorData struct {
	Status  int
	Message string
}

// fail shows err as a page: a login redirect when the session is gone,
// otherwise the error page in the viewer's language.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := linli.AsError(err)
	if !ok || e.Kind == linli.KindInternal {
		slog.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &linli.Error{Kind: linli.KindInternal, Code: "internal", Message: "something went wrong on our side"}
	}
	if e.Kind == linli.KindUnauthorized {
		target := server.LoginURL(r)
		if r.Method != http.MethodGet {
			target = "/login"
		}
		if r.Header.Get("HX-Request") != "" {
			// A redirect would be followed inside the request and the login
			// page swapped into the fragment; htmx moves the whole page.
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	lang := c.lang(r)
	status := server.Status(e.Kind)
	title := "web.error.title"
	if status == http.StatusForbidden {
		title = "web.error.forbidden"
	} else if status == http.StatusNotFound {
		title = "web.error.not_found"
	}
	c.render(w, r, status, "error", title, errorData{Status: status, Message: errText(lang, e)})
}

// errText is an error's message in lang: the console's own text for its
// code, else the shared catalog's, else the English message. The console's
// own comes first because it is shown next to the input at fault, where
// the API's wording ("invalid multiplier in {field}") would name a JSON
// field the user never saw.
func errText(lang string, e *linli.Error) string {
	field := ""
	if len(e.Fields) > 0 {
		field = e.Fields[0].Field
	}
	for _, key := range []string{"web.err." + e.Code, "error." + e.Code} {
		if locale.Has(key) {
			return strings.ReplaceAll(locale.T(lang, key), "{field}", field)
		}
	}
	if e.Kind == linli.KindInternal {
		return locale.T(lang, "error.internal")
	}
	return e.Message
}

// fieldText is one field error's message in lang.
func fieldText(lang string, f linli.FieldError) string {
	for _, key := range []string{"web.err." + f.Code, "error." + f.Code} {
		if locale.Has(key) {
			return strings.ReplaceAll(locale.T(lang, key), "{field}", f.Field)
		}
	}
	return f.Message
}

// formErrors splits err into messages for the form's fields (known) and
// one for the form as a whole; ok is false when err is not the caller's
// fault and should be shown as an error page instead.
func formErrors(lang string, err error, known ...string) (fields map[string]string, general string, ok bool) {
	e, isErr := linli.AsError(err)
	if !isErr || e.Kind == linli.KindInternal || e.Kind == linli.KindUnauthorized || e.Kind == linli.KindForbidden {
		return nil, "", false
	}
	fields = map[string]string{}
	var other []string
	for _, f := range e.Fields {
		msg := fieldText(lang, f)
		switch {
		case !slices.Contains(known, f.Field):
			other = append(other, msg)
		case fields[f.Field] == "":
			fields[f.Field] = msg
		}
	}
	switch {
	case len(e.Fields) == 0:
		general = errText(lang, e)
	case len(other) > 0:
		general = strings.Join(other, " ")
	default:
		general = locale.T(lang, "web.form.fix_fields")
	}
	return fields, general, true
}

// t is a message in the viewer's language.
func (c *Console) t(r *http.Request, key string, args ...any) string {
	return locale.T(c.lang(r), key, args...)
}
