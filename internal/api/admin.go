package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/audit"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

// StoreList lists the chain's stores.
type StoreList struct {
	Items []*shop.Store `json:"items"`
}

// StaffList lists staff accounts.
type StaffList struct {
	Items []*auth.Staff `json:"items"`
}

// APIKeyList lists API keys.
type APIKeyList struct {
	Items []*auth.APIKey `json:"items"`
}

// APIKeyInput creates an API key for a terminal.
type APIKeyInput struct {
	Name     string `json:"name"`
	StoreID  int64  `json:"store_id"`
	Terminal string `json:"terminal,omitempty"`
}

// APIKeyCreated carries the new key's secret, shown this once only.
type APIKeyCreated struct {
	Key    string       `json:"key"`
	APIKey *auth.APIKey `json:"api_key"`
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Items      []audit.Entry `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// PasswordInput sets another account's password.
type PasswordInput struct {
	Password string `json:"password"`
}

// PasswordChange changes the caller's own password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	Password        string `json:"password"`
}

// LoginInput opens a session.
type LoginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SessionInfo answers a login: the CSRF token to send as X-CSRF-Token
// with every unsafe request of the session (the token itself travels in
// the linli_session cookie).
type SessionInfo struct {
	CSRFToken string      `json:"csrf_token"`
	ExpiresAt time.Time   `json:"expires_at"`
	Staff     *auth.Staff `json:"staff"`
}

// Me describes the caller.
type Me struct {
	Name        string            `json:"name"`
	Role        string            `json:"role"`
	StoreID     int64             `json:"store_id,omitempty"`
	Staff       *auth.Staff       `json:"staff,omitempty"`
	APIKeyID    int64             `json:"api_key_id,omitempty"`
	Permissions []auth.Permission `json:"permissions"`
	CSRFToken   string            `json:"csrf_token,omitempty"`
	Lang        string            `json:"lang"`
}

// ---- stores ----

func (x *API) listStores(w http.ResponseWriter, r *http.Request) {
	list, err := x.app.Shops.List(r.Context())
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if list == nil {
		list = []*shop.Store{}
	}
	server.JSON(w, http.StatusOK, StoreList{Items: list})
}

func (x *API) createStore(w http.ResponseWriter, r *http.Request) {
	var in shop.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Shops.Create(r.Context(), server.Actor(r), in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, st)
}

func (x *API) getStore(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "store.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Shops.Get(r.Context(), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, st)
}

func (x *API) updateStore(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "store.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in shop.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Shops.Update(r.Context(), server.Actor(r), id, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, st)
}

// ---- staff ----

func (x *API) listStaff(w http.ResponseWriter, r *http.Request) {
	storeID, err := queryInt(r, "store_id", 1, 1<<62)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	list, err := x.app.Auth.ListStaff(r.Context(), server.Actor(r), storeID)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if list == nil {
		list = []*auth.Staff{}
	}
	server.JSON(w, http.StatusOK, StaffList{Items: list})
}

func (x *API) createStaff(w http.ResponseWriter, r *http.Request) {
	var in auth.StaffInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Auth.CreateStaff(r.Context(), server.Actor(r), in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, st)
}

func (x *API) getStaff(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "staff.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Auth.GetStaff(r.Context(), server.Actor(r), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, st)
}

func (x *API) updateStaff(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "staff.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in auth.StaffUpdate
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	st, err := x.app.Auth.UpdateStaff(r.Context(), server.Actor(r), id, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, st)
}

func (x *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "staff.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in PasswordInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	if err := x.app.Auth.ResetPassword(r.Context(), server.Actor(r), id, in.Password); err != nil {
		x.fail(w, r, err)
		return
	}
	noContent(w)
}

func (x *API) setStaffActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id", "staff.not_found")
		if err != nil {
			x.fail(w, r, err)
			return
		}
		ctx, actor := r.Context(), server.Actor(r)
		if err := x.app.Auth.SetActive(ctx, actor, id, active); err != nil {
			x.fail(w, r, err)
			return
		}
		st, err := x.app.Auth.GetStaff(ctx, actor, id)
		if err != nil {
			x.fail(w, r, err)
			return
		}
		server.JSON(w, http.StatusOK, st)
	}
}

// ---- API keys ----

func (x *API) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	storeID, err := queryInt(r, "store_id", 1, 1<<62)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	list, err := x.app.Auth.ListAPIKeys(r.Context(), server.Actor(r), storeID)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if list == nil {
		list = []*auth.APIKey{}
	}
	server.JSON(w, http.StatusOK, APIKeyList{Items: list})
}

func (x *API) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var in APIKeyInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	key, k, err := x.app.Auth.CreateAPIKey(r.Context(), server.Actor(r), in.Name, in.StoreID, in.Terminal)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	server.JSON(w, http.StatusCreated, APIKeyCreated{Key: key, APIKey: k})
}

func (x *API) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "apikey.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if err := x.app.Auth.RevokeAPIKey(r.Context(), server.Actor(r), id); err != nil {
		x.fail(w, r, err)
		return
	}
	noContent(w)
}

// ---- audit ----

func (x *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Entity: strings.TrimSpace(q.Get("entity")), Action: strings.TrimSpace(q.Get("action"))}
	var v linli.Validation
	var err error
	if f.EntityID, err = queryInt(r, "entity_id", 1, 1<<62); err != nil {
		v.Add("entity_id", "request.query_invalid", "entity_id must be an id")
	}
	if f.StoreID, err = queryInt(r, "store_id", 1, 1<<62); err != nil {
		v.Add("store_id", "request.query_invalid", "store_id must be a store id")
	}
	limit, err := queryInt(r, "limit", 1, audit.MaxLimit)
	if err != nil {
		v.Add("limit", "request.query_invalid", "limit must be a whole number from 1 to %d", audit.MaxLimit)
	}
	f.Limit = int(limit)
	if f.Before, err = decodeCursor(r); err != nil {
		v.Add("cursor", "request.cursor_invalid", "the cursor is not one this server gave out")
	}
	if err := v.Err(); err != nil {
		x.fail(w, r, err)
		return
	}
	items, next, err := audit.Page(r.Context(), x.audit, server.Actor(r), f)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, AuditPage{Items: items, NextCursor: encodeCursor(next)})
}

// ---- the caller and the session ----

func (x *API) me(w http.ResponseWriter, r *http.Request) {
	a := server.Actor(r)
	m := Me{Name: a.Name, Role: a.Role, StoreID: a.StoreID, APIKeyID: a.APIKeyID, Staff: server.CurrentStaff(r),
		Permissions: []auth.Permission{}, Lang: server.Lang(r)}
	for _, p := range auth.Permissions() {
		if auth.Can(a.Role, p) {
			m.Permissions = append(m.Permissions, p)
		}
	}
	if s := server.CurrentSession(r); s != nil {
		m.CSRFToken = s.CSRF
	}
	w.Header().Set("Cache-Control", "no-store")
	server.JSON(w, http.StatusOK, m)
}

func (x *API) changePassword(w http.ResponseWriter, r *http.Request) {
	var in PasswordChange
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	if err := x.app.Auth.ChangePassword(r.Context(), server.Actor(r), in.CurrentPassword, in.Password); err != nil {
		x.fail(w, r, err)
		return
	}
	// Every session of the account has ended, this one too.
	x.clearCookie(w, r)
	noContent(w)
}

func (x *API) cookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: server.SessionCookie, Value: value, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: x.app.Config.SecureCookies(r.TLS != nil)}
}

func (x *API) clearCookie(w http.ResponseWriter, r *http.Request) {
	c := x.cookie(r, "", time.Unix(0, 0))
	c.MaxAge = -1
	http.SetCookie(w, c)
}

func (x *API) login(w http.ResponseWriter, r *http.Request) {
	var in LoginInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	sess, st, err := x.app.Auth.Login(r.Context(), in.Username, in.Password, server.ClientIP(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	http.SetCookie(w, x.cookie(r, sess.Token, sess.ExpiresAt))
	w.Header().Set("Cache-Control", "no-store")
	server.JSON(w, http.StatusOK, SessionInfo{CSRFToken: sess.CSRF, ExpiresAt: sess.ExpiresAt, Staff: st})
}

func (x *API) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(server.SessionCookie); err == nil {
		if err := x.app.Auth.Logout(r.Context(), c.Value, server.ClientIP(r)); err != nil {
			x.fail(w, r, err)
			return
		}
	}
	x.clearCookie(w, r)
	noContent(w)
}

func (x *API) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(x.OpenAPI())
}
