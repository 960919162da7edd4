package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/tier"
)

// loyaltyFields are the settings form's inputs; a rule's field error
// ("category_multipliers[生鲜]", "expiry.months") lands on the input it
// came from. Promotions have one row each and their errors go to the row.
var loyaltyFields = []string{"points_per", "per_yuan", "min_spend", "excluded_categories", "excluded_products",
	"category_multipliers", "product_multipliers", "expiry", "redeem_fen_per_point"}

// maxPromoRows bounds the promotion rows a form may send.
const maxPromoRows = 100

type loyaltyValues struct {
	PointsPer, PerYuan, MinSpend, Redeem string
	Excluded, ExcludedProducts           string
	Multipliers, ProductMultipliers      string
	ExpiryKind, ExpiryMonths             string
	Promotions                           []promoRow
}

// promoRow is one promotion as the form shows it: one row of inputs.
type promoRow struct {
	Name, MonthDays, Dates, From, To, Multiplier string
	Days                                         [7]bool // by time.Weekday: Days[0] is Sunday
	Remove                                       bool
	Errors                                       map[string]string // by input: name, days, month_days, dates, from, to, multiplier
	Error                                        string            // about the row as a whole
}

// Blank reports whether nothing was typed in the row: the empty row the
// form offers for a new promotion.
func (p promoRow) Blank() bool {
	return p.Name == "" && p.MonthDays == "" && p.Dates == "" && p.From == "" && p.To == "" && p.Multiplier == "" &&
		!slices.Contains(p.Days[:], true)
}

// promoSummary describes a stored promotion in words.
type promoSummary struct {
	Name, X, When string
}

type loyaltyData struct {
	R           sales.Rules
	V           loyaltyValues
	Errors      map[string]string
	Error       string
	ExpiryKinds []string
	Weekdays    []int // the day checkboxes, Monday first
	Promos      []promoSummary
	Tiers       tier.Config
}

var (
	expiryKinds = []string{loyalty.ExpiryEndOfFollowingYear, loyalty.ExpiryMonths, loyalty.ExpiryNever}
	weekdays    = []int{1, 2, 3, 4, 5, 6, 0}
)

// multiplierLines writes a code → per-mille map one "code=1.5" a line,
// sorted by code.
func multiplierLines(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, k+"="+perMille(m[k]))
	}
	return strings.Join(lines, "\n")
}

func rowOfPromotion(p loyalty.Promotion) promoRow {
	row := promoRow{Name: p.Name, Dates: strings.Join(p.Dates, ", "), From: p.From, To: p.To, Multiplier: perMille(p.Multiplier)}
	for _, d := range p.Weekdays {
		if d >= time.Sunday && d <= time.Saturday {
			row.Days[d] = true
		}
	}
	days := make([]string, len(p.MonthDays))
	for i, d := range p.MonthDays {
		days[i] = strconv.Itoa(d)
	}
	row.MonthDays = strings.Join(days, ", ")
	return row
}

func valuesOfRules(r sales.Rules) loyaltyValues {
	v := loyaltyValues{PointsPer: strconv.FormatInt(r.PointsPer, 10), PerYuan: strconv.FormatInt(r.PerYuan, 10),
		MinSpend: yuanInput(r.MinSpendFen), Redeem: strconv.FormatInt(r.RedeemFenPerPoint, 10),
		Excluded: strings.Join(r.ExcludedCategories, ", "), ExcludedProducts: strings.Join(r.ExcludedProducts, ", "),
		Multipliers: multiplierLines(r.CategoryMultipliers), ProductMultipliers: multiplierLines(r.ProductMultipliers),
		ExpiryKind: r.Expiry.Kind}
	if r.Expiry.Months > 0 {
		v.ExpiryMonths = strconv.Itoa(r.Expiry.Months)
	}
	for _, p := range r.Promotions {
		v.Promotions = append(v.Promotions, rowOfPromotion(p))
	}
	v.Promotions = append(v.Promotions, promoRow{})
	return v
}

