package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/audit"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/insight"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/tier"
)

// OpenAPIVersion is the version of the OpenAPI specification the document
// follows.
const OpenAPIVersion = "3.1.0"

// schemaTypes names the Go types that appear in the document; each becomes
// a component schema, generated from the type's JSON tags so that the
// document cannot drift from what the handlers send.
var schemaTypes = []struct {
	name string
	v    any
}{
	{"Member", member.Member{}},
	{"AnalyticsSegments", analysis.Overview{}},
	{"AnalyticsValue", ValueAnswer{}},
	{"AnalyticsChurn", ChurnAnswer{}},
	{"AnalyticsClusters", analysis.ClusterReport{}},
	{"AnalysisRun", analysis.RunRecord{}},
	{"AnalysisDetail", analysis.Detail{}},
	{"AnalysisRunList", RunList{}},
	{"MemberScores", analysis.Scored{}},
	{"Audience", analysis.Audience{}},
	{"AudienceInput", analysis.AudienceInput{}},
	{"AudiencePage", AudiencePage{}},
	{"AudienceMemberPage", AudienceMemberPage{}},
	{"MemberInput", member.Input{}},
	{"Consent", member.Consent{}},
	{"MemberPage", MemberPage{}},
	{"MemberList", MemberList{}},
	{"MemberExport", member.Export{}},
	{"DuplicateGroup", member.DuplicateGroup{}},
	{"DuplicateList", DuplicateList{}},
	{"QualityCounts", member.QualityCounts{}},
	{"QualityReport", QualityReport{}},
	{"ImportJob", importer.Job{}},
	{"ImportUpload", ImportUpload{}},
	{"TagsInput", TagsInput{}},
	{"ConsentInput", ConsentInput{}},
	{"EraseInput", EraseInput{}},
	{"MergeInput", MergeInput{}},
	{"QRCode", QRCode{}},
	{"Product", catalog.Product{}},
	{"ProductInput", catalog.Input{}},
	{"ProductPage", ProductPage{}},
	{"Store", shop.Store{}},
	{"StoreInput", shop.Input{}},
	{"StoreList", StoreList{}},
	{"Staff", auth.Staff{}},
	{"StaffInput", auth.StaffInput{}},
	{"StaffUpdate", auth.StaffUpdate{}},
	{"StaffList", StaffList{}},
	{"PasswordInput", PasswordInput{}},
	{"PasswordChange", PasswordChange{}},
	{"Me", Me{}},
	{"APIKey", auth.APIKey{}},
	{"APIKeyInput", APIKeyInput{}},
	{"APIKeyCreated", APIKeyCreated{}},
	{"APIKeyList", APIKeyList{}},
	{"AuditEntry", audit.Entry{}},
	{"AuditPage", AuditPage{}},
	{"LoginInput", LoginInput{}},
	{"SessionInfo", SessionInfo{}},
	{"IdentifyInput", IdentifyInput{}},
	{"Identify", Identify{}},
	{"SaleInput", sales.SaleInput{}},
	{"LineInput", sales.LineInput{}},
	{"PaymentInput", sales.PaymentInput{}},
	{"Sale", sales.Sale{}},
	{"Line", sales.Line{}},
	{"Payment", sales.Payment{}},
	{"PointsReason", loyalty.Reason{}},
	{"RefundInput", sales.RefundInput{}},
	{"VoidInput", sales.VoidInput{}},
	{"RefundLineInput", sales.RefundLineInput{}},
	{"Refund", sales.Refund{}},
	{"PointsBalance", PointsBalance{}},
	{"Entry", sales.Entry{}},
	{"Adjustment", Adjustment{}},
	{"ExpiringPoints", ExpiringPoints{}},
	{"ExpiringPage", ExpiringPage{}},
	{"LiabilityRow", sales.LiabilityRow{}},
	{"LiabilityReport", sales.LiabilityReport{}},
	{"Problem", server.Problem{}},
	{"FieldError", linli.FieldError{}},
	{"TierConfig", tier.Config{}},
	{"Tier", tier.Tier{}},
	{"TierBenefits", tier.Benefits{}},
	{"TierActivity", tier.Activity{}},
	{"TierStatus", sales.TierStatus{}},
	{"TierChange", sales.TierChange{}},
	{"MemberTier", MemberTier{}},
	{"InsightBounds", insight.Bounds{}},
	{"BasketRules", insight.Rules{}},
	{"BasketRule", insight.Rule{}},
	{"RuleItem", insight.Item{}},
	{"Lifecycle", insight.Lifecycle{}},
	{"LifecycleStage", insight.StageName{}},
	{"LifecycleMonth", insight.MonthStages{}},
	{"LifecycleTransition", insight.Transition{}},
	{"LifecycleFlow", insight.Flow{}},
	{"MemberGroups", insight.Groups{}},
	{"MemberGroup", insight.Group{}},
	{"GroupCategoryShare", insight.CategoryShare{}},
	{"ShoppingHabits", insight.Habits{}},
	{"HabitPeak", insight.Peak{}},
	{"CategoryShare", insight.Share{}},
	{"BasketSizeBand", insight.SizeBand{}},
	{"DaypartMembers", insight.Daypart{}},
	{"CategoryForecasts", insight.Forecasts{}},
	{"CategoryForecast", insight.CategoryForecast{}},
}

