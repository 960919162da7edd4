package api

import (
	"net/http"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/server"
)

// ProductPage is one page of the catalogue.
type ProductPage struct {
	Items      []*catalog.Product `json:"items"`
	NextCursor *string            `json:"next_cursor"` // null on the last page
}

func (x *API) listProducts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := catalog.Filter{Category: strings.TrimSpace(q.Get("category")), Q: strings.TrimSpace(q.Get("q"))}
	var v linli.Validation
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		v.Add("limit", "request.query_invalid", "limit must be a whole number from 1 to 200")
	}
	f.Limit = int(limit)
	if f.After, err = decodeCursor(r); err != nil {
		v.Add("cursor", "request.cursor_invalid", "the cursor is not one this server gave out")
	}
	switch s := q.Get("active"); s {
	case "", "true", "1":
	case "all":
		f.All = true
	default:
		v.Add("active", "request.query_invalid", "active must be true or all")
	}
	if err := v.Err(); err != nil {
		x.fail(w, r, err)
		return
	}
	items, next, err := x.app.Products.List(r.Context(), server.Actor(r), f)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, ProductPage{Items: items, NextCursor: encodeCursor(next)})
}

func (x *API) createProduct(w http.ResponseWriter, r *http.Request) {
	var in catalog.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	p, err := x.app.Products.Create(r.Context(), server.Actor(r), in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	created(w, "products", p.ID, p)
}

func (x *API) getProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "product.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	p, err := x.app.Products.Get(r.Context(), server.Actor(r), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, p)
}

func (x *API) updateProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "product.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in catalog.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	p, err := x.app.Products.Update(r.Context(), server.Actor(r), id, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, p)
}
