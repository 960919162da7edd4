package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/tier"
)

// tierCard is the member profile's tier: where the member stands, the way
// to the next tier and the latest changes.
type tierCard struct {
	sales.TierStatus
	Config  tier.Config
	History []sales.TierChange
}

const profileTierHistory = 5

func (c *Console) memberTier(r *http.Request, id int64) (*tierCard, error) {
	ctx := r.Context()
	cfg, err := c.app.Sales.TierConfig(ctx)
	if err != nil {
		return nil, err
	}
	st, err := c.app.Sales.MemberTier(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := c.app.Sales.TierHistory(ctx, id, profileTierHistory)
	if err != nil {
		return nil, err
	}
	return &tierCard{TierStatus: *st, Config: cfg, History: h}, nil
}

// ---- the tier settings ----

// tierRow is one tier as the form shows it.
type tierRow struct {
	Code, Name, NameEn                                   string
	MinSpend, MinVisits, MinPoints, Multiplier, Discount string
	FreeDelivery, PriorityService, BirthdayGift, Remove  bool
	Errors                                               map[string]string // by input: code, name, min_spend …
	Error                                                string            // about the tier as a whole
}

// Blank reports whether nothing was typed in the row: the empty row the
// form offers for a new tier.
func (t tierRow) Blank() bool {
	return t.Code == "" && t.Name == "" && t.NameEn == "" && t.MinSpend == "" && t.MinVisits == "" && t.MinPoints == "" &&
		t.Multiplier == "" && t.Discount == "" && !t.FreeDelivery && !t.PriorityService && !t.BirthdayGift
}

type tierFormData struct {
	Rows                                          []tierRow
	WindowDays, ReviewEveryDays, DormantAfterDays string
	Errors                                        map[string]string
	Error                                         string
}

// tierFields are the form's inputs outside the rows.
var tierFields = []string{"window_days", "review_every_days", "dormant_after_days"}

// tierInputs names a row's input for a tier's field.
var tierInputs = map[string]string{"code": "code", "name": "name", "min_spend_fen": "min_spend", "min_visits": "min_visits",
	"min_points": "min_points", "benefits.points_multiplier": "multiplier", "benefits.discount_permille": "discount"}

func count(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func valuesOfTiers(c tier.Config) tierFormData {
	d := tierFormData{WindowDays: strconv.Itoa(c.WindowDays), ReviewEveryDays: strconv.Itoa(c.ReviewEveryDays),
		DormantAfterDays: strconv.Itoa(c.DormantAfterDays), Errors: map[string]string{}}
	for _, t := range c.Tiers {
		d.Rows = append(d.Rows, tierRow{Code: t.Code, Name: t.Name, NameEn: t.NameEn, MinSpend: yuanInput(t.MinSpendFen),
			MinVisits: count(t.MinVisits), MinPoints: count(t.MinPoints), Multiplier: perMille(t.PointsMultiplier),
			FreeDelivery: t.FreeDelivery, PriorityService: t.PriorityService, BirthdayGift: t.BirthdayGift})
		if t.DiscountPermille != 0 {
			d.Rows[len(d.Rows)-1].Discount = percent(t.DiscountPermille)
		}
	}
	d.Rows = append(d.Rows, tierRow{})
	return d
}

func readTierForm(r *http.Request) tierFormData {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := tierFormData{WindowDays: f("window_days"), ReviewEveryDays: f("review_every_days"),
		DormantAfterDays: f("dormant_after_days"), Errors: map[string]string{}}
	n, _ := strconv.Atoi(f("tier_rows"))
	n = min(max(n, 0), tier.MaxTiers+1)
	for i := range n {
		g := func(name string) string { return f(fmt.Sprintf("tier_%s_%d", name, i)) }
		d.Rows = append(d.Rows, tierRow{Code: g("code"), Name: g("name"), NameEn: g("name_en"), MinSpend: g("min_spend"),
			MinVisits: g("min_visits"), MinPoints: g("min_points"), Multiplier: g("multiplier"), Discount: g("discount"),
			FreeDelivery: g("free_delivery") != "", PriorityService: g("priority_service") != "",
			BirthdayGift: g("birthday_gift") != "", Remove: g("remove") != ""})
	}
	return d
}

// tierConfig turns the form into a configuration; rowOf maps each tier to
// its row. What does not parse is reported with what the configuration's
// own check finds.
func tierConfig(d tierFormData) (cfg tier.Config, rowOf []int, err error) {
	var bad linli.Validation
	days := func(field, s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad.Add(field, "form.number_invalid", "%q is not a number", s)
		}
		return n
	}
	cfg.WindowDays = days("window_days", d.WindowDays)
	cfg.ReviewEveryDays = days("review_every_days", d.ReviewEveryDays)
	cfg.DormantAfterDays = days("dormant_after_days", d.DormantAfterDays)
	for i, row := range d.Rows {
		if row.Remove || row.Blank() {
			continue
		}
		field := fmt.Sprintf("tiers[%d].", len(cfg.Tiers))
		t := tier.Tier{Code: strings.ToLower(row.Code), Name: row.Name, NameEn: row.NameEn,
			Benefits: tier.Benefits{FreeDelivery: row.FreeDelivery, PriorityService: row.PriorityService, BirthdayGift: row.BirthdayGift}}
		var ok bool
		if row.MinSpend != "" {
			if t.MinSpendFen, ok = parseYuan(row.MinSpend); !ok {
				bad.Add(field+"min_spend_fen", "form.amount_invalid", "%q is not an amount in yuan", row.MinSpend)
			}
		}
		whole := func(name, s string) int64 {
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				bad.Add(field+name, "form.number_invalid", "%q is not a number", s)
			}
			return n
		}
		t.MinVisits = whole("min_visits", row.MinVisits)
		t.MinPoints = whole("min_points", row.MinPoints)
		t.PointsMultiplier = loyalty.PerMille // ×1 when left empty
		if row.Multiplier != "" {
			if t.PointsMultiplier, ok = parsePerMille(row.Multiplier); !ok {
				bad.Add(field+"benefits.points_multiplier", "form.decimal_multiplier_invalid", "%q is not a multiplier", row.Multiplier)
			}
		}
		if row.Discount != "" {
			if t.DiscountPermille, ok = parsePercent(row.Discount); !ok {
				bad.Add(field+"benefits.discount_permille", "form.percent_invalid", "%q is not a percentage", row.Discount)
			}
		}
		cfg.Tiers = append(cfg.Tiers, t)
		rowOf = append(rowOf, i)
	}
	if err := bad.Err(); err != nil {
		e, _ := linli.AsError(err)
		if ve, ok := linli.AsError(cfg.Validate()); ok {
			e.Fields = append(e.Fields, ve.Fields...)
		}
		return cfg, rowOf, e
	}
	return cfg, rowOf, cfg.Validate()
}

