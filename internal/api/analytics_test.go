package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

func TestAnalyticsAPI(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testAnalyticsAPI(t, openAppOn(t, backend)) })
	}
}

func testAnalyticsAPI(t *testing.T, a *app.App) {
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "boss", Password: "password-123", Role: auth.RoleOwner},
		{Username: "analyst", Password: "password-123", Role: auth.RoleAnalyst},
		{Username: "till", Password: "password-123", Role: auth.RoleCashier, StoreID: st.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	// 150 members buying at their own pace for a year; some stop.
	rng := rand.New(rand.NewPCG(3, 5))
	now := a.Now()
	var rows [][]any
	for i := range 150 {
		m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "赵小红", Phone: fmt.Sprintf("1370000%04d", i), StoreID: st.ID})
		if err != nil {
			t.Fatal(err)
		}
		every, stop := 3+rng.IntN(40), 60+rng.IntN(340)
		mean := 2000 + rng.ExpFloat64()*6000 // fen per visit, the member's own
		for day := 360 - rng.IntN(30); day > 0 && 360-day <= stop; day -= every + rng.IntN(every) {
			at := now.Add(-time.Duration(day) * 24 * time.Hour).UnixMilli()
			rows = append(rows, []any{st.ID, "T1", fmt.Sprintf("R%d", len(rows)), []byte{1}, m.ID, at, int64(mean * (0.3 + 1.4*rng.Float64())), "completed", at})
		}
	}
	if err := a.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertRows(ctx, "sales", "store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, status, created_at", rows)
	}); err != nil {
		t.Fatal(err)
	}

	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	type who struct{ token, csrf string }
	login := func(user string) who {
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return who{sess.Token, sess.CSRF}
	}
	boss, analyst, till := login("boss"), login("analyst"), login("till")
	call := func(c who, method, path, body string) *httptest.ResponseRecorder {
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.AddCookie(&http.Cookie{Name: "linli_session", Value: c.token})
		req.Header.Set("X-CSRF-Token", c.csrf)
		req.Header.Set("Accept-Language", "en")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	check := func(w *httptest.ResponseRecorder, status int, schema string, v any) {
		t.Helper()
		if w.Code != status {
			t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
		}
		sch, err := compileComponent(x, schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("answer does not match %s: %v\n%s", schema, err, w.Body)
		}
		if v != nil {
			if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	problem := func(w *httptest.ResponseRecorder, status int, code string) {
		t.Helper()
		var p struct {
			Code string `json:"code"`
		}
		json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != status || p.Code != code {
			t.Errorf("status %d code %q, want %d %s: %s", w.Code, p.Code, status, code, w.Body)
		}
	}

	// Before any run: answers without figures; an audience cannot be made.
	check(call(analyst, "GET", "/api/v1/analytics/segments", ""), 200, "AnalyticsSegments", nil)
	problem(call(analyst, "POST", "/api/v1/audiences", `{"name":"x","source":"churn"}`), http.StatusConflict, "audience.no_scores")

	// Start a run; a second one while it is recorded as running is 409.
	problem(call(analyst, "POST", "/api/v1/analytics/runs", ""), http.StatusForbidden, "auth.forbidden")
	var run struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	check(call(boss, "POST", "/api/v1/analytics/runs", ""), http.StatusAccepted, "AnalysisRun", &run)
	a.Analysis.Wait()
	var runs api.RunList
	check(call(analyst, "GET", "/api/v1/analytics/runs?limit=5", ""), 200, "AnalysisRunList", &runs)
	if len(runs.Items) != 1 || runs.Items[0].ID != run.ID || runs.Items[0].Status != "done" || runs.Items[0].Members != 150 ||
		runs.Items[0].StartedBy != "boss" || runs.Items[0].Detail == nil {
		t.Fatalf("runs %+v", runs.Items)
	}
	if err := a.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO analysis_runs (model, version, started_at, status, progress_at) VALUES ('linli-customer', '1', ?, 'running', ?)`,
			now.UnixMilli(), now.UnixMilli())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	problem(call(boss, "POST", "/api/v1/analytics/runs", ""), http.StatusConflict, "analysis.running")
	if _, err := a.DB.W.Exec(`UPDATE analysis_runs SET status = 'failed' WHERE status = 'running'`); err != nil {
		t.Fatal(err)
	}

	var seg struct {
		Members  int `json:"members"`
		Segments []struct {
			Segment string `json:"segment"`
			Members int    `json:"members"`
		} `json:"segments"`
		Grid [5][5]int `json:"rf_grid"`
	}
	check(call(analyst, "GET", "/api/v1/analytics/segments", ""), 200, "AnalyticsSegments", &seg)
	if seg.Members != 150 || len(seg.Segments) != 11 {
		t.Errorf("segments: %+v", seg)
	}
	var value api.ValueAnswer
	check(call(analyst, "GET", "/api/v1/analytics/value?store_id="+fmt.Sprint(st.ID), ""), 200, "AnalyticsValue", &value)
	if len(value.Top) == 0 {
		t.Fatalf("value: %s", call(analyst, "GET", "/api/v1/analytics/value", "").Body)
	}
	if len(value.Top) != 50 || !strings.Contains(value.Top[0].Name, "*") || value.Top[0].CardNo == "" {
		t.Errorf("value top: %d, first %+v", len(value.Top), value.Top[0])
	}
	check(call(analyst, "GET", "/api/v1/analytics/clusters", ""), 200, "AnalyticsClusters", nil)

	// The churn list, page by page.
	var churn api.ChurnAnswer
	check(call(analyst, "GET", "/api/v1/analytics/churn?p_alive_below=0.9&limit=10", ""), 200, "AnalyticsChurn", &churn)
	if churn.Total == 0 || len(churn.Items) != min(10, churn.Total) || churn.Items[0].Reasons[0].Text == "" ||
		!strings.Contains(churn.Items[0].Reasons[0].Text, fmt.Sprint(churn.Items[0].RecencyDays)) {
		t.Fatalf("churn: total %d, %d items, %+v", churn.Total, len(churn.Items), churn.Items)
	}
	seen := len(churn.Items)
	for next := churn.NextCursor; next != nil; {
		var p api.ChurnAnswer
		check(call(analyst, "GET", "/api/v1/analytics/churn?p_alive_below=0.9&limit=10&cursor="+*next, ""), 200, "AnalyticsChurn", &p)
		seen += len(p.Items)
		next = p.NextCursor
	}
	if seen != churn.Total {
		t.Errorf("pages held %d of %d", seen, churn.Total)
	}
	for q, code := range map[string]string{
		"p_alive_below=0": "analysis.p_alive_invalid", "p_alive_below=x": "analysis.p_alive_invalid",
		"segment=vip": "analysis.segment_invalid", "min_value_fen=-1": "request.query_invalid",
		"cursor=zzz": "request.cursor_invalid", "limit=0": "request.query_invalid", "store_id=0": "request.query_invalid",
	} {
		problem(call(analyst, "GET", "/api/v1/analytics/churn?"+q, ""), http.StatusUnprocessableEntity, code)
	}
	problem(call(till, "GET", "/api/v1/analytics/churn", ""), http.StatusForbidden, "auth.forbidden")

	// Audiences: bad input changes nothing; a good one holds the list.
	for body, code := range map[string]string{
		`{"name":"","source":"churn"}`:                                "audience.name_required",
		`{"name":"x","source":"sms"}`:                                 "audience.source_invalid",
		`{"name":"x","source":"segment"}`:                             "audience.segment_required",
		`{"name":"x","source":"churn","p_alive_below":3}`:             "analysis.p_alive_invalid",
		`{"name":"x","source":"churn","min_value_fen":1000000000000}`: "audience.empty",
		`{"name":"x","source":"churn","colour":"red"}`:                "request.unknown_field",
	} {
		w := call(analyst, "POST", "/api/v1/audiences", body)
		if w.Code != http.StatusUnprocessableEntity && w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", body, w.Code)
		}
		var p struct {
			Code string `json:"code"`
		}
		json.Unmarshal(w.Body.Bytes(), &p)
		if p.Code != code && code != "request.unknown_field" {
			t.Errorf("%s: code %q, want %s", body, p.Code, code)
		}
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audiences`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("bad input saved %d audiences (%v)", n, err)
	}
	var au struct {
		ID      int64 `json:"id"`
		Members int   `json:"member_count"`
	}
	w := call(analyst, "POST", "/api/v1/audiences", `{"name":"win-back","source":"churn","p_alive_below":0.9}`)
	check(w, http.StatusCreated, "Audience", &au)
	if au.Members != churn.Total || w.Header().Get("Location") != fmt.Sprintf("/api/v1/audiences/%d", au.ID) {
		t.Fatalf("audience %+v at %s, want %d members", au, w.Header().Get("Location"), churn.Total)
	}
	check(call(analyst, "GET", fmt.Sprintf("/api/v1/audiences/%d", au.ID), ""), 200, "Audience", nil)
	var list api.AudiencePage
	check(call(analyst, "GET", "/api/v1/audiences", ""), 200, "AudiencePage", &list)
	if len(list.Items) != 1 || list.Items[0].Name != "win-back" {
		t.Errorf("audiences %+v", list.Items)
	}
	got := 0
	path := fmt.Sprintf("/api/v1/audiences/%d/members?limit=7", au.ID)
	for {
		var p api.AudienceMemberPage
		check(call(analyst, "GET", path, ""), 200, "AudienceMemberPage", &p)
		for _, it := range p.Items {
			if it.Score == nil || !strings.Contains(it.Phone, "****") {
				t.Fatalf("audience member %+v", it)
			}
		}
		got += len(p.Items)
		if p.NextCursor == nil {
			break
		}
		path = fmt.Sprintf("/api/v1/audiences/%d/members?limit=7&cursor=%s", au.ID, *p.NextCursor)
	}
	if got != au.Members {
		t.Errorf("listed %d of %d members", got, au.Members)
	}
	problem(call(analyst, "GET", "/api/v1/audiences/999/members", ""), http.StatusNotFound, "audience.not_found")
	problem(call(analyst, "GET", "/api/v1/audiences/abc", ""), http.StatusNotFound, "audience.not_found")
	problem(call(till, "GET", "/api/v1/audiences", ""), http.StatusForbidden, "auth.forbidden")
}
