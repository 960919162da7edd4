package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/tier"
)

// loyaltyFields are the settings form's inputs; a rule's field error
// ("category_multipliers[生鲜]", "expiry.months") lands on the input it
// came from.
var loyaltyFields = []string{"points_per", "per_yuan", "excluded_categories", "category_multipliers", "expiry",
	"redeem_fen_per_point"}

type loyaltyValues struct {
	PointsPer, PerYuan, Excluded, Multipliers, ExpiryKind, ExpiryMonths, Redeem string
}

type loyaltyData struct {
	R           sales.Rules
	V           loyaltyValues
	Errors      map[string]string
	Error       string
	ExpiryKinds []string
	Tiers       tier.Config
}

var expiryKinds = []string{loyalty.ExpiryEndOfFollowingYear, loyalty.ExpiryMonths, loyalty.ExpiryNever}

// perMille writes a per-mille multiplier as a decimal: 1500 → "1.5".
func perMille(n int64) string {
	s := fmt.Sprintf("%d.%03d", n/1000, n%1000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// parsePerMille reads "1.5" as 1500; at most three decimals, no floats.
func parsePerMille(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 3 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > loyalty.MaxMultiplier {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		frac += strings.Repeat("0", 3-len(frac))
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, false
		}
	}
	return w*1000 + f, true
}

func valuesOfRules(r sales.Rules) loyaltyValues {
	v := loyaltyValues{PointsPer: strconv.FormatInt(r.PointsPer, 10), PerYuan: strconv.FormatInt(r.PerYuan, 10),
		Excluded: strings.Join(r.ExcludedCategories, ", "), ExpiryKind: r.Expiry.Kind,
		Redeem: strconv.FormatInt(r.RedeemFenPerPoint, 10)}
	if r.Expiry.Months > 0 {
		v.ExpiryMonths = strconv.Itoa(r.Expiry.Months)
	}
	keys := make([]string, 0, len(r.CategoryMultipliers))
	for k := range r.CategoryMultipliers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var lines []string
	for _, k := range keys {
		lines = append(lines, k+"="+perMille(r.CategoryMultipliers[k]))
	}
	v.Multipliers = strings.Join(lines, "\n")
	return v
}

// applyForm writes the form's values over r; what does not parse is
// reported per field, together with what the rules' own check finds.
func applyForm(r sales.Rules, v loyaltyValues) (sales.Rules, error) {
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
	r.ExcludedCategories = splitTags(v.Excluded)
	r.CategoryMultipliers = map[string]int64{}
	for _, line := range strings.Split(v.Multipliers, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, x, ok := strings.Cut(strings.ReplaceAll(line, "＝", "="), "=")
		pm, good := parsePerMille(x)
		if !ok || !good || strings.TrimSpace(k) == "" {
			bad.Add("category_multipliers", "form.multiplier_invalid", "%q is not category=multiplier", line)
			continue
		}
		r.CategoryMultipliers[strings.TrimSpace(k)] = pm
	}
	r.Expiry = loyalty.ExpiryPolicy{Kind: v.ExpiryKind}
	if v.ExpiryKind == loyalty.ExpiryMonths {
		r.Expiry.Months = int(num("expiry", v.ExpiryMonths))
	}
	if err := bad.Err(); err != nil {
		e, _ := linli.AsError(err)
		if ve, ok := linli.AsError(r.Validate()); ok {
			e.Fields = append(e.Fields, ve.Fields...)
		}
		return r, e
	}
	return r, r.Validate()
}

func (c *Console) loyaltyPage(w http.ResponseWriter, r *http.Request) {
	rules, err := c.app.Sales.Rules(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := loyaltyData{R: rules, V: valuesOfRules(rules), Errors: map[string]string{}, ExpiryKinds: expiryKinds}
	if d.Tiers, err = c.app.Sales.TierConfig(r.Context()); err != nil {
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
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	v := loyaltyValues{PointsPer: f("points_per"), PerYuan: f("per_yuan"), Excluded: f("excluded_categories"),
		Multipliers: r.PostFormValue("category_multipliers"), ExpiryKind: f("expiry_kind"),
		ExpiryMonths: f("expiry_months"), Redeem: f("redeem_fen_per_point")}
	next, err := applyForm(cur, v)
	if err == nil {
		if err = c.app.Sales.SetRules(ctx, server.Actor(r), next); err == nil {
			redirect(w, r, "/settings/loyalty", "saved")
			return
		}
	}
	// Name each rule's error after the input it came from.
	if e, ok := linli.AsError(err); ok {
		for i, fe := range e.Fields {
			name := fe.Field
			if j := strings.IndexAny(name, "[."); j > 0 {
				name = name[:j]
			}
			e.Fields[i].Field = name
		}
	}
	fields, general, ok := formErrors(c.lang(r), err, loyaltyFields...)
	if !ok {
		c.fail(w, r, err)
		return
	}
	d := loyaltyData{R: cur, V: v, Errors: fields, Error: general, ExpiryKinds: expiryKinds}
	if d.Tiers, err = c.app.Sales.TierConfig(ctx); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusUnprocessableEntity, "loyalty", "web.loyalty.title", d)
}
