package api

import (
	"net/http"

	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/server"
)

var (
	pageParams = []param{
		{name: "cursor", typ: "string", desc: "The next_cursor of the previous page; leave out for the first page."},
		{name: "limit", typ: "integer", desc: "Items per page, 1–200 (default 50)."},
	}
	unmaskParam = param{name: "unmask", typ: "string", enum: []string{"1", "true"},
		desc: "Show personal fields in clear. Honoured only for roles with member.unmask; each unmasked view is audited. The masked field says which you got."}
	storeParam     = param{name: "store_id", typ: "integer", desc: "Only this store."}
	tillStoreParam = param{name: "store_id", typ: "integer",
		desc: "The store that sells, for an owner without a store; others may give only their own."}
)

// operations is the API's route table.
func (x *API) operations() []op {
	const (
		members = "members"
		reports = "reports"
		imports = "imports"
		stores  = "stores"
		staff   = "staff"
		keys    = "api-keys"
		auditT  = "audit"
		session = "session"
		product = "products"
		meta    = "meta"
		pos     = "pos"
		points  = "points"
		tiers   = "tiers"
	)
	p := Prefix
	return []op{
		// members
		{method: "GET", path: p + "/members", access: server.Any, perm: auth.MemberRead, handler: x.listMembers,
			id: "listMembers", tag: members, summary: "List members, newest first", resp: "MemberPage",
			query: append([]param{storeParam,
				{name: "tag", typ: "string", desc: "Only members with this tag."},
				{name: "area", typ: "string", desc: "Only members of this residential compound or area."},
				{name: "status", typ: "string", enum: memberStatuses, desc: "Default active."},
				unmaskParam}, pageParams...)},
		{method: "POST", path: p + "/members", access: server.Any, perm: auth.MemberWrite, handler: x.idempotent(x.createMember),
			id: "createMember", tag: members, summary: "Register a member", body: "MemberInput", status: http.StatusCreated,
			resp: "Member", idem: true, query: []param{unmaskParam}, errs: []int{409},
			desc: "A phone number already registered is 409 member.phone_taken. The answer is masked unless unmask is asked for and allowed."},
		{method: "GET", path: p + "/members/search", access: server.Any, perm: auth.MemberRead, handler: x.searchMembers,
			id: "searchMembers", tag: members, summary: "Find members by phone, card number or exact name", resp: "MemberList",
			query: []param{{name: "q", typ: "string", desc: "A phone number, a card number or a whole name."}, unmaskParam}},
		{method: "GET", path: p + "/members/lookup", access: server.Any, perm: auth.MemberRead, handler: x.lookupMember,
			id: "lookupMember", tag: members, summary: "Identify a member at the till", resp: "Member",
			desc:  "Give exactly one of phone, card or qr. A QR payload that this installation did not sign is 422 member.qr_invalid.",
			query: []param{{name: "phone", typ: "string"}, {name: "card", typ: "string"}, {name: "qr", typ: "string", desc: "The scanned payload."}, unmaskParam}},
		{method: "GET", path: p + "/members/duplicates", access: server.Any, perm: auth.MemberRead, handler: x.duplicates,
			id: "listDuplicateMembers", tag: members, summary: "Candidate duplicate members", resp: "DuplicateList",
			query: []param{{name: "limit", typ: "integer", desc: "Groups at most, 1–500 (default 100)."}, unmaskParam}},
		{method: "POST", path: p + "/members/merge", access: server.Staff, perm: auth.MemberMerge, handler: x.idempotent(x.mergeMembers),
			id: "mergeMembers", tag: members, summary: "Merge one member into another", body: "MergeInput", resp: "Member",
			idem: true, query: []param{unmaskParam}, errs: []int{404, 409},
			desc: "Tags, consent and referrals of from move to into; from keeps no personal data. Answers the surviving member."},
		{method: "GET", path: p + "/members/{id}", access: server.Any, perm: auth.MemberRead, handler: x.getMember,
			id: "getMember", tag: members, summary: "Get a member", resp: "Member", query: []param{unmaskParam}},
		{method: "PUT", path: p + "/members/{id}", access: server.Any, perm: auth.MemberWrite, handler: x.updateMember,
			id: "updateMember", tag: members, summary: "Replace a member's details", body: "MemberInput", resp: "Member",
			query: []param{unmaskParam}, errs: []int{409},
			desc: "Personal fields left out are cleared; card number, channel, store, referrer, tags and consent keep their value when left out."},
		{method: "POST", path: p + "/members/{id}/deactivate", access: server.Any, perm: auth.MemberWrite, handler: x.setMemberStatus(false),
			id: "deactivateMember", tag: members, summary: "Deactivate a member", resp: "Member", query: []param{unmaskParam}, errs: []int{409}},
		{method: "POST", path: p + "/members/{id}/reactivate", access: server.Any, perm: auth.MemberWrite, handler: x.setMemberStatus(true),
			id: "reactivateMember", tag: members, summary: "Reactivate a member", resp: "Member", query: []param{unmaskParam}, errs: []int{409}},
		{method: "PUT", path: p + "/members/{id}/tags", access: server.Any, perm: auth.MemberWrite, handler: x.setTags,
			id: "setMemberTags", tag: members, summary: "Replace a member's tags", body: "TagsInput", resp: "Member", query: []param{unmaskParam}},
		{method: "PUT", path: p + "/members/{id}/consent/{channel}", access: server.Any, perm: auth.MemberWrite, handler: x.setConsent,
			id: "setMemberConsent", tag: members, summary: "Record marketing consent on one channel", body: "ConsentInput", resp: "Member",
			query: []param{unmaskParam}},
		{method: "GET", path: p + "/members/{id}/qr", access: server.Any, perm: auth.MemberRead, handler: x.memberQR,
			id: "getMemberQR", tag: members, summary: "The signed payload of a member's QR code", resp: "QRCode", errs: []int{409}},
		{method: "GET", path: p + "/members/{id}/export", access: server.Staff, perm: auth.MemberUnmask, handler: x.exportMember,
			id: "exportMember", tag: members, summary: "Export a member's data (PIPL access request)", resp: "MemberExport",
			desc: "Everything held about the member, in clear, as a download. Needs member.unmask and member.export; audited."},
		{method: "POST", path: p + "/members/{id}/erase", access: server.Staff, perm: auth.MemberErase, handler: x.eraseMember,
			id: "eraseMember", tag: members, summary: "Erase a member's personal data (PIPL erasure request)", body: "EraseInput", bodyOpt: true,
			status: http.StatusNoContent, desc: "The record stays, anonymous, so that totals still add up. Erasing twice is not an error."},
		{method: "GET", path: p + "/reports/data-quality", access: server.Any, perm: auth.ReportRead, handler: x.dataQuality,
			id: "getDataQuality", tag: reports, summary: "Data-quality report per store", resp: "QualityReport"},
		{method: "GET", path: p + "/reports/points-liability", access: server.Any, perm: auth.ReportRead, handler: x.pointsLiability,
			id: "getPointsLiability", tag: reports, summary: "Points outstanding per store and expiry month, with their value",
			resp: "LiabilityReport",
			desc: "The points members hold that have not expired now, by the store where they were earned (adjustments, which " +
				"belong to no store, under store 0, \"chain\") and by the last month they are valid (YYYY-MM in the store's time " +
				"zone, \"never\" for points without expiry), valued by the current redemption rate. Once the hourly expiry job " +
				"has run and no debt is recorded, the total equals the sum of the members' balances."},

		// products
		{method: "GET", path: p + "/products", access: server.Any, perm: auth.ProductRead, handler: x.listProducts,
			id: "listProducts", tag: product, summary: "List products, newest first", resp: "ProductPage",
			query: append([]param{
				{name: "category", typ: "string", desc: "Only products of this category."},
				{name: "q", typ: "string", desc: "Only products whose code or name begins with this."},
				{name: "active", typ: "string", enum: []string{"true", "all"}, desc: "Default true: active products only."}},
				pageParams...)},
		{method: "POST", path: p + "/products", access: server.Any, perm: auth.ProductManage, handler: x.createProduct,
			id: "createProduct", tag: product, summary: "Add a product", body: "ProductInput", status: http.StatusCreated,
			resp: "Product", errs: []int{409}, desc: "A code already used is 409 product.code_taken."},
		{method: "GET", path: p + "/products/{id}", access: server.Any, perm: auth.ProductRead, handler: x.getProduct,
			id: "getProduct", tag: product, summary: "Get a product", resp: "Product"},
		{method: "PUT", path: p + "/products/{id}", access: server.Any, perm: auth.ProductManage, handler: x.updateProduct,
			id: "updateProduct", tag: product, summary: "Replace a product's details", body: "ProductInput", resp: "Product",
			errs: []int{409}, desc: "Category, brand and barcode left out are cleared and the unit becomes piece; active left out keeps its value."},

		// the till
		{method: "POST", path: p + "/pos/identify", access: server.Any, perm: auth.POSUse, handler: x.identify,
			id: "identifyMember", tag: pos, summary: "Identify the member at the till, with their points", body: "IdentifyInput",
			resp: "Identify", desc: "Give exactly one of phone, card or qr. The member is masked. " +
				"A QR payload that this installation did not sign is 422 member.qr_invalid; nobody with that phone or card is 404 member.not_found."},
		{method: "POST", path: p + "/pos/sales", access: server.Any, perm: auth.POSUse, handler: x.commitSale,
			id: "commitSale", tag: pos, summary: "Commit a sale", body: "SaleInput", status: http.StatusCreated, resp: "Sale",
			located: true, query: []param{tillStoreParam}, errs: []int{409},
			desc: "The sale, its points and the member's balance commit together. A sale is keyed by store, terminal and receipt_no: " +
				"sending the same receipt again answers the first sale and changes nothing, so a till may retry after a timeout; " +
				"the same receipt with another body is 409 sale.receipt_conflict. Spending more points than the member holds is " +
				"409 ledger.insufficient_points; payments that do not add up to the sale are 422 sale.payment_mismatch; a sale dated " +
				"in the future is 422 sale.time_in_future. With an API key, store and terminal are the key's; in the console the " +
				"terminal is console:<username> and the store the caller's (an owner without a store passes store_id)."},
		{method: "GET", path: p + "/pos/sales/{id}", access: server.Any, perm: auth.POSUse, handler: x.getSale,
			id: "getSale", tag: pos, summary: "Get a sale", resp: "Sale",
			desc: "A store-bound caller sees only their store's sales."},
		{method: "POST", path: p + "/pos/sales/{id}/refunds", access: server.Any, perm: auth.POSUse, handler: x.refundSale,
			id: "refundSale", tag: pos, summary: "Refund lines of a sale", body: "RefundInput", status: http.StatusCreated,
			resp: "Refund", query: []param{tillStoreParam}, errs: []int{409},
			desc: "Keyed like sales by store, terminal and refund_no: a repeat answers the first refund. Earned points are taken " +
				"back pro rata and spent points given back. Refunding more than was sold is 422 sale.refund_exceeds."},
		{method: "POST", path: p + "/pos/sales/{id}/void", access: server.Any, perm: auth.POSUse, handler: x.voidSale,
			id: "voidSale", tag: pos, summary: "Void a sale rung up by mistake", body: "VoidInput", status: http.StatusCreated,
			resp: "Refund", query: []param{tillStoreParam}, errs: []int{409},
			desc: "Takes back every line as a refund numbered void-{id}, reverses the points earned, gives back the points " +
				"spent and marks the sale voided, so that it counts for nothing. A sale with refunds cannot be voided " +
				"(409 sale.void_refunded); a repeat answers the first void."},
		{method: "GET", path: p + "/members/{id}/points", access: server.Any, perm: auth.MemberRead, handler: x.memberPoints,
			id: "getMemberPoints", tag: points, summary: "A member's points balance and ledger, newest first", resp: "PointsBalance",
			query: []param{{name: "limit", typ: "integer", desc: "Entries at most, 1–200 (default 50)."}}},
		{method: "GET", path: p + "/points/expiring", access: server.Any, perm: auth.ReportRead, handler: x.expiringPoints,
			id: "listExpiringPoints", tag: points, summary: "Members whose points expire soon, the first to expire first",
			resp: "ExpiringPage",
			desc: "One item per member: the points that expire within days days from now and the earliest of their expiries. " +
				"Names are masked.",
			query: append([]param{{name: "days", typ: "integer", desc: "The window in days, 1–366 (default 30)."}}, pageParams...)},
		{method: "POST", path: p + "/members/{id}/points/adjustments", access: server.Any, perm: auth.PointsAdjust,
			handler: x.idempotent(x.adjustPoints), id: "adjustMemberPoints", tag: points, summary: "Add or take points by hand",
			body: "Adjustment", status: http.StatusCreated, resp: "Entry", idem: true, errs: []int{409},
			desc: "delta is positive to add points, negative to take them; reason is required and kept in the ledger and the audit log. " +
				"Taking more than the member holds is 409 ledger.insufficient_points."},

		// tiers
		{method: "GET", path: p + "/settings/tiers", access: server.Staff, perm: auth.SettingsManage, handler: x.getTierConfig,
			id: "getTierConfig", tag: tiers, summary: "The membership tiers and how they are reviewed", resp: "TierConfig",
			desc: "The tiers, lowest first, with their thresholds and benefits; the built-in 普通/银卡/金卡/钻石卡 until a configuration is saved."},
		{method: "PUT", path: p + "/settings/tiers", access: server.Staff, perm: auth.SettingsManage, handler: x.putTierConfig,
			id: "setTierConfig", tag: tiers, summary: "Replace the membership tiers", body: "TierConfig", resp: "TierConfig",
			desc: "Replaces the whole configuration and answers it as stored; the change is audited. The lowest tier has no " +
				"thresholds, every other at least one. Bad input is 422 with every field at fault named (tiers[1].code, " +
				"tiers[2].benefits.discount_permille, window_days …). Members keep their tier until their next sale (upgrades) " +
				"or the next review (downgrades); a member whose tier was removed counts as the lowest tier meanwhile."},
		{method: "GET", path: p + "/members/{id}/tier", access: server.Any, perm: auth.MemberRead, handler: x.memberTier,
			id: "getMemberTier", tag: tiers, summary: "A member's tier, progress to the next and recent changes", resp: "MemberTier",
			desc:  "Activity is counted over the configured window ending now. qualifies may be below the tier held after refunds or quiet months, until the review.",
			query: []param{{name: "limit", typ: "integer", desc: "Changes at most, 1–200 (default 20)."}}},

		// imports
		{method: "POST", path: p + "/imports/members", access: server.Any, perm: auth.MemberImport, handler: x.startImport,
			id: "importMembers", tag: imports, summary: "Import members from a CSV or XLSX file", body: "ImportUpload", form: true,
			status: http.StatusAccepted, resp: "ImportJob", located: true, errs: []int{413},
			desc: "Starts the import in the background and answers the running job; the Location header is where to follow it. " +
				"Every row is checked first, then the good rows are written by phone number in batches: a new phone registers a member, " +
				"a known phone updates the fields the row gives. Rows with problems are skipped and listed in the job's error report. " +
				"A store-bound caller imports into their own store."},
		{method: "GET", path: p + "/imports/{id}", access: server.Any, perm: auth.MemberImport, handler: x.getImport,
			id: "getImport", tag: imports, summary: "Follow an import", resp: "ImportJob",
			desc: "Poll until status is no longer running. While the file is checked, total is 0 and done counts the rows read; " +
				"while rows are written, done counts up to total."},
		{method: "GET", path: p + "/imports/{id}/errors.csv", access: server.Any, perm: auth.MemberImport, handler: x.importErrors,
			id: "getImportErrors", tag: imports, summary: "An import's row errors as CSV", media: "text/csv",
			desc: "One line per row error: line, field, column, code and message, in the uploader's language; UTF-8 with a byte order mark."},

		// stores
		{method: "GET", path: p + "/stores", access: server.Any, handler: x.listStores,
			id: "listStores", tag: stores, summary: "List the chain's stores", resp: "StoreList"},
		{method: "POST", path: p + "/stores", access: server.Staff, perm: auth.StoreManage, handler: x.createStore,
			id: "createStore", tag: stores, summary: "Add a store", body: "StoreInput", status: http.StatusCreated, resp: "Store", errs: []int{409}},
		{method: "GET", path: p + "/stores/{id}", access: server.Any, handler: x.getStore,
			id: "getStore", tag: stores, summary: "Get a store", resp: "Store"},
		{method: "PUT", path: p + "/stores/{id}", access: server.Staff, perm: auth.StoreManage, handler: x.updateStore,
			id: "updateStore", tag: stores, summary: "Change a store", body: "StoreInput", resp: "Store", errs: []int{409}},

		// staff
		{method: "GET", path: p + "/staff", access: server.Staff, perm: auth.StaffManage, handler: x.listStaff,
			id: "listStaff", tag: staff, summary: "List staff accounts", resp: "StaffList", query: []param{storeParam}},
		{method: "POST", path: p + "/staff", access: server.Staff, perm: auth.StaffManage, handler: x.createStaff,
			id: "createStaff", tag: staff, summary: "Create a staff account", body: "StaffInput", status: http.StatusCreated, resp: "Staff", errs: []int{409}},
		{method: "GET", path: p + "/staff/{id}", access: server.Staff, perm: auth.StaffManage, handler: x.getStaff,
			id: "getStaff", tag: staff, summary: "Get a staff account", resp: "Staff"},
		{method: "PUT", path: p + "/staff/{id}", access: server.Staff, perm: auth.StaffManage, handler: x.updateStaff,
			id: "updateStaff", tag: staff, summary: "Change a staff account's name, role, store or language", body: "StaffUpdate", resp: "Staff", errs: []int{409}},
		{method: "POST", path: p + "/staff/{id}/password", access: server.Staff, perm: auth.StaffManage, handler: x.resetPassword,
			id: "resetStaffPassword", tag: staff, summary: "Set a staff account's password", body: "PasswordInput", status: http.StatusNoContent,
			desc: "Ends the account's sessions."},
		{method: "POST", path: p + "/staff/{id}/deactivate", access: server.Staff, perm: auth.StaffManage, handler: x.setStaffActive(false),
			id: "deactivateStaff", tag: staff, summary: "Deactivate a staff account", resp: "Staff", errs: []int{409}},
		{method: "POST", path: p + "/staff/{id}/activate", access: server.Staff, perm: auth.StaffManage, handler: x.setStaffActive(true),
			id: "activateStaff", tag: staff, summary: "Activate a staff account", resp: "Staff"},
		{method: "GET", path: p + "/me", access: server.Any, handler: x.me,
			id: "getMe", tag: staff, summary: "Who is calling, with their permissions", resp: "Me"},
		{method: "POST", path: p + "/me/password", access: server.Staff, handler: x.changePassword,
			id: "changeMyPassword", tag: staff, summary: "Change your own password", body: "PasswordChange", status: http.StatusNoContent,
			desc: "Ends all your sessions, this one included."},

		// API keys
		{method: "GET", path: p + "/api-keys", access: server.Staff, perm: auth.APIKeyManage, handler: x.listAPIKeys,
			id: "listAPIKeys", tag: keys, summary: "List API keys", resp: "APIKeyList", query: []param{storeParam}},
		{method: "POST", path: p + "/api-keys", access: server.Staff, perm: auth.APIKeyManage, handler: x.createAPIKey,
			id: "createAPIKey", tag: keys, summary: "Create an API key for a terminal", body: "APIKeyInput", status: http.StatusCreated,
			resp: "APIKeyCreated", desc: "The key is in this answer only; it cannot be shown again."},
		{method: "DELETE", path: p + "/api-keys/{id}", access: server.Staff, perm: auth.APIKeyManage, handler: x.revokeAPIKey,
			id: "revokeAPIKey", tag: keys, summary: "Revoke an API key", status: http.StatusNoContent},

		// audit
		{method: "GET", path: p + "/audit", access: server.Staff, perm: auth.AuditRead, handler: x.listAudit,
			id: "listAudit", tag: auditT, summary: "Read the audit log, newest first", resp: "AuditPage",
			desc: "A store-bound reader sees only their store's lines.",
			query: append([]param{
				{name: "entity", typ: "string", desc: "member, staff, api_key, store …"},
				{name: "entity_id", typ: "integer"},
				{name: "action", typ: "string", desc: "member.unmask, auth.login …"},
				storeParam}, pageParams...)},

		// session
		{method: "POST", path: p + "/session", access: server.Public, handler: x.login,
			id: "login", tag: session, summary: "Log in (for scripts)", body: "LoginInput", resp: "SessionInfo", errs: []int{401, 429},
			desc: "Sets the linli_session cookie and answers the CSRF token to send as X-CSRF-Token with every unsafe request."},
		{method: "DELETE", path: p + "/session", access: server.Staff, handler: x.logout,
			id: "logout", tag: session, summary: "Log out", status: http.StatusNoContent},

		{method: "GET", path: p + "/openapi.json", access: server.Public, handler: x.openapi,
			id: "getOpenAPI", tag: meta, summary: "This document", resp: "OpenAPIDocument"},
	}
}
