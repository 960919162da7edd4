package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

func memberForm(name, phone string) url.Values {
	return url.Values{"name": {name}, "phone": {phone}, "gender": {"F"}, "birthday": {"1985-06-30"},
		"area": {"幸福里小区"}, "address": {"3号楼2单元501"}, "occupation": {"教师"}, "preferences": {"生鲜"},
		"channel": {"counter"}, "tags": {"生鲜, 夜间购物"}, "consent": {"sms", "wechat"}}
}

var memberPath = regexp.MustCompile(`^/members/(\d+)`)

// createMember registers a member through the form and returns its path.
func createMember(t *testing.T, c *client, name, phone string) string {
	t.Helper()
	r := c.post("/members", memberForm(name, phone))
	mustStatus(t, r, http.StatusSeeOther, "create member")
	m := memberPath.FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("create redirected to %q", r.header.Get("Location"))
	}
	return "/members/" + m[1]
}

func TestLoginRedirects(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/members?q=1")
	mustStatus(t, r, http.StatusSeeOther, "anonymous page")
	if loc := r.header.Get("Location"); loc != "/login?next="+url.QueryEscape("/members?q=1") {
		t.Fatalf("redirected to %q", loc)
	}
	r = c.follow(r)
	mustStatus(t, r, http.StatusOK, "login page")
	mustContain(t, r, "login page", "员工登录", `name="next" value="/members?q=1"`)

	r = c.post("/login", url.Values{"username": {"owner"}, "password": {"wrong password"}})
	mustStatus(t, r, http.StatusUnauthorized, "bad password")
	mustContain(t, r, "bad password", errMsg("auth.bad_credentials"))

	// A good login lands on next, but never on another site.
	e2 := e.client()
	r = e2.post("/login", url.Values{"username": {"cashier"}, "password": {password}, "next": {"/members"}})
	mustStatus(t, r, http.StatusSeeOther, "login")
	if loc := r.header.Get("Location"); loc != "/members" {
		t.Errorf("login went to %q", loc)
	}
	var cookie *http.Cookie
	for _, ck := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "linli_session=") {
			cookie, _ = http.ParseSetCookie(ck)
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", cookie)
	}
	e3 := e.client()
	r = e3.post("/login", url.Values{"username": {"cashier"}, "password": {password}, "next": {"//evil.example/"}})
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("login with a foreign next went to %q", loc)
	}

	// Logging out ends the session.
	e2.get("/")
	r = e2.post("/logout", nil)
	mustStatus(t, r, http.StatusSeeOther, "logout")
	mustStatus(t, e2.get("/members"), http.StatusSeeOther, "after logout")
	// Too many failures (per user name and per address): the rate-limit message, in the visitor's language.
	for range 5 {
		c.post("/login", url.Values{"username": {"owner"}, "password": {"wrong password"}})
	}
	r = c.post("/login", url.Values{"username": {"owner"}, "password": {password}})
	mustStatus(t, r, http.StatusTooManyRequests, "rate limited")
	mustContain(t, r, "rate limited", errMsg("auth.rate_limited"))

}

