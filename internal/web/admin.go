package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

// ---- staff accounts ----

type staffForm struct {
	Username, DisplayName, Role, StoreID, Lang string
}

type staffData struct {
	Staff    []*auth.Staff
	Stores   []*shop.Store
	Names    map[int64]string
	Roles    []string
	Langs    []string
	F        staffForm
	Errors   map[string]string
	Error    string
	RowError map[int64]string // password-reset problems, per account
}

func (c *Console) renderStaff(w http.ResponseWriter, r *http.Request, status int, d staffData) {
	list, err := c.app.Auth.ListStaff(r.Context(), server.Actor(r), 0)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	stores, _ := c.app.Shops.List(r.Context())
	d.Staff, d.Stores, d.Names, d.Roles, d.Langs = list, stores, c.storeNames(r), auth.Roles(), locale.Supported
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.F.Lang == "" {
		d.F.Lang = c.lang(r)
	}
	c.render(w, r, status, "staff", "web.staff.title", d)
}

func (c *Console) staffList(w http.ResponseWriter, r *http.Request) {
	d := staffData{F: staffForm{Role: auth.RoleCashier}}
	if st := server.CurrentStaff(r); st.StoreID != 0 {
		d.F.StoreID = strconv.FormatInt(st.StoreID, 10)
	}
	c.renderStaff(w, r, http.StatusOK, d)
}

func (c *Console) staffCreate(w http.ResponseWriter, r *http.Request) {
	f := staffForm{Username: strings.TrimSpace(r.FormValue("username")), DisplayName: strings.TrimSpace(r.FormValue("display_name")),
		Role: r.FormValue("role"), StoreID: r.FormValue("store_id"), Lang: r.FormValue("lang")}
	storeID, err := formInt(r, "store_id")
	if err == nil {
		_, err = c.app.Auth.CreateStaff(r.Context(), server.Actor(r), auth.StaffInput{Username: f.Username,
			DisplayName: f.DisplayName, Password: r.FormValue("password"), Role: f.Role, StoreID: storeID, Lang: f.Lang})
	}
	if err == nil {
		redirect(w, r, "/staff", "created")
		return
	}
	fields, general, ok := formErrors(c.lang(r), err, "username", "display_name", "password", "role", "store_id", "lang")
	if !ok {
		c.fail(w, r, err)
		return
	}
	c.renderStaff(w, r, http.StatusUnprocessableEntity, staffData{F: f, Errors: fields, Error: general})
}

func (c *Console) staffPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.app.Auth.ResetPassword(r.Context(), server.Actor(r), id, r.FormValue("password")); err != nil {
		fields, general, ok := formErrors(c.lang(r), err, "password")
		if !ok {
			c.fail(w, r, err)
			return
		}
		msg := fields["password"]
		if msg == "" {
			msg = general
		}
		c.renderStaff(w, r, http.StatusUnprocessableEntity, staffData{F: staffForm{Role: auth.RoleCashier},
			RowError: map[int64]string{id: msg}})
		return
	}
	redirect(w, r, "/staff", "password")
}

func (c *Console) staffActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if err := c.app.Auth.SetActive(r.Context(), server.Actor(r), id, active); err != nil {
			c.fail(w, r, err)
			return
		}
		notice := "deactivated"
		if active {
			notice = "activated"
		}
		redirect(w, r, "/staff", notice)
	}
}

// ---- API keys ----

type keyForm struct{ Name, StoreID, Terminal string }

type keyData struct {
	Keys    []*auth.APIKey
	Stores  []*shop.Store
	Names   map[int64]string
	F       keyForm
	Errors  map[string]string
	Error   string
	Created string // the new key in plaintext, shown this once
	NewKey  *auth.APIKey
}

func (c *Console) renderKeys(w http.ResponseWriter, r *http.Request, status int, d keyData) {
	keys, err := c.app.Auth.ListAPIKeys(r.Context(), server.Actor(r), 0)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	stores, _ := c.app.Shops.List(r.Context())
	d.Keys, d.Stores, d.Names = keys, stores, c.storeNames(r)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	c.render(w, r, status, "apikeys", "web.apikeys.title", d)
}

func (c *Console) keyList(w http.ResponseWriter, r *http.Request) {
	d := keyData{}
	if st := server.CurrentStaff(r); st.StoreID != 0 {
		d.F.StoreID = strconv.FormatInt(st.StoreID, 10)
	}
	c.renderKeys(w, r, http.StatusOK, d)
}

