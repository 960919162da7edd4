package web_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInsightBrowser opens the five sales-analysis pages in headless
// Chromium and checks that every chart draws (a canvas with pixels in each
// [data-chart] element) without a JavaScript error, a console error or a
// CSP violation.
func TestInsightBrowser(t *testing.T) {
	chromePath(t) // skips at once without Chromium
	e := newEnv(t)
	seedBaskets(t, e)

	b := newBrowser(t, 120*time.Second, nil)
	ctx := b.ctx

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v (browser problems: %v)", what, err, b.Problems())
		}
	}
	do("log in",
		chromedp.Navigate(e.srv.URL+"/analytics/baskets"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "owner"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("rules-table")),
	)
	// drawn counts the chart elements and those holding a canvas with a
	// size, once every chart has one or the wait ends.
	const drawn = `(() => {
		const els = [...document.querySelectorAll("[data-chart]")];
		const ok = els.filter(el => { const c = el.querySelector("canvas"); return c && c.width > 0 && c.height > 0; });
		return els.length > 0 && ok.length === els.length ? els.length : 0;
	})()`
	for _, p := range []struct {
		path, ready string
		charts      int
	}{
		{"/analytics/baskets", "rules-chart", 1},
		{"/analytics/baskets?level=category&sort=support", "rules-chart", 1},
		{"/analytics/lifecycle", "lifecycle-sankey", 2},
		{"/analytics/groups", "groups-age-chart", 3},
		{"/analytics/habits", "habits-heat", 4},
		{"/analytics/forecast?weeks=16", "forecast-chart", 1},
	} {
		do("open "+p.path, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.ID(p.ready)))
		n, err := chromedp.Run(ctx, chromedp.Poll[int](drawn, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || n != p.charts {
			t.Errorf("%s: %d charts drawn, want %d (%v)", p.path, n, p.charts, err)
		}
		if os.Getenv(envScreenshots) != "" {
			name := strings.NewReplacer("/analytics/", "insight-", "?", "-", "&", "-", "=", "_").Replace(p.path)
			shootTo(t, ctx, name+".png")
		}
	}
	// The filter form sends the page to itself with the new parameters.
	do("filter the rules",
		chromedp.Navigate(e.srv.URL+"/analytics/baskets"),
		chromedp.WaitVisible(chromedp.ID("rules-form")),
		chromedp.SendKeys(chromedp.CSS(`input[name="item"]`), "鸡蛋"),
		chromedp.Click(chromedp.ID("rules-apply")),
	)
	// The old page's table stays visible until the new page replaces it,
	// so wait for the new address first.
	loc := ""
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(loc, "item=") && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		loc, _ = chromedp.Run(ctx, chromedp.Location())
	}
	if !strings.Contains(loc, "item=") {
		t.Fatalf("after filtering the page is %s", loc)
	}
	do("see the filtered rules", chromedp.WaitVisible(chromedp.ID("rules-table")))
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("rules-table")))
	if err != nil || !strings.Contains(rows, "鸡蛋") {
		t.Errorf("filtered rules %q (%v)", rows, err)
	}

	for _, p := range b.Problems() {
		t.Errorf("browser reported: %s", p)
	}
}