func TestCreateAndFindMember(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")

	// A bad phone: the Chinese message sits in the phone field, and the
	// form comes back with what was typed.
	bad := memberForm("张小梅", "12345")
	r := c.post("/members", bad)
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad phone")
	phone := strings.Index(r.body, `id="phone"`)
	msg := strings.Index(r.body, errMsg("member.phone_invalid"))
	gender := strings.Index(r.body, `id="gender"`)
	if phone < 0 || msg < phone || msg > gender {
		t.Errorf("the phone error is not next to the phone field (field %d, message %d, next field %d)", phone, msg, gender)
	}
	mustContain(t, r, "bad phone", `value="张小梅"`, `value="12345"`, `value="幸福里小区"`, "请修改标出的字段")
	noRawKeys(t, r, "bad phone")

	path := createMember(t, c, "张小梅", "13800138000")
	r = c.get(path + "?done=created")
	mustStatus(t, r, http.StatusOK, "profile")
	mustContain(t, r, "profile", "张**", "138****8000", "已创建", "生鲜", "夜间购物", "短信", "LM1.")
	if strings.Contains(r.body, "13800138000") {
		t.Error("the profile shows the phone unmasked without being asked")
	}

	// An owner may unmask, and the view is audited.
	r = c.get(path + "?unmask=1")
	mustContain(t, r, "unmasked profile", "13800138000", "张小梅", "3号楼2单元501")
	r = c.get("/audit?action=member.unmask")
	mustContain(t, r, "audit", "member.unmask", path)

	// The search box finds the member by phone and opens the profile.
	r = c.get("/members?q=" + url.QueryEscape("138 0013 8000"))
	mustStatus(t, r, http.StatusSeeOther, "search by phone")
	if loc := r.header.Get("Location"); loc != path {
		t.Fatalf("search went to %q, want %q", loc, path)
	}
	r = c.get("/members?q=13900000000")
	mustStatus(t, r, http.StatusOK, "search without match")
	mustContain(t, r, "search without match", "没有找到匹配的会员")

	// The list shows the member masked.
	r = c.get("/members")
	mustContain(t, r, "list", "138****8000", "张**")

	// A registered phone is refused next to the field.
	r = c.post("/members", memberForm("张大梅", "13800138000"))
	mustStatus(t, r, http.StatusUnprocessableEntity, "duplicate phone")
	noRawKeys(t, r, "duplicate phone")
}

func TestCashierSeesMasked(t *testing.T) {
	e := newEnv(t)
	owner := e.client()
	owner.login("owner")
	path := createMember(t, owner, "陈建国", "13912345678")

	c := e.client()
	c.login("cashier")
	r := c.get(path + "?unmask=1")
	mustStatus(t, r, http.StatusOK, "cashier profile")
	mustContain(t, r, "cashier profile", "139****5678", "陈**")
	if strings.Contains(r.body, "13912345678") || strings.Contains(r.body, "?unmask=1") {
		t.Error("a cashier sees the phone or the unmask link")
	}
	// The menu holds only what a cashier may use.
	if strings.Contains(r.body, `href="/staff"`) || strings.Contains(r.body, `href="/audit"`) {
		t.Error("the cashier's menu offers staff or audit pages")
	}
	r = c.get("/staff")
	mustStatus(t, r, http.StatusForbidden, "cashier on staff page")
	mustContain(t, r, "forbidden page", "无权访问")
	mustStatus(t, c.get("/export/members.csv"), http.StatusForbidden, "cashier export")

	// A cashier edits blind: the personal fields stay as they were.
	r = c.get(path + "/edit")
	mustStatus(t, r, http.StatusOK, "cashier edit form")
	mustContain(t, r, "cashier edit form", `placeholder="139****5678"`)
	f := memberForm("", "")
	f.Set("occupation", "司机")
	f.Del("birthday")
	mustStatus(t, c.post(path, f), http.StatusSeeOther, "cashier saves")
	r = owner.get(path + "?unmask=1")
	mustContain(t, r, "after blind edit", "13912345678", "陈建国", "司机", "1985-06-30")

	// A form without the CSRF token is refused.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path+"/deactivate", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	mustStatus(t, c.do(req), http.StatusForbidden, "post without CSRF")
}

