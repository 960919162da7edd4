package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/store"
)

// How much of the ledger and the purchases the profile shows; the full
// ledger has its own page.
const (
	profileEntries = 10
	profileSales   = 10
	ledgerPage     = 50
)

// pointsCard is the points part of the profile.
type pointsCard struct {
	Balance   int64
	Lots      []loyalty.Lot
	Entries   []sales.Entry
	More      bool // the ledger has more than is shown
	Sales     []sales.Sale
	MoreSales string // the URL of the next page of purchases, "" when none
}

// memberPoints loads the points and purchases of member id for the profile.
func (c *Console) memberPoints(r *http.Request, id int64) (*pointsCard, error) {
	ctx := r.Context()
	var p pointsCard
	var err error
	if p.Balance, err = c.app.Sales.Balance(ctx, id); err != nil {
		return nil, err
	}
	if p.Lots, err = c.app.Sales.Lots(ctx, id); err != nil {
		return nil, err
	}
	var next int64
	if p.Entries, next, err = c.app.Sales.EntriesPage(ctx, id, 0, profileEntries); err != nil {
		return nil, err
	}
	p.More = next != 0
	before, _ := strconv.ParseInt(r.URL.Query().Get("sales_before"), 10, 64)
	if p.Sales, next, err = c.app.Sales.SalesByMember(ctx, id, before, profileSales); err != nil {
		return nil, err
	}
	if next != 0 {
		p.MoreSales = fmt.Sprintf("/members/%d?sales_before=%d#purchases", id, next)
	}
	return &p, nil
}

type ledgerData struct {
	M         *member.Member
	Balance   int64
	Entries   []sales.Entry
	NextURL   string
	CanAdjust bool
	Adjust    adjustForm
}

// adjustForm is the form that adds or takes points by hand.
type adjustForm struct {
	Direction string // add or take
	Points    string
	Reason    string
	// Once is the form's one-time token: a second post of the same form
	// (a double click, a resend after a timeout) adjusts nothing more.
	Once   string
	Errors map[string]string
	Error  string
}

// adjustable reports whether points may be changed by hand on m: not on a
// record merged into another or erased.
func adjustable(m *member.Member) bool {
	return m.Status == member.StatusActive || m.Status == member.StatusInactive
}