// placeTierErrors moves each tier's errors to its row; it reports whether
// any did.
func placeTierErrors(lang string, e *linli.Error, d *tierFormData, rowOf []int) bool {
	moved := false
	kept := e.Fields[:0:0]
	for _, f := range e.Fields {
		list, i, rest, ok := indexed(f.Field)
		if !ok || list != "tiers" || i >= len(rowOf) {
			kept = append(kept, f)
			continue
		}
		row := &d.Rows[rowOf[i]]
		msg := fieldText(lang, f)
		switch input := tierInputs[rest]; {
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
	}
	e.Fields = kept
	return moved
}

func (c *Console) tiersPage(w http.ResponseWriter, r *http.Request) {
	cfg, err := c.app.Sales.TierConfig(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "tiers", "web.tiers.title", valuesOfTiers(cfg))
}

func (c *Console) tiersSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	d := readTierForm(r)
	cfg, rowOf, err := tierConfig(d)
	if err == nil {
		if err = c.app.Sales.SetTierConfig(r.Context(), server.Actor(r), cfg); err == nil {
			redirect(w, r, "/settings/tiers", "saved")
			return
		}
	}
	lang := c.lang(r)
	moved := false
	if e, ok := linli.AsError(err); ok && e.Kind == linli.KindInvalid {
		moved = placeTierErrors(lang, e, &d, rowOf)
	}
	fields, general, ok := formErrors(lang, err, tierFields...)
	if !ok {
		c.fail(w, r, err)
		return
	}
	if e, _ := linli.AsError(err); moved && len(e.Fields) == 0 {
		general = locale.T(lang, "web.form.fix_fields")
	}
	if len(d.Rows) == 0 || !d.Rows[len(d.Rows)-1].Blank() {
		d.Rows = append(d.Rows, tierRow{})
	}
	d.Errors, d.Error = fields, general
	c.render(w, r, http.StatusUnprocessableEntity, "tiers", "web.tiers.title", d)
}
