package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
)

// TestReportLiabilityAndExpiryJob: two stores, points that lapsed before
// today; the expiry job takes them, and the report adds up to the balances.
func TestReportLiabilityAndExpiryJob(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	ctx := context.Background()
	a := openApp(t, dir)

	r := mustRun(t, "report", "liability", "--data-dir", dir)
	if !strings.Contains(r.stdout, "total") || !strings.Contains(r.stdout, "0.00") {
		t.Errorf("empty report: %s", r)
	}

	rules := sales.DefaultRules()
	rules.Expiry = loyalty.Months(1)
	rules.RedeemFenPerPoint = 3
	if err := a.Sales.SetRules(ctx, linli.System, rules); err != nil {
		t.Fatal(err)
	}
	var tills []sales.Till
	for _, in := range []shop.Input{{Code: "S1", Name: "一号店"}, {Code: "S2", Name: "二号店"}} {
		st, err := a.Shops.Create(ctx, linli.System, in)
		if err != nil {
			t.Fatal(err)
		}
		tills = append(tills, sales.Till{StoreID: st.ID, Terminal: "POS-01"})
	}
	m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: "13800000001"})
	if err != nil {
		t.Fatal(err)
	}
	now := a.Now()
	for i, s := range []struct {
		till sales.Till
		fen  int64
		ago  time.Duration
	}{
		{tills[0], 12345, time.Minute},        // 123 points
		{tills[1], 4000, time.Minute},         // 40 points
		{tills[1], 7000, 90 * 24 * time.Hour}, // 70 points, lapsed
	} {
		if _, err := a.Sales.Commit(ctx, linli.System, s.till, sales.SaleInput{Receipt: "R" + string(rune('1'+i)),
			MemberID: m.ID, SoldAt: now.Add(-s.ago),
			Lines:    []sales.LineInput{{Product: "X1", Name: "酱油", Quantity: 1, UnitPriceFen: s.fen}},
			Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: s.fen}}}); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := a.Sales.Balance(ctx, m.ID); b != 233 {
		t.Fatalf("balance %d", b)
	}

	var logs bytes.Buffer
	job := expireJob(a, slog.New(slog.NewTextHandler(&logs, nil)))
	if job.Name != "points.expire" || job.Every != time.Hour {
		t.Errorf("job %+v", job)
	}
	for range 2 { // idempotent: the second run finds nothing
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := a.Sales.Balance(ctx, m.ID); b != 163 || strings.Count(logs.String(), "points expired") != 1 ||
		!strings.Contains(logs.String(), "points=70") {
		t.Errorf("after the job: balance %d, log %s", b, logs.String())
	}

	r = mustRun(t, "report", "liability", "--data-dir", dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "store") || !strings.Contains(lines[1], "S1") ||
		!strings.Contains(lines[1], "123") || !strings.Contains(lines[1], "3.69") || !strings.Contains(lines[2], "S2") ||
		!strings.Contains(lines[2], "1.20") || !strings.HasPrefix(lines[3], "total") || !strings.Contains(lines[3], "163") ||
		!strings.Contains(lines[3], "4.89") || !strings.Contains(lines[4], "1 point = 0.03 yuan") {
		t.Errorf("table:\n%s", r.stdout)
	}

	r = mustRun(t, "report", "liability", "--format", "csv", "--data-dir", dir)
	csv := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(csv) != 3 || csv[0] != "store_id,store,store_name,expiry_month,points,value_yuan" ||
		!strings.HasPrefix(csv[1], "1,S1,一号店,") || !strings.HasSuffix(csv[1], ",123,3.69") || !strings.HasSuffix(csv[2], ",40,1.20") {
		t.Errorf("csv:\n%s", r.stdout)
	}

	r = mustRun(t, "report", "liability", "--format", "json", "--data-dir", dir)
	var rep sales.LiabilityReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.TotalPoints != 163 || rep.TotalValueFen != 489 ||
		len(rep.Rows) != 2 || rep.RedeemFenPerPoint != 3 {
		t.Errorf("json %v:\n%s", err, r.stdout)
	}

	for _, args := range [][]string{
		{"report"},
		{"report", "sales"},
		{"report", "liability", "extra"},
		{"report", "liability", "--format", "xml"},
	} {
		if r := run(t, append(args, "--data-dir", dir)...); r.code != exitUsage {
			t.Errorf("%v: %s", args, r)
		}
	}
	if r := run(t, "report", "--help"); r.code != 0 || !strings.Contains(r.stdout, "-format") {
		t.Errorf("report --help: %s", r)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 123: "1.23", 100000: "1000.00", -7: "-0.07"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %s, want %s", fen, got, want)
		}
	}
}