// schemaPatches adds what Go types cannot say: enums and descriptions.
var schemaPatches = sync.OnceValue(func() map[string]map[string]map[string]any {
	return map[string]map[string]map[string]any{
		"Member": {
			"status":   {"enum": []string{member.StatusActive, member.StatusInactive, member.StatusMerged, member.StatusErased}},
			"gender":   {"enum": []string{"", member.GenderFemale, member.GenderMale}},
			"name":     {"description": "Masked (张**) unless the view is unmasked."},
			"phone":    {"description": "Masked (138****1234) unless the view is unmasked."},
			"birthday": {"description": "YYYY-MM-DD; masked to the year (1985-**-**) unless the view is unmasked."},
			"masked":   {"description": "True when the personal fields are masked for this caller."},
		},
		"MemberInput": {
			"phone":    {"description": "A mainland China mobile number: 11 digits starting 13–19; +86, spaces and dashes are accepted."},
			"gender":   {"description": "F or M (女 or 男 are accepted); empty for unknown."},
			"birthday": {"description": "YYYY-MM-DD (2006/1/2, 20060102 and 2006年1月2日 are accepted)."},
			"channel":  {"description": "How the member came: " + strings.Join(member.AcquisitionChannels, ", ") + "; default counter."},
			"card_no":  {"description": "Assigned when empty."},
			"consent":  {"description": "Channel (" + strings.Join(member.ConsentChannels, ", ") + ") → granted."},
			"created_at": {"description": "When the member registered, for members brought from an earlier system: " +
				"between 1990 and now (422 member.created_at_invalid otherwise). Absent: now on registration, unchanged on update."},
		},
		"Consent":      {"channel": {"enum": member.ConsentChannels}},
		"ConsentInput": {"granted": {"type": "boolean"}},
		"Staff": {
			"role": {"enum": auth.Roles()},
			"lang": {"enum": auth.Langs},
		},
		"StaffInput":  {"role": {"enum": auth.Roles()}, "lang": {"enum": auth.Langs}},
		"StaffUpdate": {"role": {"enum": auth.Roles()}, "lang": {"enum": auth.Langs}},
		"Product": {
			"unit":      {"enum": catalog.Units},
			"price_fen": {"description": "The price in fen (1/100 yuan): per piece, or per kilogram when the unit is weight."},
			"barcode":   {"description": "8–14 digits; empty when the product has none."},
		},
		"ProductInput": {
			"code":      {"description": "1–32 letters, digits, dots, dashes or underscores; unique."},
			"unit":      {"enum": []string{"", catalog.UnitPiece, catalog.UnitWeight}, "description": "Default piece."},
			"price_fen": {"minimum": 0, "maximum": catalog.MaxPriceFen, "description": "The price in fen: per piece, or per kilogram when the unit is weight."},
			"barcode":   {"description": "8–14 digits; optional."},
			"active":    {"type": "boolean", "description": "Ignored on creation; left as it is when absent."},
		},
		"StoreInput": {
			"timezone": {"description": "An IANA time zone; default Asia/Shanghai."},
			"active":   {"type": "boolean", "description": "Ignored on creation; left as it is when absent."},
		},
		"ImportJob": {
			"status":      {"enum": []string{importer.JobRunning, importer.JobDone, importer.JobFailed}},
			"kind":        {"enum": []string{importer.KindMembers}},
			"total":       {"description": "Rows to write; 0 while the file is being checked. When the job is done: the data rows read."},
			"done":        {"description": "Rows written so far; while the file is being checked, rows read."},
			"errors":      {"description": "Rows not imported; see errors.csv."},
			"message":     {"description": "Why a failed job failed, in the uploader's language."},
			"finished_at": {"description": "Absent while the job runs."},
		},
		"ImportUpload": {
			"file": {"contentMediaType": "application/octet-stream",
				"description": "The list: CSV (UTF-8 or GB18030; comma, semicolon or tab), TSV, TXT or XLSX; its name's extension must say which. " +
					"The first row is the header; common Chinese and English column titles are recognised."},
			"map": {"description": "Columns by field, as `linli import --map` takes them: field=column title, separated by commas, " +
				"e.g. name=姓名,phone=手机. Fields: " + strings.Join(importer.Fields, ", ") + "."},
			"store_id": {"description": "The store new members are registered to; default the caller's store."},
		},
		"IdentifyInput": {
			"phone": {"description": "The member's mobile number."},
			"card":  {"description": "The member's card number."},
			"qr":    {"description": "The scanned payload of the member's QR code."},
		},
		"SaleInput": {
			"receipt_no":    {"minLength": 1, "description": "The till's receipt number; with the store and terminal it identifies the sale."},
			"member_id":     {"description": "The member identified at the till; left out for an anonymous sale."},
			"sold_at":       {"description": "When the till rang the sale up; not in the future."},
			"channel":       {"enum": []string{"", sales.ChannelStore, sales.ChannelOnline}, "description": "Default store."},
			"pickup_status": {"description": "Online orders: pending, ready, collected or cancelled."},
			"lines":         {"minItems": 1},
			"payments":      {"description": "What pays the sale; the amounts add up to the lines' total."},
		},
		"LineInput": {
			"product":        {"description": "The product code."},
			"quantity":       {"minimum": 1, "description": "Pieces, or grams for a product sold by weight."},
			"unit_price_fen": {"minimum": 0, "description": "Per piece or per kilogram, in fen; 0: the catalogue price."},
			"discount_fen":   {"minimum": 0},
			"name":           {"description": "For a product not in the catalogue."},
			"category":       {"description": "For a product not in the catalogue."},
			"weight":         {"description": "For a product not in the catalogue: sold by weight."},
		},
		"PaymentInput": {
			"method":     {"enum": paymentMethods},
			"amount_fen": {"minimum": 0},
			"points":     {"minimum": 0, "description": "For method points: the points spent; amount_fen is what they pay."},
		},
		"Payment": {"method": {"enum": paymentMethods}},
		"Sale": {
			"status":         {"enum": []string{sales.StatusCompleted, sales.StatusRefunded, sales.StatusVoided}},
			"channel":        {"enum": []string{sales.ChannelStore, sales.ChannelOnline}},
			"amount_fen":     {"description": "What the lines come to, after line discounts."},
			"points_balance": {"description": "The member's balance after the sale."},
			"points_reasons": {"description": "Which rules earned the points."},
		},
		"Line": {
			"unit":     {"description": "piece: quantity in pieces; weight: in grams, price per kilogram."},
			"quantity": {"description": "Pieces, or grams."},
		},
		"RefundInput": {
			"refund_no": {"minLength": 1, "description": "The till's refund number; with the store and terminal it identifies the refund."},
			"all":       {"description": "Refund every line in full; lines is then left out."},
		},
		"VoidInput":       {"reason": {"maxLength": 200, "description": "Why the sale is voided, kept with the refund."}},
		"RefundLineInput": {"quantity": {"minimum": 1, "description": "Pieces or grams."}},
		"Refund": {
			"points_reversed":    {"description": "Earned points taken back."},
			"points_returned":    {"description": "Spent points given back."},
			"points_unrecovered": {"description": "Earned points already spent, so not taken back."},
			"points_balance":     {"description": "The member's balance after the refund."},
		},
		"Entry": {
			"kind":   {"enum": []string{"earn", "redeem", "expire", "refund_reversal", "refund_return", "adjust"}},
			"source": {"enum": []string{"sale", "refund", "manual", "job"}},
			"delta":  {"description": "Points added (positive) or taken (negative)."},
		},
		"Adjustment": {
			"delta":  {"description": "Points to add (positive) or take (negative); not 0."},
			"reason": {"minLength": 1, "description": "Why; kept in the ledger and the audit log."},
		},
		"ExpiringPoints": {
			"name":            {"description": "Masked (张**)."},
			"points":          {"description": "The points that expire within the window."},
			"earliest_expiry": {"description": "When the first of them expire (the first instant they are no longer valid)."},
		},
		"ExpiringPage": {"days": {"minimum": 1, "maximum": expiringMaxDays}},
		"LiabilityRow": {
			"store_id":     {"minimum": 0, "description": "The store where the points were earned; 0 for adjustments, which belong to no store."},
			"store":        {"description": "The store's code; chain for store 0."},
			"expiry_month": {"pattern": `^([0-9]{4}-[0-9]{2}|never)$`, "description": "The last month the points are valid, YYYY-MM in the store's time zone (Asia/Shanghai for the chain), or never."},
			"value_fen":    {"description": "The points' value in fen by the current redemption rate."},
		},
		"LiabilityReport": {
			"at":                   {"description": "The instant the report describes: points expired by then are not counted."},
			"redeem_fen_per_point": {"description": "The redemption rate the values use."},
			"rows":                 {"description": "By store (the chain last), then by month (never last)."},
		},
		"APIKeyCreated": {"key": {"description": "The secret, lk_<prefix>_<secret>. Shown only in this answer."}},
		"AudienceInput": {
			"name":          {"minLength": 1, "maxLength": analysis.MaxAudienceName},
			"source":        {"enum": []string{analysis.SourceChurn, analysis.SourceSegment}},
			"segment":       {"enum": append([]string{""}, analysis.SegmentKeys()...)},
			"min_value_fen": {"minimum": 0},
			"p_alive_below": {"minimum": 0, "maximum": 1, "description": "Churn only; default 0.5."},
			"store_id":      {"description": "Only members of this home store; a store-bound caller always gets their own."},
		},
		"AnalysisRun": {
			"status":     {"enum": []string{analysis.StatusRunning, analysis.StatusDone, analysis.StatusFailed, analysis.StatusInterrupted}},
			"phase":      {"enum": []string{"", analysis.PhaseReading, analysis.PhaseScoring, analysis.PhaseWriting}},
			"started_by": {"description": "The staff member who started it; empty for the nightly job and the command line."},
		},
		"AnalysisDetail": {
			"bgnbd_skipped":         {"description": "Why the purchase model (BG/NBD) was not fitted, in English with the figures; absent when it was."},
			"bgnbd_skip_code":       {"enum": skipCodes, "description": "The case of bgnbd_skipped, for a reader in another language."},
			"gamma_gamma_skipped":   {"description": "Why the spend model (Gamma-Gamma) was not fitted; absent when it was."},
			"gamma_gamma_skip_code": {"enum": skipCodes, "description": "The case of gamma_gamma_skipped."},
			"clusters_skipped":      {"description": "Why the members were not clustered; absent when they were."},
			"clusters_skip_code":    {"enum": skipCodes, "description": "The case of clusters_skipped."},
		},
		"MemberScores": {
			"segment":      {"enum": analysis.SegmentKeys()},
			"monetary_fen": {"description": "Spend over the history the run saw, net of refunds; the churn list's value at risk."},
			"p_alive":      {"description": "Null when the purchase model was not fitted."},
			"clv_fen":      {"description": "12-month lifetime value; null when the spend model was not fitted."},
		},
		"Problem": {
			"code":   {"description": "Stable machine-readable code, e.g. member.phone_invalid."},
			"detail": {"description": "A sentence in the caller's language (Accept-Language: zh-CN or en)."},
			"fields": {"description": "For invalid input: every field at fault."},
		},
		"TierConfig": {
			"tiers": {"minItems": 1, "maxItems": tier.MaxTiers,
				"description": "Lowest first. The first has no thresholds (every member has it); every other has at least one."},
			"window_days":        {"minimum": 1, "maximum": tier.MaxWindowDays, "description": "The rolling window activity is counted over."},
			"review_every_days":  {"minimum": 0, "maximum": tier.MaxWindowDays, "description": "How long a tier holds after an upgrade or a review before the daily review may lower it; 0 reviews at every run."},
			"dormant_after_days": {"minimum": 0, "maximum": tier.MaxWindowDays, "description": "A member without a sale for this long goes to the lowest tier at the next review; 0 never."},
		},
		"Tier": {
			"code":          {"pattern": "^[a-z0-9_]{1,20}$", "description": "Unique; members' stored tiers refer to it."},
			"name":          {"minLength": 1, "maxLength": 40, "description": "The Chinese name."},
			"name_en":       {"maxLength": 40, "description": "The English name; the Chinese one is shown when empty."},
			"min_spend_fen": {"minimum": 0, "maximum": tier.MaxThreshold, "description": "Spend over the window, net of refunds, in fen; 0: no such threshold."},
			"min_points":    {"minimum": 0, "maximum": tier.MaxThreshold, "description": "Points earned over the window, net of reversals; 0: no such threshold."},
			"min_visits":    {"minimum": 0, "maximum": tier.MaxThreshold, "description": "Sales over the window not wholly refunded; 0: no such threshold. Any one threshold met qualifies."},
		},
		"TierBenefits": {
			"discount_permille": {"minimum": 0, "maximum": 999, "description": "A discount off the price, per mille: 50 is 5%."},
			"points_multiplier": {"minimum": 1, "maximum": loyalty.MaxMultiplier, "description": "Applied when points are earned, per mille: 1000 is ×1, 1500 ×1.5."},
		},
		"TierActivity": {
			"spend_fen": {"description": "Spend over the window, net of refunds, in fen."},
			"points":    {"description": "Points earned over the window, net of reversals."},
			"visits":    {"description": "Sales over the window not wholly refunded."},
		},
		"TierStatus": {
			"since":          {"description": "When the member reached the tier; 0001-01-01T00:00:00Z for the lowest tier never left."},
			"qualifies":      {"description": "What the window qualifies for now: below tier after refunds or quiet months, until the review."},
			"next":           {"description": "The tier above; absent at the top."},
			"spend_left_fen": {"description": "Spend still needed for next, 0 when next has no spend threshold; any one threshold is enough."},
			"points_left":    {"description": "Points still needed for next, 0 when next has no points threshold."},
			"visits_left":    {"description": "Visits still needed for next, 0 when next has no visits threshold."},
		},
		"TierChange": {
			"reason":    {"enum": []string{sales.TierUpgrade, sales.TierDowngrade, sales.TierDormant, sales.TierManual}},
			"source_id": {"description": "The sale that earned an upgrade."},
		},
		"MemberTier": {"history": {"description": "The latest changes of tier, newest first."}},
		"InsightBounds": {
			"from":        {"format": "date"},
			"to":          {"format": "date", "description": "The last day, included."},
			"zone":        {"description": "The IANA time zone of the dates."},
			"computed_at": {"description": "When the figures were computed; they are reused for a few minutes."},
		},
		"BasketRules": {
			"level": {"enum": insight.Levels},
			"found": {"description": "Rules at the support and confidence, before the lift and item filters."},
		},
		"RuleItem":       {"key": {"description": "The product code, or the category."}},
		"LifecycleMonth": {"counts": {"description": "Members by stage key at the end of the month (today for the current one)."}},
		"ShoppingHabits": {
			"heat":            {"description": "Visits by weekday (0 Sunday … 6 Saturday) and hour (0–23), in the zone."},
			"heat_amount_fen": {"description": "Net takings by weekday and hour."},
		},
		"CategoryForecasts": {"baseline": {"enum": []string{"naive", "snaive"}}},
	}
})