func (c *Console) keyCreate(w http.ResponseWriter, r *http.Request) {
	f := keyForm{Name: r.FormValue("name"), StoreID: r.FormValue("store_id"), Terminal: r.FormValue("terminal")}
	storeID, err := formInt(r, "store_id")
	if err == nil {
		var plain string
		var k *auth.APIKey
		plain, k, err = c.app.Auth.CreateAPIKey(r.Context(), server.Actor(r), f.Name, storeID, f.Terminal)
		if err == nil {
			// Rendered in the answer to the post, never stored: reloading
			// the list shows only the prefix.
			c.renderKeys(w, r, http.StatusCreated, keyData{Created: plain, NewKey: k})
			return
		}
	}
	fields, general, ok := formErrors(c.lang(r), err, "name", "store_id", "terminal")
	if !ok {
		c.fail(w, r, err)
		return
	}
	c.renderKeys(w, r, http.StatusUnprocessableEntity, keyData{F: f, Errors: fields, Error: general})
}

func (c *Console) keyRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.app.Auth.RevokeAPIKey(r.Context(), server.Actor(r), id); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/api-keys", "revoked")
}

// ---- stores ----

type storeFormData struct {
	ID     int64
	F      shop.Input
	Active bool
	Errors map[string]string
	Error  string
}

type storesData struct {
	Stores []*shop.Store
	New    storeFormData
}

var storeFields = []string{"code", "name", "timezone", "address", "phone"}

func (c *Console) renderStores(w http.ResponseWriter, r *http.Request, status int, nf storeFormData) {
	list, err := c.app.Shops.List(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if nf.Errors == nil {
		nf.Errors = map[string]string{}
	}
	if nf.F.Timezone == "" {
		nf.F.Timezone = shop.DefaultTimezone
	}
	c.render(w, r, status, "stores", "web.stores.title", storesData{Stores: list, New: nf})
}

func (c *Console) storeList(w http.ResponseWriter, r *http.Request) {
	c.renderStores(w, r, http.StatusOK, storeFormData{})
}

func readStoreForm(r *http.Request) shop.Input {
	return shop.Input{Code: r.FormValue("code"), Name: r.FormValue("name"), Timezone: r.FormValue("timezone"),
		Address: r.FormValue("address"), Phone: r.FormValue("phone")}
}

func (c *Console) storeCreate(w http.ResponseWriter, r *http.Request) {
	in := readStoreForm(r)
	if _, err := c.app.Shops.Create(r.Context(), server.Actor(r), in); err != nil {
		fields, general, ok := formErrors(c.lang(r), err, storeFields...)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.renderStores(w, r, http.StatusUnprocessableEntity, storeFormData{F: in, Errors: fields, Error: general})
		return
	}
	redirect(w, r, "/stores", "created")
}

func (c *Console) storeEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	st, err := c.app.Shops.Get(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := storeFormData{ID: id, Active: st.Active, Errors: map[string]string{},
		F: shop.Input{Code: st.Code, Name: st.Name, Timezone: st.Timezone, Address: st.Address, Phone: st.Phone}}
	c.render(w, r, http.StatusOK, "store_form", "web.stores.edit_title", d)
}

func (c *Console) storeUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	in := readStoreForm(r)
	active := r.FormValue("active") == "1"
	in.Active = &active
	if _, err := c.app.Shops.Update(r.Context(), server.Actor(r), id, in); err != nil {
		fields, general, ok := formErrors(c.lang(r), err, storeFields...)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, http.StatusUnprocessableEntity, "store_form", "web.stores.edit_title",
			storeFormData{ID: id, F: in, Active: active, Errors: fields, Error: general})
		return
	}
	redirect(w, r, "/stores", "saved")
}

// ---- exports ----

// exportMembers streams every member of the viewer's scope. Personal data
// is masked unless the viewer may unmask and asks (?unmask=1); the
// importer audits each unmasked member.
func (c *Console) exportMembers(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor := server.Actor(r)
		unmask := server.Can(r, auth.MemberUnmask) && r.URL.Query().Get("unmask") == "1"
		ctype := "text/csv; charset=utf-8"
		if format == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		day := c.app.Now().In(displayZone).Format("20060102")
		server.Attachment(w, ctype, fmt.Sprintf("members-%s.%s", day, format))
		h := w.Header()
		// Once the first byte is out an error can only cut the file short;
		// the log says why.
		cw := &countingWriter{w: w}
		_, err := importer.ExportMembers(r.Context(), c.app.Members, actor, cw, format, unmask,
			importer.ExportOptions{Lang: c.lang(r), StoreID: auth.Scope(actor), Location: displayZone})
		switch {
		case err != nil && cw.n == 0:
			h.Del("Content-Disposition")
			c.fail(w, r, err)
		case err != nil:
			slog.Error("web: export cut short", "format", format, "err", err)
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
