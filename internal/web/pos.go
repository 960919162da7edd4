package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

// posRows is how many product lines the simulator's form offers.
const posRows = 5

type posRow struct {
	Code, Qty string
	Error     string
}

type posData struct {
	Stores   []*shop.Store // offered to staff without a store of their own
	StoreID  int64
	Kind     string // phone, card or qr
	Value    string
	Kinds    []string
	Member   *member.Member
	Balance  int64
	Rows     []posRow
	Points   string
	Receipt  string
	Errors   map[string]string
	Error    string
	Result   *sales.Sale
	Total    int64 // of the committed sale, for the answer
	Cash     int64
	Redeemed int64
	// The sale the till may still void (the one just rung up), what was
	// typed for it and what went wrong; and the void done.
	VoidSale   *sales.Sale
	VoidReason string
	VoidError  string
	Voided     *posVoided
}

// posVoided is the answer to a void at the till.
type posVoided struct {
	Sale   *sales.Sale
	Refund *sales.Refund
}

var posKinds = []string{"phone", "card", "qr"}

func (c *Console) newPOS(r *http.Request) posData {
	d := posData{Kind: "phone", Kinds: posKinds, Errors: map[string]string{}, Receipt: newNumber("WEB-"),
		Rows: make([]posRow, posRows)}
	a := server.Actor(r)
	d.StoreID = a.StoreID
	if d.StoreID == 0 {
		d.Stores, _ = c.app.Shops.List(r.Context())
		if len(d.Stores) > 0 {
			d.StoreID = d.Stores[0].ID
		}
	}
	return d
}

// readPOS reads what the form carries between steps.
func (c *Console) readPOS(r *http.Request, d *posData) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	if k := f("kind"); k != "" {
		d.Kind = k
	}
	d.Value, d.Points = f("value"), f("points")
	if rc := f("receipt"); rc != "" {
		d.Receipt = rc
	}
	if d.Stores != nil {
		if id, err := strconv.ParseInt(f("store_id"), 10, 64); err == nil && id > 0 {
			d.StoreID = id
		}
	}
	for i := range d.Rows {
		d.Rows[i].Code, d.Rows[i].Qty = f(fmt.Sprintf("code_%d", i)), f(fmt.Sprintf("qty_%d", i))
	}
}

func (c *Console) posPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "pos", "web.pos.title", c.newPOS(r))
}

// posSuggestLimit is how many products the till's code fields suggest.
const posSuggestLimit = 20

// posProducts answers the code fields' suggestions: the active products
// whose code or name starts with what was typed into any of them, as the
// options of the page's datalist.
func (c *Console) posProducts(w http.ResponseWriter, r *http.Request) {
	q := ""
	for k, vs := range r.URL.Query() {
		if strings.HasPrefix(k, "code_") && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			q = strings.TrimSpace(vs[0])
			break
		}
	}
	var ps []*catalog.Product
	if q != "" {
		var err error
		if ps, _, err = c.app.Products.List(r.Context(), server.Actor(r), catalog.Filter{Q: q, Limit: posSuggestLimit}); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.renderView(w, http.StatusOK, "pos", "pos-products", c.newView(r, "web.pos.title", ps))
}

// identify finds the member named by the form; nil without a value.
func (c *Console) identify(r *http.Request, d *posData) error {
	if d.Value == "" {
		return nil
	}
	ctx, actor := r.Context(), server.Actor(r)
	var m *member.Member
	var err error
	switch d.Kind {
	case "card":
		m, err = c.app.Members.FindByCard(ctx, actor, d.Value, member.View{})
	case "qr":
		m, err = c.app.Members.FindByQR(ctx, actor, d.Value, member.View{})
	default:
		d.Kind = "phone"
		m, err = c.app.Members.FindByPhone(ctx, actor, d.Value, member.View{})
	}
	if err != nil {
		if e, ok := linli.AsError(err); ok && e.Kind != linli.KindInternal {
			// Whatever the service calls the field, the form has one box.
			for i := range e.Fields {
				e.Fields[i].Field = "value"
			}
			if len(e.Fields) == 0 {
				e.Fields = []linli.FieldError{{Field: "value", Code: e.Code, Message: e.Message}}
			}
		}
		return err
	}
	d.Member = m
	d.Balance, err = c.app.Sales.Balance(ctx, m.ID)
	return err
}