// skipCodes are the cases of a skipped model in an analysis run.
var skipCodes = []string{analysis.SkipTooFewBuyers, analysis.SkipTooFewRepeat, analysis.SkipNoDropout, analysis.SkipNeedsBGNBD,
	analysis.SkipNoFit}

var paymentMethods = []string{sales.PayCash, sales.PayCard, sales.PayMobile, sales.PayPoints, sales.PayCoupon, sales.PayGiftCard}

// OpenAPI returns the OpenAPI 3.1 document describing every route.
func (x *API) OpenAPI() []byte {
	x.docOnce.Do(func() {
		b, err := json.MarshalIndent(x.document(), "", "  ")
		if err != nil {
			panic("api: openapi document: " + err.Error()) // static data; a failure is a bug
		}
		x.doc = b
	})
	return x.doc
}

type obj = map[string]any

var wildcardRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{([a-z_]+)\}`) })

func (x *API) document() obj {
	g := newSchemaGen()
	schemas := obj{}
	for _, st := range schemaTypes {
		s := g.object(reflect.TypeOf(st.v))
		for field, patch := range schemaPatches()[st.name] {
			props := s["properties"].(obj)
			p, ok := props[field].(obj)
			if !ok {
				panic("api: schema patch for unknown field " + st.name + "." + field)
			}
			for k, v := range patch {
				p[k] = v
			}
		}
		schemas[st.name] = s
	}
	// JSON request bodies are decoded strictly: an unknown field is an error.
	for _, o := range x.ops {
		if o.body != "" && !o.form {
			schemas[o.body].(obj)["additionalProperties"] = false
		}
	}
	schemas["OpenAPIDocument"] = obj{"type": "object", "description": "An OpenAPI 3.1 document."}

	paths := obj{}
	for _, o := range x.ops {
		item, _ := paths[o.path].(obj)
		if item == nil {
			item = obj{}
			paths[o.path] = item
		}
		item[strings.ToLower(o.method)] = o.operation()
	}
	return obj{
		"openapi": OpenAPIVersion,
		"info": obj{
			"title":   "Linli API",
			"version": "1.0.0",
			"description": "Members, the till (sales, refunds, points), products, stores, staff, API keys and the audit log of a Linli installation.\n\n" +
				"Terminals authenticate with `Authorization: Bearer <api key>`; scripts and the console with the " +
				"`linli_session` cookie from `POST /api/v1/session` plus the `X-CSRF-Token` header on unsafe requests. " +
				"Errors are `application/problem+json` with a stable `code`; messages follow `Accept-Language` (zh-CN, en). " +
				"Lists use cursor pagination: pass `next_cursor` back as `cursor` until it is null. " +
				"Times are RFC 3339; personal fields are masked unless the role may see them and `unmask=1` is asked for.",
		},
		"tags": []obj{
			{"name": "members", "description": "Members: registration, lookup at the till, tags, consent, privacy requests, duplicates."},
			{"name": "reports", "description": "Reports: data quality, points liability."},
			{"name": "audiences", "description": "Saved lists of members chosen from the analysis, for campaigns."},
			{"name": "products", "description": "The product catalogue shared by every store. Prices are fen; weighed products are priced per kilogram."},
			{"name": "pos", "description": "The till: identifying members, committing sales idempotently by receipt number, refunds."},
			{"name": "points", "description": "Members' points: the balance, the ledger, adjustments by hand and points that expire soon."},
			{"name": "tiers", "description": "Membership tiers: the configuration, and each member's tier and its history."},
			{"name": "imports", "description": "Member imports from CSV and XLSX files, run in the background."},
			{"name": "stores", "description": "The chain's stores."},
			{"name": "staff", "description": "Staff accounts and the caller."},
			{"name": "api-keys", "description": "API keys for POS terminals."},
			{"name": "audit", "description": "The audit log."},
			{"name": "session", "description": "Logging in and out (for scripts)."},
			{"name": "analytics", "description": "Analyses of the store's own sales: RFM segments, lifetime value, churn risk, clusters and the runs that compute them; association rules, lifecycle, member groups, habits, forecasts."},
			{"name": "meta", "description": "About the API itself."},
		},
		"paths": paths,
		"components": obj{
			"schemas": schemas,
			"responses": obj{
				"Problem": obj{
					"description": "An RFC 9457 problem document with a stable code.",
					"content":     obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}},
				},
			},
			"parameters": obj{
				"IdempotencyKey": obj{
					"name": IdempotencyHeader, "in": "header", "required": false,
					"description": "Makes the request safe to retry for 24 hours: a repeat with the same key and body answers the " +
						"first response (with Idempotent-Replayed: true) and changes nothing; the same key with another body is 409 " +
						"request.idempotency_conflict.",
					"schema": obj{"type": "string", "minLength": 1, "maxLength": 255},
				},
			},
			"securitySchemes": obj{
				"bearerAuth": obj{"type": "http", "scheme": "bearer", "description": "A terminal's API key (lk_…)."},
				"sessionCookie": obj{"type": "apiKey", "in": "cookie", "name": server.SessionCookie,
					"description": "A staff session; unsafe methods also need the X-CSRF-Token header."},
			},
		},
	}
}

func (o op) operation() obj {
	desc := o.desc
	switch o.access {
	case server.Public:
		desc = strings.TrimSpace(desc + "\n\nNo authentication.")
	case server.Staff:
		desc = strings.TrimSpace(desc + "\n\nStaff session only.")
	}
	if o.perm != "" {
		desc = strings.TrimSpace(desc + "\n\nPermission: `" + string(o.perm) + "`.")
	}
	op := obj{
		"operationId": o.id,
		"summary":     o.summary,
		"tags":        []string{o.tag},
	}
	if desc != "" {
		op["description"] = desc
	}
	if o.perm != "" {
		op["x-linli-permission"] = string(o.perm)
	}
	var params []obj
	for _, m := range wildcardRE().FindAllStringSubmatch(o.path, -1) {
		name := m[1]
		p := obj{"name": name, "in": "path", "required": true}
		if name == "channel" {
			p["schema"] = obj{"type": "string", "enum": member.ConsentChannels}
		} else {
			p["schema"] = obj{"type": "integer", "format": "int64", "minimum": 1}
		}
		params = append(params, p)
	}
	for _, q := range o.query {
		s := obj{"type": q.typ}
		if q.typ == "integer" {
			s["format"] = "int64"
		}
		if len(q.enum) > 0 {
			s["enum"] = q.enum
		}
		p := obj{"name": q.name, "in": "query", "required": false, "schema": s}
		if q.desc != "" {
			p["description"] = q.desc
		}
		params = append(params, p)
	}
	if o.idem {
		params = append(params, obj{"$ref": "#/components/parameters/IdempotencyKey"})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if o.body != "" {
		media := "application/json"
		if o.form {
			media = "multipart/form-data"
		}
		op["requestBody"] = obj{
			"required": !o.bodyOpt,
			"content":  obj{media: obj{"schema": obj{"$ref": "#/components/schemas/" + o.body}}},
		}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := obj{"description": http.StatusText(status)}
	switch {
	case o.resp != "":
		ok["content"] = obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/" + o.resp}}}
	case o.media != "":
		ok["content"] = obj{o.media: obj{"schema": obj{"type": "string"}}}
	}
	if o.located {
		ok["headers"] = obj{"Location": obj{"description": "Where the new resource can be read.",
			"schema": obj{"type": "string", "format": "uri-reference"}}}
	}
	responses := obj{strconv.Itoa(status): ok}
	errs := slices.Clone(o.errs)
	if o.access != server.Public {
		errs = append(errs, http.StatusUnauthorized, http.StatusForbidden)
	}
	if strings.Contains(o.path, "{") {
		errs = append(errs, http.StatusNotFound)
	}
	if o.body != "" {
		errs = append(errs, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
	}
	if len(o.query) > 0 || o.idem {
		errs = append(errs, http.StatusUnprocessableEntity)
	}
	if o.idem {
		errs = append(errs, http.StatusConflict)
	}
	for _, e := range errs {
		responses[strconv.Itoa(e)] = obj{"$ref": "#/components/responses/Problem"}
	}
	// Any other failure is a problem document as well.
	responses["4XX"] = obj{"$ref": "#/components/responses/Problem"}
	responses["5XX"] = obj{"$ref": "#/components/responses/Problem"}
	op["responses"] = responses
	switch o.access {
	case server.Public:
		op["security"] = []obj{}
	case server.Staff:
		op["security"] = []obj{{"sessionCookie": []string{}}}
	default:
		op["security"] = []obj{{"bearerAuth": []string{}}, {"sessionCookie": []string{}}}
	}
	return op
}

// schemaGen turns Go types into JSON Schema (draft 2020-12, as OpenAPI 3.1
// uses it), referring to named component schemas where it can.
type schemaGen struct {
	names map[reflect.Type]string
}

func newSchemaGen() *schemaGen {
	g := &schemaGen{names: map[reflect.Type]string{}}
	for _, st := range schemaTypes {
		g.names[reflect.TypeOf(st.v)] = st.name
	}
	return g
}

var timeType = reflect.TypeOf(time.Time{})

func (g *schemaGen) schema(t reflect.Type) obj {
	if name, ok := g.names[t]; ok {
		return obj{"$ref": "#/components/schemas/" + name}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		if typ, ok := s["type"].(string); ok && t.Elem().Kind() != reflect.Struct {
			s["type"] = []string{typ, "null"} // a nil pointer is JSON null
		}
		return s
	case reflect.Struct:
		if t == timeType {
			return obj{"type": "string", "format": "date-time"}
		}
		return g.object(t)
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int64, reflect.Uint64:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Int, reflect.Int32, reflect.Int16, reflect.Int8, reflect.Uint, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Interface:
		return obj{}
	}
	panic(fmt.Sprintf("api: no schema for %s", t))
}

// object describes a struct by its JSON tags. Fields without omitempty
// or omitzero are always present, so they are required.
func (g *schemaGen) object(t reflect.Type) obj {
	props := obj{}
	var req []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			// encoding/json lifts an embedded struct's fields into the outer object.
			inner := g.object(f.Type)
			for k, v := range inner["properties"].(obj) {
				if _, outer := props[k]; !outer { // an outer field of the same name wins
					props[k] = v
				}
			}
			if r, ok := inner["required"].([]string); ok {
				for _, k := range r {
					if !slices.Contains(req, k) {
						req = append(req, k)
					}
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && !slices.Contains(req, name) {
			req = append(req, name)
		}
	}
	s := obj{"type": "object", "properties": props}
	if len(req) > 0 {
		s["required"] = req
	}
	return s
}