// TestBothLanguages renders every page in Chinese and in English and fails
// on any catalog key that reached the page untranslated.
func TestBothLanguages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")
	path := createMember(t, c, "刘芳", "13600001111")
	createMember(t, c, "刘芳", "13600002222") // same name and area: a duplicate candidate
	pages := []string{"/", "/members", "/members?status=all", "/members/new", path, path + "?unmask=1", path + "/edit",
		"/import", "/quality", "/duplicates", "/audit", "/staff", "/api-keys", "/stores",
		fmt.Sprintf("/stores/%d/edit", e.store.ID), "/members/99999"}
	for _, lang := range []string{"zh-CN", "en"} {
		mustStatus(t, c.post("/lang", url.Values{"lang": {lang}, "back": {"/members"}}), http.StatusSeeOther, "switch language")
		for _, p := range pages {
			r := c.get(p)
			want := http.StatusOK
			if p == "/members/99999" {
				want = http.StatusNotFound
			}
			mustStatus(t, r, want, lang+" "+p)
			mustContain(t, r, lang+" "+p, `<html lang="`+lang+`">`)
			noRawKeys(t, r, lang+" "+p)
		}
		r := c.post(path+"/erase", nil)
		mustStatus(t, r, http.StatusOK, lang+" erase confirmation")
		noRawKeys(t, r, lang+" erase confirmation")
		r = c.get("/members")
		if lang == "en" {
			mustContain(t, r, "English list", "Members", "Search", "Log out")
		} else {
			mustContain(t, r, "Chinese list", "会员", "退出")
		}
	}
	// A visitor without a session gets the language the browser asks for.
	anon := e.client()
	anon.lang = "en-US,en;q=0.9"
	r := anon.get("/login")
	mustContain(t, r, "English login", "Staff login")
	noRawKeys(t, r, "English login")
	r = anon.get("/login?lang=zh-CN")
	mustContain(t, r, "login with ?lang", "员工登录")
}

func TestAssetsCachedForever(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/login")
	m := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("the login page links no fingerprinted stylesheet")
	}
	a := c.get(m[1])
	mustStatus(t, a, http.StatusOK, "stylesheet")
	if cc := a.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	mustStatus(t, c.get("/assets/app.000000000000.css"), http.StatusNotFound, "stale asset")
	mustStatus(t, c.get("/assets/vendor/htmx.LICENSE"), http.StatusNotFound, "licence file")
}

func TestMemberActions(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")
	path := createMember(t, c, "赵敏", "13700001234")

	mustStatus(t, c.post(path+"/tags", url.Values{"tags": {"重要客户，价格敏感"}}), http.StatusSeeOther, "tags")
	mustContain(t, c.get(path), "tags", "重要客户", "价格敏感")

	mustStatus(t, c.post(path+"/deactivate", nil), http.StatusSeeOther, "deactivate")
	mustContain(t, c.get(path), "deactivated", "已停用", "恢复会员")
	mustStatus(t, c.post(path+"/reactivate", nil), http.StatusSeeOther, "reactivate")

	// Editing with unmask rights shows the real values and saves changes.
	r := c.get(path + "/edit")
	mustContain(t, r, "edit form", `value="13700001234"`, `value="赵敏"`)
	f := memberForm("赵敏", "13700001234")
	f.Set("area", "阳光花园")
	f.Del("consent") // withdraws SMS and WeChat
	mustStatus(t, c.post(path, f), http.StatusSeeOther, "save")
	r = c.get(path)
	mustContain(t, r, "after edit", "阳光花园", "已撤回")

	// The member's code as a picture: a PNG the profile shows.
	mustContain(t, c.get(path), "qr image", path+"/qr.png")
	r = c.get(path + "/qr.png")
	mustStatus(t, r, http.StatusOK, "qr.png")
	if img, err := png.Decode(strings.NewReader(r.body)); err != nil || r.header.Get("Content-Type") != "image/png" ||
		img.Bounds().Dx() < 200 || img.Bounds().Dx() != img.Bounds().Dy() {
		t.Errorf("qr.png: %v %v", err, r.header)
	}

	r = c.get(path + "/export")
	mustStatus(t, r, http.StatusOK, "export")
	if !strings.Contains(r.header.Get("Content-Disposition"), "attachment") || !strings.Contains(r.body, "13700001234") {
		t.Errorf("export: %v %s", r.header, r.body)
	}

	r = c.post(path+"/erase", nil)
	mustContain(t, r, "erase confirmation", "永久删除")
	mustStatus(t, c.post(path+"/erase", url.Values{"confirm": {"yes"}}), http.StatusUnprocessableEntity, "erase without reason")
	mustStatus(t, c.post(path+"/erase", url.Values{"confirm": {"yes"}, "reason": {"本人申请"}}), http.StatusSeeOther, "erase")
	r = c.get(path)
	mustContain(t, r, "erased", "已删除")
	if strings.Contains(r.body, "赵") {
		t.Error("the erased member still shows a name")
	}

	// Duplicates: same name and area; keep the first, merge the second.
	a := createMember(t, c, "孙丽", "13500000001")
	b := createMember(t, c, "孙丽", "13500000002")
	r = c.get("/duplicates")
	mustContain(t, r, "duplicates", "姓名和生日相同")
	ida, idb := strings.TrimPrefix(a, "/members/"), strings.TrimPrefix(b, "/members/")
	r = c.post("/duplicates/merge", url.Values{"id": {idb, ida}, "into": {ida}})
	mustStatus(t, r, http.StatusOK, "merge confirmation")
	mustContain(t, r, "merge confirmation", "确认合并", "135****0002")
	r = c.post("/duplicates/merge", url.Values{"from": {idb}, "into": {ida}, "confirm": {"yes"}})
	mustStatus(t, r, http.StatusSeeOther, "merge")
	mustContain(t, c.get(b), "merged member", "已合并", a)

	// Exports: masked by default, unmasked on request for an owner.
	r = c.get("/export/members.csv")
	mustStatus(t, r, http.StatusOK, "csv export")
	if !strings.HasPrefix(r.body, "\uFEFF") || !strings.Contains(r.body, "135****0001") || strings.Contains(r.body, "13500000001") {
		t.Errorf("masked csv export:\n%s", r.body)
	}
	r = c.get("/export/members.csv?unmask=1")
	mustContain(t, r, "unmasked csv export", "13500000001")
	r = c.get("/export/members.xlsx")
	mustStatus(t, r, http.StatusOK, "xlsx export")
	if !strings.HasPrefix(r.body, "PK") {
		t.Error("the xlsx export is not a zip file")
	}
}

