package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/store"
)

// shootTo saves a screenshot of the page to /tmp/linli-shots.
func shootTo(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := "/tmp/linli-shots"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Environment variables of the browser test.
const (
	envChrome      = "LINLI_CHROME"       // the Chromium binary; default /usr/bin/chromium
	envBrowserTest = "LINLI_BROWSER_TEST" // "1": fail instead of skipping without Chromium (CI)
	envScreenshots = "LINLI_SCREENSHOTS"  // set: save screenshots to /tmp/linli-shots
)

func chromePath(t *testing.T) string {
	p := os.Getenv(envChrome)
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv(envBrowserTest) == "1" {
			t.Fatalf("no Chromium at %s (%v); set %s to the browser binary", p, err, envChrome)
		}
		t.Skipf("no Chromium at %s; set %s to run the browser test (%s=1 makes this a failure)", p, envChrome, envBrowserTest)
	}
	return p
}

// browser is headless Chromium for one test, with a listener in place
// before the first page loads that collects what the pages report as
// wrong: exceptions, console errors and browser-logged errors (blocked
// scripts, CSP violations, failed loads).
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// newBrowser starts Chromium for t, stopped when t ends; ignore, when not
// nil, passes over a logged entry the test expects.
func newBrowser(t *testing.T, timeout time.Duration, ignore func(*cdplog.Entry) bool) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromePath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	b := &browser{}
	listen := chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.report("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, strings.TrimSpace(string(a.Value)+" "+a.Description))
				}
				b.report("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError && (ignore == nil || !ignore(ev.Entry)) {
				b.report("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
	})
	ctx, cancelCtx := chromedp.NewContext(allocCtx, listen)
	t.Cleanup(cancelCtx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	b.ctx = ctx
	return b
}