// posIdentify looks the member up and shows the form again with them.
func (c *Console) posIdentify(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	d := c.newPOS(r)
	c.readPOS(r, &d)
	if d.Value == "" {
		c.posFailed(w, r, d, linli.Invalid("member.query_required", "value", "give a phone, card or code"))
		return
	}
	if err := c.identify(r, &d); err != nil {
		c.posFailed(w, r, d, err)
		return
	}
	c.render(w, r, http.StatusOK, "pos", "web.pos.title", d)
}

var lineField = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^lines\[(\d+)\]`) })

func (c *Console) posFailed(w http.ResponseWriter, r *http.Request, d posData, err error) {
	lang := c.lang(r)
	e, isErr := linli.AsError(err)
	if !isErr || e.Kind == linli.KindInternal || e.Kind == linli.KindUnauthorized || e.Kind == linli.KindForbidden {
		c.fail(w, r, err)
		return
	}
	// Line errors go next to their row; the rest by field name.
	rest := &linli.Error{Kind: e.Kind, Code: e.Code, Message: e.Message}
	moved := 0
	for _, f := range e.Fields {
		if m := lineField().FindStringSubmatch(f.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(d.Rows) {
				if d.Rows[i].Error == "" {
					d.Rows[i].Error = fieldText(lang, f)
				}
				moved++
				continue
			}
		}
		if strings.HasPrefix(f.Field, "payments") {
			f.Field = "points"
		}
		rest.Fields = append(rest.Fields, f)
	}
	if moved > 0 && len(rest.Fields) == 0 {
		d.Error = locale.T(lang, "web.form.fix_fields")
	} else {
		d.Errors, d.Error, _ = formErrors(lang, rest, "value", "points", "store_id")
	}
	r = r.Clone(r.Context())
	r.URL.Path = "/pos"
	c.render(w, r, http.StatusUnprocessableEntity, "pos", "web.pos.title", d)
}

// posSell commits the sale: the lines typed, the points to redeem, and
// cash for the rest. The receipt number comes from the page, so sending
// the form twice sells once.
func (c *Console) posSell(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	d := c.newPOS(r)
	c.readPOS(r, &d)
	if err := c.identify(r, &d); err != nil {
		c.posFailed(w, r, d, err)
		return
	}
	if d.StoreID == 0 {
		c.posFailed(w, r, d, linli.Invalid("pos.till_required", "store_id", "pick the store that sells"))
		return
	}
	if err := auth.Require(actor, auth.POSUse, d.StoreID); err != nil {
		c.fail(w, r, err)
		return
	}
	var v linli.Validation
	var lines []sales.LineInput
	for i, row := range d.Rows {
		if row.Code == "" && row.Qty == "" {
			continue
		}
		field := fmt.Sprintf("lines[%d]", len(lines))
		q, err := strconv.ParseInt(row.Qty, 10, 64)
		if row.Qty == "" {
			q, err = 1, nil
		}
		if err != nil || q <= 0 {
			d.Rows[i].Error = fieldText(c.lang(r), linli.FieldError{Code: "form.number_invalid"})
			v.Add(field+".quantity", "form.number_invalid", "%q is not a number", row.Qty)
		}
		if row.Code == "" {
			v.Add(field+".product", "sale.product_required", "the line has no product")
		}
		lines = append(lines, sales.LineInput{Product: row.Code, Quantity: q})
	}
	// Rows left blank are skipped; errors name the rows that were sent.
	index := []int{}
	for i, row := range d.Rows {
		if row.Code != "" || row.Qty != "" {
			index = append(index, i)
		}
	}
	remap := func(err error) error {
		e, ok := linli.AsError(err)
		if !ok {
			return err
		}
		cp := *e
		cp.Fields = nil
		for _, f := range e.Fields {
			if m := lineField().FindStringSubmatch(f.Field); m != nil {
				if n, _ := strconv.Atoi(m[1]); n < len(index) {
					f.Field = fmt.Sprintf("lines[%d]", index[n]) + f.Field[len(m[0]):]
				}
			}
			cp.Fields = append(cp.Fields, f)
		}
		return &cp
	}
	if err := v.Err(); err != nil {
		c.posFailed(w, r, d, remap(err))
		return
	}
	if len(lines) == 0 {
		c.posFailed(w, r, d, linli.Invalid("sale.lines_required", "lines", "add at least one product"))
		return
	}
	_, total, err := c.app.Sales.Quote(ctx, lines)
	if err != nil {
		c.posFailed(w, r, d, remap(err))
		return
	}
	var points int64
	if d.Points != "" {
		if points, err = strconv.ParseInt(d.Points, 10, 64); err != nil || points < 0 {
			c.posFailed(w, r, d, linli.Invalid("form.number_invalid", "points", "%q is not a number", d.Points))
			return
		}
	}
	in := sales.SaleInput{Receipt: d.Receipt, Cashier: actor.Name, SoldAt: c.app.Now(), Lines: lines}
	if d.Member != nil {
		in.MemberID = d.Member.ID
	}
	var cash int64 = total
	if points > 0 {
		rules, err := c.app.Sales.Rules(ctx)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		pay := points * rules.RedeemFenPerPoint
		if d.Member == nil || pay > total {
			c.posFailed(w, r, d, linli.Invalid("pos.points_exceed_total", "points", "the points pay more than the sale"))
			return
		}
		in.Payments = append(in.Payments, sales.PaymentInput{Method: sales.PayPoints, Points: points, AmountFen: pay})
		cash -= pay
	}
	if cash > 0 || len(in.Payments) == 0 {
		in.Payments = append(in.Payments, sales.PaymentInput{Method: sales.PayCash, AmountFen: cash})
	}
	till := sales.Till{StoreID: d.StoreID, Terminal: consoleTerminal(actor)}
	s, err := c.app.Sales.Commit(ctx, actor, till, in)
	if linli.ErrorCode(err) == "sale.receipt_conflict" {
		// The form was sent twice (a double click, a reload): its receipt
		// number was made for this page, so the first sale is the answer.
		if first, ferr := c.app.Sales.SaleOfReceipt(ctx, till, in.Receipt); ferr == nil {
			s, err = first, nil
		}
	}
	if err != nil {
		c.posFailed(w, r, d, remap(err))
		return
	}
	d.Result, d.Total, d.Cash, d.Redeemed = s, total, cash, points
	if voidable(s) {
		d.VoidSale = s
	}
	// The next sale starts afresh, with the member still at the till.
	d.Rows, d.Points, d.Receipt = make([]posRow, posRows), "", newNumber("WEB-")
	if d.Member != nil {
		d.Balance = s.Balance
	}
	c.render(w, r, http.StatusOK, "pos", "web.pos.title", d)
}

// posVoid voids a sale from the till's answer, the member staying at the
// till for the sale rung up again.
func (c *Console) posVoid(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	d := c.newPOS(r)
	c.readPOS(r, &d)
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("sale_id")), 10, 64)
	if err != nil || id <= 0 {
		c.posFailed(w, r, d, linli.Invalid("pos.sale_required", "sale_id", "no sale to void"))
		return
	}
	s, err := c.saleByID(r, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ref, err := c.voidSale(r, s, reason)
	// The member is looked up after the void, so the balance shown is
	// the one it left.
	if ierr := c.identify(r, &d); ierr != nil {
		c.posFailed(w, r, d, ierr)
		return
	}
	if err != nil {
		fields, general, ok := formErrors(c.lang(r), err, "reason")
		if !ok {
			c.fail(w, r, err)
			return
		}
		d.VoidError = general
		if msg := fields["reason"]; msg != "" {
			d.VoidError = msg
		}
		if voidable(s) {
			d.VoidSale, d.VoidReason = s, reason
		} else {
			d.Error = general
		}
		r = r.Clone(r.Context())
		r.URL.Path = "/pos"
		c.render(w, r, http.StatusUnprocessableEntity, "pos", "web.pos.title", d)
		return
	}
	if s, err = c.saleByID(r, id); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Voided = &posVoided{Sale: s, Refund: ref}
	r = r.Clone(r.Context())
	r.URL.Path = "/pos"
	c.render(w, r, http.StatusOK, "pos", "web.pos.title", d)
}