func TestAdminPages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")

	// Stores.
	r := c.post("/stores", url.Values{"code": {"bad code!"}, "name": {""}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad store")
	mustContain(t, r, "bad store", errMsg("store.code_invalid"), errMsg("store.name_required"))
	mustStatus(t, c.post("/stores", url.Values{"code": {"YG"}, "name": {"阳光店"}, "timezone": {"Asia/Shanghai"}}), http.StatusSeeOther, "create store")
	mustContain(t, c.get("/stores"), "stores", "阳光店", "幸福里店")
	r = c.post(fmt.Sprintf("/stores/%d", e.store.ID), url.Values{"code": {"XFL"}, "name": {"幸福里总店"}, "timezone": {"Asia/Shanghai"}, "active": {"1"}})
	mustStatus(t, r, http.StatusSeeOther, "update store")
	mustContain(t, c.get("/stores"), "stores", "幸福里总店")

	// Staff.
	r = c.post("/staff", url.Values{"username": {"X"}, "password": {"short"}, "role": {"cashier"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "bad staff")
	mustContain(t, r, "bad staff", errMsg("staff.username_invalid"), errMsg("auth.password_too_short"))
	r = c.post("/staff", url.Values{"username": {"zhou"}, "display_name": {"周会计"}, "password": {password}, "role": {"analyst"}, "lang": {"en"}})
	mustStatus(t, r, http.StatusSeeOther, "create staff")
	r = c.get("/staff")
	mustContain(t, r, "staff list", "zhou", "周会计", "分析师")
	id := regexp.MustCompile(`/staff/(\d+)/password`).FindAllStringSubmatch(r.body, -1)
	if len(id) != 3 {
		t.Fatalf("password forms: %v", id)
	}
	var zhou string
	for _, m := range id {
		if strings.Contains(r.body, "zhou") && m[1] != "1" && m[1] != "2" {
			zhou = m[1]
		}
	}
	mustStatus(t, c.post("/staff/"+zhou+"/password", url.Values{"password": {"another good one"}}), http.StatusSeeOther, "reset password")
	mustStatus(t, c.post("/staff/"+zhou+"/deactivate", nil), http.StatusSeeOther, "deactivate staff")
	z := e.client()
	r = z.post("/login", url.Values{"username": {"zhou"}, "password": {"another good one"}})
	mustContain(t, r, "deactivated login", errMsg("auth.inactive"))

	// API keys: the key is shown once.
	r = c.post("/api-keys", url.Values{"name": {"1号收银台"}, "store_id": {fmt.Sprint(e.store.ID)}, "terminal": {"POS-01"}})
	mustStatus(t, r, http.StatusCreated, "create key")
	key := regexp.MustCompile(`id="new-key">(lk_[^<]+)<`).FindStringSubmatch(r.body)
	if key == nil {
		t.Fatalf("no key shown:\n%s", r.body)
	}
	r = c.get("/api-keys")
	if strings.Contains(r.body, key[1]) {
		t.Error("the key is shown again")
	}
	kid := regexp.MustCompile(`/api-keys/(\d+)/revoke`).FindStringSubmatch(r.body)
	if kid == nil {
		t.Fatal("no revoke form")
	}
	mustStatus(t, c.post("/api-keys/"+kid[1]+"/revoke", nil), http.StatusSeeOther, "revoke")
	mustContain(t, c.get("/api-keys"), "revoked key", "已吊销")

	// The dashboard counts.
	createMember(t, c, "吴刚", "13311112222")
	r = c.get("/")
	mustContain(t, r, "dashboard", `<span class="stat-value">1</span><span class="stat-label">会员总数`)
	mustContain(t, c.get("/quality"), "quality", "全部门店")
}

func TestImport(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("owner")
	r := c.get("/import")
	mustStatus(t, r, http.StatusOK, "import page")

	csv := "姓名,手机号,性别,生日,小区\n张三,13800000001,男,1980-01-02,幸福里\n李四,12345,女,,阳光花园\n王五,13800000003,女,1990-05-06,幸福里\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.csrf)
	fw, _ := mw.CreateFormFile("file", "会员.csv")
	io.WriteString(fw, csv)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = c.do(req)
	mustStatus(t, r, http.StatusSeeOther, "start import")
	job := r.header.Get("Location")
	if !regexp.MustCompile(`^/import/\d+$`).MatchString(job) {
		t.Fatalf("import went to %q", job)
	}
	r = c.get(job)
	mustStatus(t, r, http.StatusOK, "job page")

	deadline := time.Now().Add(10 * time.Second)
	for {
		r = c.get(job + "/progress")
		if !strings.Contains(r.body, "hx-get") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish:\n%s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustContain(t, r, "finished import", "已完成", `<span class="stat-value">2</span><span class="stat-label">新增`,
		`<span class="stat-value">0</span><span class="stat-label">无变化`,
		`<span class="stat-value">1</span><span class="stat-label">错误行`, "errors.csv", errMsg("member.phone_invalid"))
	noRawKeys(t, r, "finished import")
	r = c.get(job + "/errors.csv")
	mustStatus(t, r, http.StatusOK, "error report")
	if !strings.Contains(r.body, "12345") && !strings.Contains(r.body, "phone") {
		t.Errorf("error report:\n%s", r.body)
	}
	mustStatus(t, c.get("/members?q=13800000003"), http.StatusSeeOther, "imported member found")
	mustContain(t, c.get("/import"), "import list", "会员.csv")

	// No file: the form says so.
	var empty bytes.Buffer
	mw = multipart.NewWriter(&empty)
	mw.WriteField("csrf_token", c.csrf)
	mw.Close()
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/import", &empty)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = c.do(req)
	mustStatus(t, r, http.StatusUnprocessableEntity, "import without a file")
	mustContain(t, r, "import without a file", "请选择要导入的文件")

	// A file of another kind: the form says which kinds it takes.
	var pdf bytes.Buffer
	mw = multipart.NewWriter(&pdf)
	mw.WriteField("csrf_token", c.csrf)
	fw, _ = mw.CreateFormFile("file", "会员.pdf")
	io.WriteString(fw, csv)
	mw.Close()
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/import", &pdf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = c.do(req)
	mustStatus(t, r, http.StatusUnprocessableEntity, "import of a PDF")
	mustContain(t, r, "import of a PDF", "只能导入 CSV 和 .xlsx 文件")
}

// TestDashboardSales checks the start page's sales figures: today's and
// this month's in Shanghai days, every store for the owner, their own for
// a store's manager, none for a cashier.
func TestDashboardSales(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 3, 15, 0, 30, 0, 0, cst) // 16:30 UTC the day before
	e.app.Now = func() time.Time { return now.UTC() }
	other, err := e.app.Shops.Create(ctx, linli.System, shop.Input{Code: "S2", Name: "二号店"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Auth.CreateStaff(ctx, linli.System, auth.StaffInput{Username: "boss2", DisplayName: "二店长",
		Password: password, Role: auth.RoleManager, StoreID: other.ID}); err != nil {
		t.Fatal(err)
	}
	m, err := e.app.Members.Create(ctx, linli.System, member.Input{Name: "吴刚", Phone: "13311112222"})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i, s := range []struct {
		store  int64
		member any
		at     time.Time
		fen    int64
	}{
		{e.store.ID, m.ID, now.Add(-10 * time.Minute), 10000}, // today, Shanghai time
		{e.store.ID, nil, now.Add(-20 * time.Minute), 5001},
		{other.ID, nil, now.Add(-25 * time.Minute), 3000},
		{e.store.ID, m.ID, now.Add(-40 * time.Minute), 2000}, // yesterday
		{other.ID, m.ID, now.AddDate(0, 0, -14), 7000},       // 1 March
		{e.store.ID, m.ID, now.AddDate(0, 0, -15), 90000},    // February
	} {
		rows = append(rows, []any{s.store, "T1", fmt.Sprintf("R%d", i), []byte{1}, s.member, s.at.UnixMilli(), s.fen,
			"completed", s.at.UnixMilli()})
	}
	err = e.app.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertRows(ctx, "sales", "store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, status, created_at", rows)
	})
	if err != nil {
		t.Fatal(err)
	}

	o := e.client()
	o.login("owner")
	mustContain(t, o.get("/"), "owner's start page", `id="sales-today">¥180.01<`, "今日销售额（3 单）",
		`id="sales-month">¥270.01<`, "本月销售额（5 单）", `id="avg-month">¥54.00<`, `id="member-share">70.4%<`)
	b := e.client()
	b.login("boss2")
	mustContain(t, b.get("/"), "store 2's manager's start page", `id="sales-today">¥30.00<`, `id="sales-month">¥100.00<`,
		"本月销售额（2 单）", `id="member-share">70%<`)
	c := e.client()
	c.login("cashier")
	if r := c.get("/"); strings.Contains(r.body, "sales-stats") {
		t.Error("a cashier sees the sales figures")
	}
}

// TestMenuSections checks the top bar's sections and the tabs of the
// current one: an owner's settings, and what a cashier is offered.
func TestMenuSections(t *testing.T) {
	e := newEnv(t)
	o := e.client()
	o.login("owner")
	r := o.get("/stores")
	mustContain(t, r, "owner on stores", `<a href="/settings/loyalty" class="active">设置</a>`,
		`<nav class="subnav" aria-label="本栏目">`, `<a href="/stores" aria-current="page">门店</a>`, `<a href="/audit">审计日志</a>`)
	r = o.get("/")
	mustContain(t, r, "owner's start page", `<a href="/" class="active" aria-current="page">首页</a>`, `<a href="/members">会员</a>`)
	if strings.Contains(r.body, `class="subnav"`) {
		t.Error("the start page, alone in its section, has tabs")
	}
	c := e.client()
	c.login("cashier")
	r = c.get("/members")
	mustContain(t, r, "cashier on members", `<a href="/members" aria-current="page">会员列表</a>`)
	for _, not := range []string{`href="/settings/loyalty"`, `href="/duplicates"`, `href="/audit"`, "设置</a>"} {
		if strings.Contains(r.body, not) {
			t.Errorf("a cashier is offered %s", not)
		}
	}
}
