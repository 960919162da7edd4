package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/store"
)

// seedScores registers n members (names sealed as usual), gives them a
// year of sales by a fixed random story, and runs the analysis, so that
// every model fits.
func seedScores(t *testing.T, e *env, n int) {
	t.Helper()
	if d := seedRun(t, e, n).Detail; d.BGNBD == nil || d.GammaGamma == nil || len(d.Clusters) == 0 {
		t.Fatalf("models skipped: %q %q %q", d.BGNBDSkipped, d.GammaSkipped, d.ClusterSkipped)
	}
}

// seedRun is seedScores without the check that the models fit.
func seedRun(t *testing.T, e *env, n int) *analysis.Run {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	surnames := []rune("王李张刘陈杨赵黄周吴")
	now := e.app.Now()
	var rows [][]any
	for i := range n {
		m, err := e.app.Members.Create(ctx, linli.System, member.Input{
			Name:  string(surnames[i%len(surnames)]) + "小" + string(rune('甲'+i%10)),
			Phone: fmt.Sprintf("1390000%04d", i), StoreID: e.store.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Every member buys at their own pace; some stop coming.
		every := 3 + rng.IntN(40)
		stopAfter := 60 + rng.IntN(340)
		mean := 2000 + rng.ExpFloat64()*6000 // fen per visit, the member's own
		for day := 360 - rng.IntN(30); day > 0; day -= every + rng.IntN(every) {
			if 360-day > stopAfter {
				break
			}
			at := now.Add(-time.Duration(day) * 24 * time.Hour)
			rows = append(rows, []any{e.store.ID, "T1", fmt.Sprintf("R%d", len(rows)), []byte{1}, m.ID, at.UnixMilli(),
				int64(mean * (0.3 + 1.4*rng.Float64())), "completed", at.UnixMilli()})
		}
	}
	err := e.app.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertRows(ctx, "sales", "store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, status, created_at", rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.app.Analysis.Run(ctx, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestAnalyticsSkippedModels checks that the run box says why a model was
// not fitted in the reader's language, the run's own words a click away.
func TestAnalyticsSkippedModels(t *testing.T) {
	e := newEnv(t)
	run := seedRun(t, e, 12)
	o := e.client()
	o.login("owner")
	r := o.get("/analytics")
	mustStatus(t, r, http.StatusOK, "overview of a small run")
	mustContain(t, r, "overview of a small run", "购买预测（BG/NBD）: 只有 12 位会员有消费，至少需要 50 位",
		"聚类: 只有 12 位会员有消费，至少需要 100 位")
	for path, want := range map[string]string{
		"/analytics":          "",
		"/analytics/value":    `<div class="alert">终身价值未计算： 只有 12 位会员有消费，至少需要 50 位`,
		"/analytics/clusters": `<div class="alert">本次未聚类： 只有 12 位会员有消费，至少需要 100 位`,
	} {
		r := o.get(path)
		mustContain(t, r, path+" of a small run", want)
		if strings.Contains(r.body, "members have bought") {
			t.Errorf("%s: the English reason shows on the Chinese page", path)
		}
	}
	noRawKeys(t, r, "overview of a small run")
	mustStatus(t, o.post("/lang", url.Values{"lang": {"en"}, "back": {"/analytics"}}), http.StatusSeeOther, "switch language")
	r = o.get("/analytics")
	mustContain(t, r, "overview of a small run in English", "Purchase model (BG/NBD): only 12 members have bought; at least 50 are needed")

	// A fit that failed shows its own words a click away; a run from
	// before the reason codes shows its words as they are.
	d := run.Detail
	d.BGNBDSkipCode, d.BGNBDSkipped = analysis.SkipNoFit, "clv: BG/NBD: r runs to 1e8"
	d.ClusterSkipCode, d.ClusterSkipped = "", "old words"
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DB.W.Exec(`UPDATE analysis_runs SET detail = ? WHERE id = ?`, string(b), run.ID); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, o.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/analytics"}}), http.StatusSeeOther, "switch language")
	r = o.get("/analytics")
	mustContain(t, r, "a failed fit", "购买预测（BG/NBD）: 这批数据拟合不出该模型 <details><summary>技术原因</summary>clv: BG/NBD: r runs to 1e8",
		"聚类: old words</div>")
}

func count(t *testing.T, e *env, q string) int {
	t.Helper()
	var n int
	if err := e.app.DB.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAnalyticsPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.app.Auth.CreateStaff(ctx, linli.System, auth.StaffInput{Username: "ana", DisplayName: "分析师", Password: password,
		Role: auth.RoleAnalyst}); err != nil {
		t.Fatal(err)
	}
	// Before any run the pages say so.
	o := e.client()
	o.login("owner")
	r := o.get("/analytics")
	mustStatus(t, r, http.StatusOK, "overview before a run")
	mustContain(t, r, "overview before a run", `id="run-none"`, `id="run-now"`)

	seedScores(t, e, 160)
	r = o.get("/analytics")
	mustStatus(t, r, http.StatusOK, "overview")
	mustContain(t, r, "overview", `id="seg-members">160<`, "冠军客户", "给予奖励", `id="chart-segments" data-chart="{`,
		`&#34;heatmap&#34;`, `&#34;renderMode&#34;:&#34;richText&#34;`, "linli-customer", `id="run-now"`, "高价值客户")
	noRawKeys(t, r, "overview")

	a := e.client()
	a.login("ana")
	r = a.get("/analytics")
	mustStatus(t, r, http.StatusOK, "overview for an analyst")
	if strings.Contains(r.body, `id="run-now"`) {
		t.Error("an analyst is offered to start a run")
	}
	mustStatus(t, a.post("/analytics/runs", nil), http.StatusForbidden, "analyst starts a run")
	cashier := e.client()
	cashier.login("cashier")
	mustStatus(t, cashier.get("/analytics/churn"), http.StatusForbidden, "cashier reads the churn list")

	r = a.get("/analytics/value")
	mustStatus(t, r, http.StatusOK, "value")
	mustContain(t, r, "value", `id="chart-clv"`, `id="chart-alive"`, `id="top-clv"`, "**</a>", "¥0–50")
	if strings.Contains(r.body, "小甲") {
		t.Error("value: a name in clear")
	}
	noRawKeys(t, r, "value")
	r = a.get("/analytics/clusters")
	mustStatus(t, r, http.StatusOK, "clusters")
	mustContain(t, r, "clusters", `id="chart-clusters"`, "第 1 组", "全部会员", "最近来过")
	noRawKeys(t, r, "clusters")

	// The churn list: bad filters are 422 with the reason.
	for q, code := range map[string]string{
		"p_alive_below=abc": "analysis.p_alive_invalid", "p_alive_below=1.5": "analysis.p_alive_invalid",
		"segment=vip": "analysis.segment_invalid", "min_value=-3": "analysis.min_value_invalid",
		"after=x": "request.cursor_invalid",
	} {
		r = a.get("/analytics/churn?" + q)
		mustStatus(t, r, http.StatusUnprocessableEntity, q)
		mustContain(t, r, q, `id="churn-error"`, errMsg(code))
	}
	r = a.get("/analytics/churn?p_alive_below=0.9")
	mustStatus(t, r, http.StatusOK, "churn")
	mustContain(t, r, "churn", `id="churn-list"`, "仍活跃概率 0.", "天前", `id="audience-save"`)
	noRawKeys(t, r, "churn")
	total := count(t, e, `SELECT COUNT(*) FROM member_scores WHERE p_alive < 0.9`)
	if total == 0 || !strings.Contains(r.body, fmt.Sprintf(`id="churn-total">%d<`, total)) {
		t.Fatalf("churn total: %d expected on the page", total)
	}
	if total > 50 {
		mustContain(t, r, "churn pager", `id="churn-next"`)
	}

	// Save as audience: bad input saves nothing; the whole list is saved.
	for _, form := range []url.Values{
		{"source": {"churn"}, "name": {""}, "p_alive_below": {"0.9"}},
		{"source": {"churn"}, "name": {"x"}, "p_alive_below": {"7"}},
		{"source": {"mailing"}, "name": {"x"}},
		{"source": {"churn"}, "name": {"x"}, "min_value": {"99999999"}},
	} {
		r = a.post("/audiences", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("save %v: status %d", form, r.status)
		}
	}
	if n := count(t, e, `SELECT COUNT(*) FROM audiences`); n != 0 {
		t.Fatalf("bad input saved %d audiences", n)
	}
	r = a.post("/audiences", url.Values{"source": {"churn"}, "name": {"回访名单"}, "p_alive_below": {"0.9"}})
	mustStatus(t, r, http.StatusSeeOther, "save audience")
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/audiences/") {
		t.Fatalf("saved to %q", loc)
	}
	r = a.get(loc)
	mustStatus(t, r, http.StatusOK, "audience")
	mustContain(t, r, "audience", "回访名单", fmt.Sprintf(`id="audience-count">%d<`, total), "**</td>", "139****", `id="audience-export"`)
	noRawKeys(t, r, "audience")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/audiences/")
	r = a.get("/audiences/" + id + "/export.csv")
	mustStatus(t, r, http.StatusOK, "export")
	if lines := strings.Count(strings.TrimSpace(r.body), "\n") + 1; lines != total+1 || !strings.HasPrefix(r.body, "\ufeff会员ID") ||
		strings.Contains(r.body, "1390000") {
		t.Errorf("export: %d lines for %d members, masked: %q", lines, total, r.body[:min(200, len(r.body))])
	}
	if n := count(t, e, `SELECT COUNT(*) FROM audit_log WHERE action = 'audience.create'`); n != 1 {
		t.Errorf("%d audit lines", n)
	}
	// A whole segment, from the overview's button.
	r = a.get("/analytics")
	mustContain(t, r, "segment save button", `id="save-champions"`, `value="冠军客户 `)
	r = a.post("/audiences", url.Values{"source": {"segment"}, "segment": {"champions"}, "name": {"冠军客户"}, "store": {""}})
	mustStatus(t, r, http.StatusSeeOther, "save a segment")
	champions := count(t, e, `SELECT COUNT(*) FROM member_scores WHERE segment = 'champions'`)
	if n := count(t, e, `SELECT member_count FROM audiences WHERE name = '冠军客户'`); n != champions {
		t.Errorf("segment audience holds %d, the segment %d", n, champions)
	}
	r = a.get("/audiences")
	mustContain(t, r, "audiences", "回访名单", "流失风险名单", "仍活跃概率低于 0.9", "分群：冠军客户")
	mustStatus(t, a.get("/audiences/999"), http.StatusNotFound, "missing audience")
	mustStatus(t, a.get("/audiences/x"), http.StatusNotFound, "bad audience id")
	mustStatus(t, cashier.get("/audiences/"+id), http.StatusForbidden, "cashier reads an audience")

	// In English.
	mustStatus(t, a.post("/lang", url.Values{"lang": {"en"}, "back": {"/analytics"}}), http.StatusSeeOther, "switch language")
	for path, want := range map[string][]string{
		"/analytics":          {"Champions", "What to do", "Reward them", "R × F grid", "High value"},
		"/analytics/value":    {"CLV distribution", "The 50 members with the highest CLV"},
		"/analytics/churn":    {"Members at risk of leaving", "days ago", "segment: ", "Save as audience"},
		"/analytics/clusters": {"Cluster 1", "All members"},
		"/audiences":          {"Churn list", "P(alive) below 0.9"},
	} {
		r = a.get(path)
		mustStatus(t, r, http.StatusOK, path+" in English")
		mustContain(t, r, path+" in English", want...)
		noRawKeys(t, r, path+" in English")
	}

	// Run now: a run going elsewhere is a conflict; then a real one runs
	// in the background and the fragment asks for a reload when it ends.
	var other int64
	err := e.app.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		other, err = tx.InsertID(ctx, `INSERT INTO analysis_runs (model, version, started_at, status, progress_at, phase, done, total)
			VALUES ('linli-customer', '1', ?, 'running', ?, 'writing', 40, 160)`, time.Now().UnixMilli(), time.Now().UnixMilli())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r = o.get("/analytics")
	mustContain(t, r, "overview while running", fmt.Sprintf(`hx-get="/analytics/run?id=%d"`, other), "正在写入评分：40 / 160")
	if strings.Contains(r.body, `id="run-now"`) {
		t.Error("run button offered while a run is going")
	}
	r = o.post("/analytics/runs", nil)
	mustStatus(t, r, http.StatusConflict, "second run")
	mustContain(t, r, "second run", errMsg("analysis.running"))
	if _, err := e.app.DB.W.Exec(`UPDATE analysis_runs SET status = 'failed', error = 'test' WHERE id = ?`, other); err != nil {
		t.Fatal(err)
	}
	r = o.get(fmt.Sprintf("/analytics/run?id=%d", other))
	if r.header.Get("HX-Refresh") != "true" {
		t.Errorf("the fragment of an ended run does not reload the page")
	}
	before := count(t, e, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'done'`)
	mustStatus(t, o.post("/analytics/runs", nil), http.StatusSeeOther, "run now")
	e.app.Analysis.Wait()
	if n := count(t, e, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'done' AND started_by = 'owner'`); n != 1 ||
		count(t, e, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'done'`) != before+1 {
		t.Errorf("run now: %d runs by the owner", n)
	}
}