// readLoyaltyForm reads the posted form as typed.
func readLoyaltyForm(r *http.Request) loyaltyValues {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	v := loyaltyValues{PointsPer: f("points_per"), PerYuan: f("per_yuan"), MinSpend: f("min_spend"),
		Redeem: f("redeem_fen_per_point"), Excluded: f("excluded_categories"), ExcludedProducts: f("excluded_products"),
		Multipliers: r.PostFormValue("category_multipliers"), ProductMultipliers: r.PostFormValue("product_multipliers"),
		ExpiryKind: f("expiry_kind"), ExpiryMonths: f("expiry_months")}
	n, _ := strconv.Atoi(f("promo_rows"))
	n = min(max(n, 0), maxPromoRows)
	for i := range n {
		row := promoRow{Name: f(fmt.Sprintf("promo_name_%d", i)), MonthDays: f(fmt.Sprintf("promo_month_days_%d", i)),
			Dates: f(fmt.Sprintf("promo_dates_%d", i)), From: f(fmt.Sprintf("promo_from_%d", i)),
			To: f(fmt.Sprintf("promo_to_%d", i)), Multiplier: f(fmt.Sprintf("promo_x_%d", i)),
			Remove: r.PostFormValue(fmt.Sprintf("promo_remove_%d", i)) != ""}
		for _, d := range r.PostForm[fmt.Sprintf("promo_days_%d", i)] {
			if wd, err := strconv.Atoi(d); err == nil && wd >= 0 && wd < len(row.Days) {
				row.Days[wd] = true
			}
		}
		v.Promotions = append(v.Promotions, row)
	}
	return v
}

// parseMultipliers reads lines of code=multiplier; a line that is not one
// is reported under field with code.
func parseMultipliers(bad *linli.Validation, field, code, text string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, x, ok := strings.Cut(strings.ReplaceAll(line, "＝", "="), "=")
		pm, good := parsePerMille(x)
		if !ok || !good || strings.TrimSpace(k) == "" {
			bad.Add(field, code, "%q is not code=multiplier", line)
			continue
		}
		out[strings.TrimSpace(k)] = pm
	}
	return out
}

// applyForm writes the form's values over r; what does not parse is
// reported per field, together with what the rules' own check finds.
// rowOf maps each promotion of the result to its row on the form.
func applyForm(r sales.Rules, v loyaltyValues) (_ sales.Rules, rowOf []int, _ error) {
	var bad linli.Validation
	num := func(field, s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad.Add(field, "form.number_invalid", "%q is not a number", s)
		}
		return n
	}
	r.PointsPer = num("points_per", v.PointsPer)
	r.PerYuan = num("per_yuan", v.PerYuan)
	r.RedeemFenPerPoint = num("redeem_fen_per_point", v.Redeem)
	r.MinSpendFen = 0
	if v.MinSpend != "" {
		fen, ok := parseYuan(v.MinSpend)
		if !ok {
			bad.Add("min_spend", "form.amount_invalid", "%q is not an amount in yuan", v.MinSpend)
		}
		r.MinSpendFen = fen
	}
	r.ExcludedCategories = splitTags(v.Excluded)
	r.ExcludedProducts = splitCodes(v.ExcludedProducts)
	r.CategoryMultipliers = parseMultipliers(&bad, "category_multipliers", "form.multiplier_invalid", v.Multipliers)
	r.ProductMultipliers = parseMultipliers(&bad, "product_multipliers", "form.product_multiplier_invalid", v.ProductMultipliers)
	r.Expiry = loyalty.ExpiryPolicy{Kind: v.ExpiryKind}
	if v.ExpiryKind == loyalty.ExpiryMonths {
		r.Expiry.Months = int(num("expiry", v.ExpiryMonths))
	}
	r.Promotions = nil
	for i, row := range v.Promotions {
		if row.Remove || row.Blank() {
			continue
		}
		field := fmt.Sprintf("promotions[%d]", len(r.Promotions))
		p := loyalty.Promotion{Name: row.Name, Dates: splitCodes(row.Dates), From: clock(row.From), To: clock(row.To)}
		for _, d := range weekdays {
			if row.Days[d] {
				p.Weekdays = append(p.Weekdays, time.Weekday(d))
			}
		}
		days, ok := parseInts(row.MonthDays)
		if !ok {
			bad.Add(field+".month_days", "loyalty.month_day_invalid", "%q is not a list of days", row.MonthDays)
		}
		p.MonthDays = days
		x, ok := parsePerMille(row.Multiplier)
		if !ok {
			bad.Add(field+".multiplier", "form.promo_multiplier_invalid", "%q is not a multiplier", row.Multiplier)
		}
		p.Multiplier = x
		r.Promotions = append(r.Promotions, p)
		rowOf = append(rowOf, i)
	}
	if err := bad.Err(); err != nil {
		e, _ := linli.AsError(err)
		if ve, ok := linli.AsError(r.Validate()); ok {
			e.Fields = append(e.Fields, ve.Fields...)
		}
		return r, rowOf, e
	}
	return r, rowOf, r.Validate()
}

// promoInputs names the promotion row's input for a rule's field.
var promoInputs = map[string]string{"name": "name", "weekdays": "days", "month_days": "month_days", "dates": "dates",
	"from": "from", "to": "to", "multiplier": "multiplier"}