// loadLedger loads member id and a page of their ledger.
func (c *Console) loadLedger(r *http.Request, id int64) (ledgerData, error) {
	ctx := r.Context()
	m, err := c.app.Members.Get(ctx, server.Actor(r), id, member.View{})
	if err != nil {
		return ledgerData{}, err
	}
	d := ledgerData{M: m, CanAdjust: server.Can(r, auth.PointsAdjust) && adjustable(m),
		Adjust: adjustForm{Direction: "add", Once: onceToken(), Errors: map[string]string{}}}
	if d.Balance, err = c.app.Sales.Balance(ctx, id); err != nil {
		return d, err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	var next int64
	if d.Entries, next, err = c.app.Sales.EntriesPage(ctx, id, before, ledgerPage); err != nil {
		return d, err
	}
	if next != 0 {
		d.NextURL = fmt.Sprintf("/members/%d/points?before=%d", id, next)
	}
	return d, nil
}

// memberLedger is the member's whole points ledger, a page at a time.
func (c *Console) memberLedger(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.loadLedger(r, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "member_points", "web.ledger.title", d)
}

// onceToken is a fresh one-time form token.
func onceToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// onceTTL is how long a used form token is remembered.
const onceTTL = 24 * time.Hour

// once runs fn the first time a form with token once is posted with these
// values; a repeat of a form that succeeded succeeds without running fn
// again, one still running is a conflict. A form without a token (or a
// malformed one) just runs. The tokens share the API's idempotency keys,
// under the staff member and a prefix of their own.
func (c *Console) once(r *http.Request, once string, values []string, fn func() error) error {
	if len(once) != 32 {
		return fn()
	}
	if _, err := hex.DecodeString(once); err != nil {
		return fn()
	}
	a := server.Actor(r)
	actor, key := "staff:"+strconv.FormatInt(a.StaffID, 10), "console:"+once
	request := r.Method + " " + r.URL.Path
	sum := sha256.New()
	for _, v := range values {
		sum.Write([]byte(v))
		sum.Write([]byte{0})
	}
	hash := sum.Sum(nil)
	idem := store.NewIdempotency(c.app.DB)
	ctx := context.WithoutCancel(r.Context())
	rec, err := idem.Claim(ctx, actor, key, request, hash, c.app.Now(), onceTTL)
	if err != nil {
		return err
	}
	if rec != nil {
		switch {
		case rec.Request != request || !bytes.Equal(rec.Hash, hash):
			return linli.Errorf(linli.KindConflict, "form.already_sent", "this form was already sent with other values")
		case rec.Status == 0:
			return linli.Errorf(linli.KindConflict, "form.in_progress", "this form is still being processed")
		}
		return nil // done the first time
	}
	if err := fn(); err != nil {
		if rerr := idem.Release(ctx, actor, key); rerr != nil {
			slog.Error("web: release form token", "err", rerr)
		}
		return err
	}
	if err := idem.Finish(ctx, actor, key, http.StatusSeeOther, "", nil); err != nil {
		slog.Error("web: record form token", "err", err)
	}
	return nil
}

// pointsAdjust adds or takes points by hand, with a reason; the entry
// and its audit line are written together by the ledger.
func (c *Console) pointsAdjust(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.loadLedger(r, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if !adjustable(d.M) {
		// The page offers no form for such a record; say why on its own.
		c.fail(w, r, linli.Errorf(linli.KindConflict, "points.member_closed", "member %d is merged or erased", id))
		return
	}
	f := adjustForm{Direction: r.PostFormValue("direction"), Points: strings.TrimSpace(r.PostFormValue("points")),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if f.Direction != "take" {
		f.Direction = "add"
	}
	// Both inputs are checked before the ledger is asked, so the form
	// shows every problem at once.
	var v linli.Validation
	n, perr := strconv.ParseInt(strings.TrimPrefix(f.Points, "+"), 10, 64)
	if perr != nil || n <= 0 {
		v.Add("points", "form.points_invalid", "%q is not a positive number of points", f.Points)
	}
	if f.Reason == "" {
		v.Add("reason", "ledger.reason_required", "an adjustment needs a reason")
	}
	f.Once = r.PostFormValue("once")
	if err = v.Err(); err == nil {
		if f.Direction == "take" {
			n = -n
		}
		done := fmt.Sprintf("/members/%d/points", id)
		err = c.once(r, f.Once, []string{f.Direction, f.Points, f.Reason}, func() error {
			_, err := c.app.Sales.Adjust(r.Context(), server.Actor(r), id, n, f.Reason)
			return err
		})
		if err == nil {
			redirect(w, r, done, "adjusted")
			return
		}
	}
	if e, ok := linli.AsError(err); ok {
		for i := range e.Fields {
			if e.Fields[i].Field == "delta" {
				e.Fields[i].Field = "points"
			}
		}
	}
	fields, general, ok := formErrors(c.lang(r), err, "points", "reason")
	if !ok {
		c.fail(w, r, err)
		return
	}
	f.Errors, f.Error = fields, general
	f.Once = onceToken() // the form shown again is a new form
	d.Adjust = f
	c.render(w, r, http.StatusUnprocessableEntity, "member_points", "web.ledger.title", d)
}

// ---- one sale ----

type saleData struct {
	S         *sales.Sale
	StoreName string
	Refunds   []sales.RefundRow
	Refunded  map[int]int64 // line number → quantity refunded by each refund, for the table
	CanRefund bool
	RefundNo  string
	Qty       map[int]string // what was typed per line, after an error
	Reason    string
	Error     string
	// A sale rung up by mistake may be voided while nothing of it is
	// refunded.
	CanVoid    bool
	VoidReason string
	VoidErrors map[string]string
	VoidError  string
}

// Refundable is what is left of a line to refund.
func (d saleData) Refundable(l sales.Line) int64 { return l.Quantity - l.RefundedQty }

// loadSale reads the sale at {id}. Staff confined to a store see only its
// sales; another store's is not found rather than forbidden.
func (c *Console) loadSale(r *http.Request) (*sales.Sale, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return c.saleByID(r, id)
}

// saleByID reads sale id, within the viewer's store.
func (c *Console) saleByID(r *http.Request, id int64) (*sales.Sale, error) {
	s, err := c.app.Sales.GetSale(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if scope := auth.Scope(server.Actor(r)); scope != 0 && s.StoreID != scope {
		return nil, linli.Errorf(linli.KindNotFound, "sale.not_found", "sale %d not found", id)
	}
	return s, nil
}

func (c *Console) saleData(r *http.Request, s *sales.Sale) (saleData, error) {
	d := saleData{S: s, StoreName: c.storeNames(r)[s.StoreID], Qty: map[int]string{}, RefundNo: newNumber("WEB-R-")}
	refunds, err := c.app.Sales.RefundsOfSale(r.Context(), s.ID)
	if err != nil {
		return d, err
	}
	d.Refunds = refunds
	d.CanRefund = server.Can(r, auth.POSUse) && s.Status == sales.StatusCompleted &&
		auth.Allowed(server.Actor(r), auth.POSUse, s.StoreID)
	d.CanVoid = d.CanRefund && voidable(s) && len(refunds) == 0
	d.VoidErrors = map[string]string{}
	return d, nil
}

// voidable reports whether s may be voided: completed, nothing refunded.
func voidable(s *sales.Sale) bool { return s.Status == sales.StatusCompleted && s.RefundedFen == 0 }

// voidSale voids s at its own store, as a refund from the console's till.
// The ledger takes a void without a reason; the console asks for one,
// since a void undoes a whole receipt.
func (c *Console) voidSale(r *http.Request, s *sales.Sale, reason string) (*sales.Refund, error) {
	if s.Status == sales.StatusVoided {
		// Said here, not by the ledger: a second void with another reason
		// would be refused as a different request under the same number.
		return nil, linli.Errorf(linli.KindConflict, "sale.voided", "sale %d was voided", s.ID)
	}
	if reason == "" {
		return nil, linli.Invalid("sale.void_reason_required", "reason", "say why the sale is voided")
	}
	actor := server.Actor(r)
	if err := auth.Require(actor, auth.POSUse, s.StoreID); err != nil {
		return nil, err
	}
	till := sales.Till{StoreID: s.StoreID, Terminal: consoleTerminal(actor)}
	return c.app.Sales.Void(r.Context(), actor, till, s.ID, sales.VoidInput{Reason: reason})
}

// saleVoid voids the sale from its page.
func (c *Console) saleVoid(w http.ResponseWriter, r *http.Request) {
	s, err := c.loadSale(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if _, err = c.voidSale(r, s, reason); err == nil {
		redirect(w, r, fmt.Sprintf("/sales/%d", s.ID), "voided")
		return
	}
	fields, general, ok := formErrors(c.lang(r), err, "reason")
	if !ok {
		c.fail(w, r, err)
		return
	}
	// The sale may have changed meanwhile (voided from another tab).
	if s, err = c.loadSale(r); err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.saleData(r, s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.VoidReason, d.VoidErrors, d.VoidError = reason, fields, general
	if !d.CanVoid {
		d.Error = general // the void form is gone; say why at the top
	}
	c.render(w, r, http.StatusUnprocessableEntity, "sale", "web.sale.title", d)
}

func (c *Console) saleShow(w http.ResponseWriter, r *http.Request) {
	s, err := c.loadSale(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.saleData(r, s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "sale", "web.sale.title", d)
}

// saleRefund refunds the whole sale (all=1) or the quantities typed per
// line. The refund number comes from the page, so sending the form twice
// refunds once.
func (c *Console) saleRefund(w http.ResponseWriter, r *http.Request) {
	s, err := c.loadSale(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	actor := server.Actor(r)
	if err := auth.Require(actor, auth.POSUse, s.StoreID); err != nil {
		c.fail(w, r, err)
		return
	}
	in := sales.RefundInput{RefundNo: strings.TrimSpace(r.PostFormValue("refund_no")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), All: r.PostFormValue("all") == "1"}
	if in.RefundNo == "" {
		in.RefundNo = newNumber("WEB-R-")
	}
	qty := map[int]string{}
	if !in.All {
		for _, l := range s.Lines {
			field := fmt.Sprintf("qty_%d", l.LineNo)
			v := strings.TrimSpace(r.PostFormValue(field))
			qty[l.LineNo] = v
			if v == "" || v == "0" {
				continue
			}
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n < 0 {
				err = linli.Invalid("form.number_invalid", field, "%q is not a number", v)
				break
			}
			in.Lines = append(in.Lines, sales.RefundLineInput{LineNo: l.LineNo, Quantity: n})
		}
	}
	if err == nil {
		// The refund happens where the sale did: an owner refunding from the
		// office acts for the sale's store.
		till := sales.Till{StoreID: s.StoreID, Terminal: consoleTerminal(actor)}
		if _, err = c.app.Sales.Refund(r.Context(), actor, till, s.ID, in); err == nil {
			redirect(w, r, fmt.Sprintf("/sales/%d", s.ID), "refunded")
			return
		}
	}
	_, general, ok := formErrors(c.lang(r), err)
	if !ok {
		c.fail(w, r, err)
		return
	}
	d, derr := c.saleData(r, s)
	if derr != nil {
		c.fail(w, r, derr)
		return
	}
	d.RefundNo, d.Qty, d.Reason, d.Error = in.RefundNo, qty, in.Reason, general
	c.render(w, r, http.StatusUnprocessableEntity, "sale", "web.sale.title", d)
}

// consoleTerminal is the till of a sale rung up in the console, as the API
// names it for staff: console:<username>.
func consoleTerminal(a linli.Actor) string { return "console:" + a.Name }

// newNumber is a receipt or refund number no till uses: prefix, the time
// and a random part, so two tabs never collide.
func newNumber(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return prefix + time.Now().UTC().Format("20060102150405") + "-" + hex.EncodeToString(b)
}
