package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/server"
)

type productRow struct {
	*catalog.Product
	Price string // yuan, e.g. 12.50
}

type productListData struct {
	Query    string
	Category string
	Products []productRow
	NextURL  string // the list URL for the next page
	Filtered bool   // a search or a filter is applied
	Error    string
}

// yuan formats fen as yuan with two decimals, without floats.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func (c *Console) productList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := productListData{Query: strings.TrimSpace(q.Get("q")), Category: strings.TrimSpace(q.Get("category"))}
	d.Filtered = d.Query != "" || d.Category != ""
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	list, next, err := c.app.Products.List(r.Context(), server.Actor(r),
		catalog.Filter{Q: d.Query, Category: d.Category, After: after, Limit: 50})
	if err != nil {
		_, general, ok := formErrors(c.lang(r), err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		d.Error = general
	}
	for _, p := range list {
		d.Products = append(d.Products, productRow{Product: p, Price: yuan(p.PriceFen)})
	}
	if next != 0 {
		v := q
		v.Set("after", strconv.FormatInt(next, 10))
		v.Del("done")
		d.NextURL = "/products?" + v.Encode()
	}
	c.render(w, r, http.StatusOK, "products", "web.products.title", d)
}