// placeLoyaltyErrors moves each promotion's errors to its row on the form
// and names every other error after its input; it reports whether any
// error went to a row.
func placeLoyaltyErrors(lang string, e *linli.Error, v *loyaltyValues, rowOf []int) bool {
	moved := false
	kept := e.Fields[:0:0]
	for _, f := range e.Fields {
		if list, i, rest, ok := indexed(f.Field); ok && list == "promotions" && i < len(rowOf) {
			row := &v.Promotions[rowOf[i]]
			input := promoInputs[strings.SplitN(strings.SplitN(rest, "[", 2)[0], ".", 2)[0]]
			if f.Code == "loyalty.multiplier_invalid" {
				// A promotion's bound is not a category's: at least ×1.
				f.Code = "form.promo_multiplier_invalid"
			}
			msg := fieldText(lang, f)
			switch {
			case input == "":
				if row.Error == "" {
					row.Error = msg
				}
			case row.Errors == nil:
				row.Errors = map[string]string{input: msg}
			case row.Errors[input] == "":
				row.Errors[input] = msg
			}
			moved = true
			continue
		}
		switch name := f.Field; {
		case name == "min_spend_fen":
			f.Field = "min_spend"
		case strings.HasPrefix(name, "expiry."):
			f.Field = "expiry"
		default:
			if j := strings.IndexByte(name, '['); j > 0 {
				f.Field = name[:j]
			}
		}
		kept = append(kept, f)
	}
	e.Fields = kept
	return moved
}

// describePromotions says when each stored promotion applies, in lang.
func describePromotions(lang string, ps []loyalty.Promotion) []promoSummary {
	sep := locale.T(lang, "web.loyalty.list_sep")
	var out []promoSummary
	for _, p := range ps {
		var when []string
		if len(p.Weekdays) > 0 {
			var names []string
			for _, d := range weekdays {
				if slices.Contains(p.Weekdays, time.Weekday(d)) {
					names = append(names, locale.T(lang, fmt.Sprintf("web.loyalty.weekday_%d", d)))
				}
			}
			when = append(when, locale.T(lang, "web.loyalty.when_weekdays", strings.Join(names, sep)))
		}
		if len(p.MonthDays) > 0 {
			days := make([]string, len(p.MonthDays))
			for i, d := range p.MonthDays {
				days[i] = strconv.Itoa(d)
			}
			when = append(when, locale.T(lang, "web.loyalty.when_month_days", strings.Join(days, sep)))
		}
		if len(p.Dates) > 0 {
			when = append(when, strings.Join(p.Dates, sep))
		}
		if p.From != "" || p.To != "" {
			when = append(when, locale.T(lang, "web.loyalty.when_window", p.From, p.To))
		}
		out = append(out, promoSummary{Name: p.Name, X: perMille(p.Multiplier), When: strings.Join(when, " · ")})
	}
	return out
}

func (c *Console) loyaltyView(r *http.Request, rules sales.Rules, v loyaltyValues) (loyaltyData, error) {
	d := loyaltyData{R: rules, V: v, Errors: map[string]string{}, ExpiryKinds: expiryKinds, Weekdays: weekdays,
		Promos: describePromotions(c.lang(r), rules.Promotions)}
	var err error
	d.Tiers, err = c.app.Sales.TierConfig(r.Context())
	return d, err
}

func (c *Console) loyaltyPage(w http.ResponseWriter, r *http.Request) {
	rules, err := c.app.Sales.Rules(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.loyaltyView(r, rules, valuesOfRules(rules))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "loyalty", "web.loyalty.title", d)
}

func (c *Console) loyaltySave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := c.app.Sales.Rules(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := readLoyaltyForm(r)
	next, rowOf, err := applyForm(cur, v)
	if err == nil {
		if err = c.app.Sales.SetRules(ctx, server.Actor(r), next); err == nil {
			redirect(w, r, "/settings/loyalty", "saved")
			return
		}
	}
	lang := c.lang(r)
	moved := false
	if e, ok := linli.AsError(err); ok && e.Kind == linli.KindInvalid {
		moved = placeLoyaltyErrors(lang, e, &v, rowOf)
	}
	fields, general, ok := formErrors(lang, err, loyaltyFields...)
	if !ok {
		c.fail(w, r, err)
		return
	}
	if e, _ := linli.AsError(err); moved && len(e.Fields) == 0 {
		general = locale.T(lang, "web.form.fix_fields")
	}
	// The form keeps a row to add one more.
	if len(v.Promotions) == 0 || !v.Promotions[len(v.Promotions)-1].Blank() {
		v.Promotions = append(v.Promotions, promoRow{})
	}
	d, derr := c.loyaltyView(r, cur, v)
	if derr != nil {
		c.fail(w, r, derr)
		return
	}
	d.Errors, d.Error = fields, general
	c.render(w, r, http.StatusUnprocessableEntity, "loyalty", "web.loyalty.title", d)
}
