// Package web is the staff console: server-rendered pages in Chinese and
// English, with templates and assets embedded in the binary.
package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/server"
)

// Console serves the staff pages.
type Console struct {
	app    *app.App
	tmpl   templates
	assets *assetSet
}

// New builds the console. It fails when a template does not parse, a page
// has no template, a template belongs to no page, or a template names a
// message or an asset that does not exist.
func New(a *app.App) (*Console, error) {
	as, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	ts, err := parseTemplates(templateFS, as.URL)
	if err != nil {
		return nil, err
	}
	c := &Console{app: a, tmpl: ts, assets: as}
	if a != nil && a.Imports != nil {
		// An import that was running when the process stopped will never
		// finish; say so instead of showing a bar that never moves.
		if err := a.Imports.FailInterrupted(context.Background()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Wait blocks until the background imports and analysis runs started so
// far finish.
func (c *Console) Wait() {
	if c.app != nil && c.app.Imports != nil {
		c.app.Imports.Wait()
	}
	if c.app != nil && c.app.Analysis != nil {
		c.app.Analysis.Wait()
	}
}

// Routes lists every console page and form action.
func (c *Console) Routes() []server.Route {
	page := func(pattern string, access server.Access, perm auth.Permission, h http.HandlerFunc) server.Route {
		return server.Route{Pattern: pattern, Access: access, Perm: perm, Page: true, Handler: h}
	}
	staff := func(pattern string, perm auth.Permission, h http.HandlerFunc) server.Route {
		return page(pattern, server.Staff, perm, h)
	}
	return []server.Route{
		page("GET /login", server.Public, "", c.loginPage),
		page("POST /login", server.Public, "", c.login),
		staff("POST /logout", "", c.logout),
		staff("POST /lang", "", c.setLang),
		staff("GET /{$}", "", c.dashboard),

		staff("GET /members", auth.MemberRead, c.memberList),
		staff("GET /members/new", auth.MemberWrite, c.memberNew),
		staff("POST /members", auth.MemberWrite, c.memberCreate),
		staff("GET /members/{id}", auth.MemberRead, c.memberShow),
		staff("GET /members/{id}/edit", auth.MemberWrite, c.memberEdit),
		staff("POST /members/{id}", auth.MemberWrite, c.memberUpdate),
		staff("POST /members/{id}/deactivate", auth.MemberWrite, c.memberStatus(false)),
		staff("POST /members/{id}/reactivate", auth.MemberWrite, c.memberStatus(true)),
		staff("POST /members/{id}/tags", auth.MemberWrite, c.memberTags),
		staff("GET /members/{id}/export", auth.MemberExport, c.memberExport),
		staff("GET /members/{id}/qr.png", auth.MemberRead, c.memberQR),
		staff("GET /members/{id}/points", auth.MemberRead, c.memberLedger),
		staff("POST /members/{id}/points", auth.PointsAdjust, c.pointsAdjust),
		staff("POST /members/{id}/erase", auth.MemberErase, c.memberErase),

		staff("GET /products", auth.ProductRead, c.productList),

		staff("GET /pos", auth.POSUse, c.posPage),
		staff("GET /pos/products", auth.POSUse, c.posProducts),
		staff("POST /pos/identify", auth.POSUse, c.posIdentify),
		staff("POST /pos/sell", auth.POSUse, c.posSell),
		staff("POST /pos/void", auth.POSUse, c.posVoid),
		staff("GET /sales/{id}", auth.MemberRead, c.saleShow),
		staff("POST /sales/{id}/refund", auth.POSUse, c.saleRefund),
		staff("POST /sales/{id}/void", auth.POSUse, c.saleVoid),
		staff("GET /settings/loyalty", auth.SettingsManage, c.loyaltyPage),
		staff("POST /settings/loyalty", auth.SettingsManage, c.loyaltySave),
		staff("GET /settings/tiers", auth.SettingsManage, c.tiersPage),
		staff("POST /settings/tiers", auth.SettingsManage, c.tiersSave),

		staff("GET /import", auth.MemberImport, c.importPage),
		staff("POST /import", auth.MemberImport, c.importStart),
		staff("GET /import/{id}", auth.MemberImport, c.importShow),
		staff("GET /import/{id}/progress", auth.MemberImport, c.importProgress),
		staff("GET /import/{id}/errors.csv", auth.MemberImport, c.importErrors),

		staff("GET /quality", auth.ReportRead, c.quality),
		staff("GET /duplicates", auth.MemberMerge, c.duplicates),
		staff("POST /duplicates/merge", auth.MemberMerge, c.merge),
		staff("GET /audit", auth.AuditRead, c.audit),

		staff("GET /staff", auth.StaffManage, c.staffList),
		staff("POST /staff", auth.StaffManage, c.staffCreate),
		staff("POST /staff/{id}/password", auth.StaffManage, c.staffPassword),
		staff("POST /staff/{id}/deactivate", auth.StaffManage, c.staffActive(false)),
		staff("POST /staff/{id}/activate", auth.StaffManage, c.staffActive(true)),

		staff("GET /api-keys", auth.APIKeyManage, c.keyList),
		staff("POST /api-keys", auth.APIKeyManage, c.keyCreate),
		staff("POST /api-keys/{id}/revoke", auth.APIKeyManage, c.keyRevoke),

		staff("GET /stores", auth.StoreManage, c.storeList),
		staff("POST /stores", auth.StoreManage, c.storeCreate),
		staff("GET /stores/{id}/edit", auth.StoreManage, c.storeEdit),
		staff("POST /stores/{id}", auth.StoreManage, c.storeUpdate),

		staff("GET /analytics", auth.ReportRead, c.analyticsSegments),
		staff("POST /analytics/runs", auth.SettingsManage, c.analyticsStart),
		staff("GET /analytics/run", auth.ReportRead, c.analyticsRunFragment),
		staff("GET /analytics/value", auth.ReportRead, c.analyticsValue),
		staff("GET /analytics/churn", auth.ReportRead, c.analyticsChurn),
		staff("GET /analytics/clusters", auth.ReportRead, c.analyticsClusters),
		staff("GET /analytics/baskets", auth.ReportRead, c.insightBaskets),
		staff("GET /analytics/lifecycle", auth.ReportRead, c.insightLifecycle),
		staff("GET /analytics/groups", auth.ReportRead, c.insightGroups),
		staff("GET /analytics/habits", auth.ReportRead, c.insightHabits),
		staff("GET /analytics/forecast", auth.ReportRead, c.insightForecast),
		staff("GET /audiences", auth.ReportRead, c.audienceList),
		staff("POST /audiences", auth.ReportRead, c.audienceCreate),
		staff("GET /audiences/{id}", auth.ReportRead, c.audienceShow),
		staff("GET /audiences/{id}/export.csv", auth.MemberExport, c.audienceExport),

		staff("GET /export/members.csv", auth.MemberExport, c.exportMembers("csv")),
		staff("GET /export/members.xlsx", auth.MemberExport, c.exportMembers("xlsx")),
	}
}

// Assets serves the embedded static files under /assets/.
func (c *Console) Assets() http.Handler { return c.assets }

// OnPageDenied redirects to the login page, or renders the forbidden page.
func (c *Console) OnPageDenied(w http.ResponseWriter, r *http.Request, err error) {
	c.fail(w, r, err)
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, linli.Errorf(linli.KindNotFound, "page.not_found", "no such page")
	}
	return id, nil
}

// formInt reads an optional integer form field; bad input is a field error.
func formInt(r *http.Request, field string) (int64, error) {
	s := strings.TrimSpace(r.FormValue(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, linli.Invalid("form.number_invalid", field, "%q is not a number", s)
	}
	return n, nil
}

// localPath reports whether next is a path on this site, the only kind of
// place a redirect after login may go.
func localPath(next string) bool {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return false
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && !strings.ContainsAny(next, "\r\n\t")
}

// redirect answers a form post with a 303 to target, adding ?done=notice.
func redirect(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "done=" + notice
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
