package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/server"
)

type loginData struct {
	Username string
	Next     string
	Error    string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if server.CurrentStaff(r) != nil {
		if !localPath(next) {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !localPath(next) {
		next = ""
	}
	c.render(w, r, http.StatusOK, "login", "web.login.title", loginData{Next: next})
}

// crossSite reports whether the browser says the form came from another
// site. The login form has no session to bind a CSRF token to; this stops
// another site from logging a cashier into an account of its choosing.
func crossSite(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "cross-site"
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err != nil || u.Host != r.Host
	}
	return false
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, linli.Errorf(linli.KindInvalid, "form.invalid", "the form could not be read"))
		return
	}
	lang := c.lang(r)
	d := loginData{Username: strings.TrimSpace(r.PostFormValue("username")), Next: r.PostFormValue("next")}
	if !localPath(d.Next) {
		d.Next = ""
	}
	if crossSite(r) {
		c.fail(w, r, linli.Errorf(linli.KindForbidden, "auth.csrf", "cross-site login refused"))
		return
	}
	sess, _, err := c.app.Auth.Login(r.Context(), d.Username, r.PostFormValue("password"), server.ClientIP(r))
	if err != nil {
		e, ok := linli.AsError(err)
		if !ok || e.Kind == linli.KindInternal {
			c.fail(w, r, err)
			return
		}
		d.Error = errText(lang, e)
		c.render(w, r, server.Status(e.Kind), "login", "web.login.title", d)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     server.SessionCookie,
		Value:    sess.Token,
		Path:     "/",
		HttpOnly: true,
		Secure:   c.app.Config.SecureCookies(r.TLS != nil),
		SameSite: http.SameSiteLaxMode,
	})
	next := d.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(server.SessionCookie); err == nil {
		if err := c.app.Auth.Logout(r.Context(), ck.Value, server.ClientIP(r)); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: server.SessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: c.app.Config.SecureCookies(r.TLS != nil), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := locale.Normalize(r.FormValue("lang"))
	if lang == "" {
		c.fail(w, r, linli.Invalid("staff.lang_invalid", "lang", "unsupported language"))
		return
	}
	if err := c.app.Auth.SetLang(r.Context(), server.Actor(r), lang); err != nil {
		c.fail(w, r, err)
		return
	}
	back := r.FormValue("back")
	if !localPath(back) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