func (b *browser) report(format string, args ...any) {
	b.mu.Lock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// Problems is what the pages reported so far.
func (b *browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

// TestBrowser drives the console in headless Chromium: log in, register a
// member through the form, find them by phone with the search box and see
// the profile. Any JavaScript exception, console error or browser-logged
// error (a blocked script, a missing asset) fails the test.
func TestBrowser(t *testing.T) {
	chromePath(t) // skips at once without Chromium
	e := newEnv(t)

	// A form sent back with its errors answers 422, which the browser logs
	// as a failed load; that is expected while allowInvalid is set.
	var allowInvalid atomic.Bool
	b := newBrowser(t, 180*time.Second, func(e *cdplog.Entry) bool {
		return allowInvalid.Load() && e.Source == cdplog.EntrySourceNetwork && strings.Contains(e.Text, "status of 422")
	})
	ctx := b.ctx

	const phone = "13812345678"
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("read #%s: %v (browser problems: %v)", id, err, b.Problems())
		}
		return strings.TrimSpace(s)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v (browser problems: %v)", what, err, b.Problems())
		}
	}

	// A page behind the login sends the visitor to log in first …
	do("log in",
		chromedp.Navigate(e.srv.URL+"/members/new"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "owner"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
	)
	// … and back to the form it asked for.
	do("register a member",
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "周晓兰"),
		chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.SetValue(chromedp.ID("gender"), "F"),
		chromedp.SendKeys(chromedp.ID("birthday"), "1988-03-15"),
		chromedp.SendKeys(chromedp.ID("area"), "幸福里小区"),
		chromedp.SendKeys(chromedp.ID("occupation"), "护士"),
		chromedp.SendKeys(chromedp.ID("tags"), "生鲜, 夜间购物"),
		chromedp.Click(chromedp.CSS(`input[name="consent"][value="wechat"]`)),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("member-card")),
	)
	if card := text("member-card"); card == "" {
		t.Error("the new profile shows no card number")
	}
	// The search box finds the member by phone and opens the profile.
	do("search by phone",
		chromedp.Navigate(e.srv.URL+"/members"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), phone),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.ID("member-phone")),
	)
	profileURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	// The member's QR code is a real picture, not a broken image.
	qrWidth, err := chromedp.Run(ctx, chromedp.Poll[int](
		`(() => { const i = document.querySelector("img.qr"); return i && i.complete && i.naturalWidth })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || qrWidth < 200 {
		t.Errorf("QR image: %d pixels wide, %v", qrWidth, err)
	}
	if name := text("member-name"); !strings.HasPrefix(name, "周**") {
		t.Errorf("profile name %q, want the masked 周**", name)
	}
	if shown := text("member-phone"); shown != "138****5678" {
		t.Errorf("profile phone %q, want 138****5678", shown)
	}

	// The import page polls with htmx until the job ends: a job marked
	// running shows a bar, and the page picks up the end without a reload.
	var jobID int64
	err = e.app.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		jobID, err = tx.InsertID(ctx, `INSERT INTO import_jobs (kind, file_name, status, total_rows, done_rows, started_at)
			VALUES ('members', 'members.csv', 'running', 10, 4, ?)`, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	do("watch an import", chromedp.Navigate(fmt.Sprintf("%s/import/%d", e.srv.URL, jobID)),
		chromedp.WaitVisible(chromedp.CSS("progress.bar")))
	err = e.app.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET status = 'done', done_rows = 10, inserted = 10, finished_at = ? WHERE id = ?`,
			time.Now().UnixMilli(), jobID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	do("see the import end", chromedp.WaitVisible(chromedp.CSS(".badge.job-done")))

	// The till: identify the member by phone, sell two bottles at 12.50
	// and see the points, then the sale on the profile.
	if _, err := e.app.Products.Create(ctx, linli.System, catalog.Input{Code: "A1", Name: "海天生抽", Category: "调味", PriceFen: 1250}); err != nil {
		t.Fatal(err)
	}
	do("identify at the till",
		chromedp.Navigate(e.srv.URL+"/pos"),
		chromedp.WaitVisible(chromedp.ID("pos-value")),
		chromedp.SetValue(chromedp.ID("pos-kind"), "phone"),
		chromedp.SendKeys(chromedp.ID("pos-value"), phone),
		chromedp.Click(chromedp.ID("pos-find")),
		chromedp.WaitVisible(chromedp.ID("pos-member")),
	)
	if bal := text("pos-member-balance"); bal != "0" {
		t.Errorf("balance before the sale %q", bal)
	}
	do("sell",
		chromedp.SendKeys(chromedp.ID("code-0"), "A1"),
		chromedp.SendKeys(chromedp.ID("qty-0"), "2"),
		chromedp.Click(chromedp.ID("pos-commit")),
		chromedp.WaitVisible(chromedp.ID("pos-result")),
	)
	if earned, total := text("pos-earned"), text("pos-total"); earned != "25" || total != "¥25.00" {
		t.Errorf("the till answered %s points for %s, want 25 for ¥25.00", earned, total)
	}
	if bal := text("pos-balance"); bal != "25" {
		t.Errorf("balance after the sale %q", bal)
	}
	if os.Getenv(envScreenshots) != "" {
		shootTo(t, ctx, "pos.png")
	}
	do("see the sale on the profile", chromedp.Navigate(profileURL), chromedp.WaitVisible(chromedp.ID("member-sales")))
	if sales := text("member-sales"); !strings.Contains(sales, "¥25.00") || !strings.Contains(sales, "幸福里店") {
		t.Errorf("the profile's purchases: %q", sales)
	}
	if bal := text("points-balance"); bal != "25" {
		t.Errorf("the profile's balance %q", bal)
	}

	// The rules: a weekend double-points promotion in the empty row.
	do("add a promotion",
		chromedp.Navigate(e.srv.URL+"/settings/loyalty"),
		chromedp.WaitVisible(chromedp.ID("promo-name-0")),
		chromedp.SendKeys(chromedp.ID("promo-name-0"), "周末双倍"),
		chromedp.Click(chromedp.ID("promo-day-0-6")),
		chromedp.Click(chromedp.ID("promo-day-0-0")),
		chromedp.SendKeys(chromedp.ID("promo-x-0"), "2"),
		chromedp.Click(chromedp.ID("loyalty-save")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if promos := text("promotions-current"); !strings.Contains(promos, "周末双倍 ×2") || !strings.Contains(promos, "六、日") {
		t.Errorf("the rules show the promotions as %q", promos)
	}
	// Points by hand, from the profile's link to the ledger's form.
	do("adjust points",
		chromedp.Navigate(profileURL),
		chromedp.WaitVisible(chromedp.ID("adjust-link")),
		chromedp.Click(chromedp.ID("adjust-link")),
		chromedp.WaitVisible(chromedp.ID("adjust-points")),
		chromedp.SendKeys(chromedp.ID("adjust-points"), "15"),
		chromedp.SendKeys(chromedp.ID("adjust-reason"), "小票漏积分补录"),
		chromedp.Click(chromedp.ID("adjust-save")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if bal := text("points-balance"); bal != "40" {
		t.Errorf("the balance after adding 15 points is %q", bal)
	}
	if ledger := text("ledger"); !strings.Contains(ledger, "小票漏积分补录") {
		t.Errorf("the ledger after the adjustment: %q", ledger)
	}

	if os.Getenv(envScreenshots) != "" {
		dir := "/tmp/linli-shots"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		shoot := func(name string) {
			t.Helper()
			b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		do("open the profile", chromedp.Navigate(profileURL), chromedp.WaitVisible(chromedp.ID("member-phone")))
		shoot("member-profile.png")
		do("open the list", chromedp.Navigate(e.srv.URL+"/members"), chromedp.WaitVisible(chromedp.CSS("table.list")))
		shoot("member-list.png")
		allowInvalid.Store(true)
		do("a form with an error",
			chromedp.Navigate(e.srv.URL+"/members/new"),
			chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.SendKeys(chromedp.ID("name"), "吴"),
			chromedp.SendKeys(chromedp.ID("phone"), "12345"),
			chromedp.Click(chromedp.ID("save")),
			chromedp.WaitVisible(chromedp.CSS(".field-error")),
		)
		shoot("member-form-error.png")
		allowInvalid.Store(false)
		do("the start page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".stats")))
		shoot("dashboard.png")
		do("the sale", chromedp.Navigate(profileURL), chromedp.WaitVisible(chromedp.ID("member-sales")),
			chromedp.Click(chromedp.CSS("#member-sales a")), chromedp.WaitVisible(chromedp.ID("sale-lines")))
		shoot("sale.png")
		do("the rules", chromedp.Navigate(e.srv.URL+"/settings/loyalty"), chromedp.WaitVisible(chromedp.ID("loyalty-form")))
		shoot("loyalty.png")
		do("the tiers", chromedp.Navigate(e.srv.URL+"/settings/tiers"), chromedp.WaitVisible(chromedp.ID("tiers-form")))
		shoot("tiers.png")
		do("the ledger", chromedp.Navigate(profileURL+"/points"), chromedp.WaitVisible(chromedp.ID("adjust")))
		shoot("ledger.png")
	}

	// Analytics: the charts draw under the page's CSP (no inline style or
	// script), their tooltips show on hover without breaking it, the run
	// button starts a run the page follows to its end, and the churn list
	// saves as an audience.
	seedScores(t, e, 160)
	hover := func(id string) {
		t.Helper()
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const el = document.getElementById("`+id+`");
			el.scrollIntoView({block: "center"}); const r = el.getBoundingClientRect();
			return [r.left + r.width * 0.55, r.top + r.height * 0.45]; })()`))
		if err != nil || len(xy) != 2 {
			t.Fatalf("find #%s: %v", id, err)
		}
		do("hover #"+id, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]), chromedp.Sleep(400*time.Millisecond))
	}
	for _, c := range []struct{ path, chart, shot string }{
		{"/analytics", "chart-grid", ""},
		{"/analytics", "chart-segments", "analytics-segments.png"},
		{"/analytics/value", "chart-clv", "analytics-value.png"},
		{"/analytics/clusters", "chart-clusters", "analytics-clusters.png"},
	} {
		do("open "+c.path, chromedp.Navigate(e.srv.URL+c.path), chromedp.WaitVisible(chromedp.CSS("#"+c.chart+" canvas")))
		hover(c.chart)
		if c.shot != "" && os.Getenv(envScreenshots) != "" {
			shootTo(t, ctx, c.shot)
		}
	}
	do("run the analysis",
		chromedp.Navigate(e.srv.URL+"/analytics"),
		chromedp.WaitVisible(chromedp.ID("run-now")),
		chromedp.Click(chromedp.ID("run-now")),
	)
	// The page reloads itself when the run ends, which cuts a poll short:
	// look again until the new run shows.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		done, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const f = document.querySelector(".run-facts"); return !!f && f.textContent.includes("#2"); })()`))
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run started from the page never shows as done (browser problems: %v)", b.Problems())
		}
	}
	do("save the churn list",
		chromedp.Navigate(e.srv.URL+"/analytics/churn?p_alive_below=0.9"),
		chromedp.WaitVisible(chromedp.ID("churn-list")),
		chromedp.Click(chromedp.ID("audience-save")),
		chromedp.WaitVisible(chromedp.ID("audience-count")),
	)
	if n := text("audience-count"); n == "" || n == "0" {
		t.Errorf("the saved audience holds %q members", n)
	}
	if os.Getenv(envScreenshots) != "" {
		shootTo(t, ctx, "audience.png")
		do("the churn list", chromedp.Navigate(e.srv.URL+"/analytics/churn"), chromedp.WaitVisible(chromedp.ID("churn-filters")))
		shootTo(t, ctx, "analytics-churn.png")
	}

	for _, p := range b.Problems() {
		t.Errorf("browser reported: %s", p)
	}
}
