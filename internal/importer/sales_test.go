package importer_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func salesEnv(t *testing.T, db *store.DB) (*member.Service, *sales.Service, int64) {
	t.Helper()
	var storeID int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		storeID, err = tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', 'Asia/Shanghai', 0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return newService(t, db), sales.New(store.NewSales(db), clock), storeID
}

func importSales(t *testing.T, ms *member.Service, ss *sales.Service, in []byte, opt importer.SalesOptions) (*importer.SalesReport, string) {
	t.Helper()
	r, err := importer.NewCSVReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	opt.ErrorReport = &errs
	rep, err := importer.Sales(ctx, ms, ss, actor, r, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep, errs.String()
}

type saleTotals struct{ sales, members, lines, qty, fen, refunds, refundedFen int64 }

func totals(t *testing.T, db *store.DB) saleTotals {
	t.Helper()
	var s saleTotals
	err := db.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT member_id), COALESCE(SUM(amount_fen), 0), COALESCE(SUM(refunded_fen), 0)
		FROM sales WHERE terminal = 'import'`).Scan(&s.sales, &s.members, &s.fen, &s.refundedFen)
	if err == nil {
		err = db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM sale_lines`).Scan(&s.lines, &s.qty)
	}
	if err == nil {
		err = db.QueryRow(ctx, `SELECT COUNT(*) FROM refunds`).Scan(&s.refunds)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The real exports import through the generic importer with a mapping
// and reproduce the facts in testdata/README.md; a second import adds
// nothing.
func TestImportSalesRealData(t *testing.T) {
	cases := []struct {
		name, file, mapping string
		rows                int
		want                saleTotals
	}{
		{"cdnow", "testdata/cdnow_sample_elog.csv", "time=date,member=sampleid,qty=cds,amount=sales", 6919,
			saleTotals{sales: 6919, members: 2357, lines: 6919, qty: 16479, fen: 24_409_194}},
		{"completejourney", "testdata/completejourney_transactions_head5000.csv",
			"receipt=basket_id,time=transaction_timestamp,member=household_id,product=product_id,qty=quantity,amount=sales_value,store=store_id",
			5000, saleTotals{sales: 4802, members: 1650, lines: 5000, fen: 1_529_553}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				in, err := os.ReadFile(c.file)
				if err != nil {
					t.Fatal(err)
				}
				m, err := importer.ParseSalesMap(c.mapping)
				if err != nil {
					t.Fatal(err)
				}
				ms, ss, storeID := salesEnv(t, db)
				opt := importer.SalesOptions{Options: importer.Options{Map: m, StoreID: storeID, BatchSize: 2000}, CreateMembers: true}
				rep, errs := importSales(t, ms, ss, in, opt)
				if rep.Errors != 0 || rep.Total != c.rows || rep.Inserted != int(c.want.sales) {
					t.Fatalf("report %+v\n%s", rep.Report, errs)
				}
				got := totals(t, db)
				want := c.want
				if c.name == "completejourney" {
					want.qty = got.qty // not a documented fact
				}
				if got != want {
					t.Errorf("totals %+v, want %+v", got, want)
				}
				if n := countMembers(t, db); n != int(c.want.members) || rep.NewMembers != n {
					t.Errorf("%d members, %d new; want %d", n, rep.NewMembers, c.want.members)
				}
				again, _ := importSales(t, ms, ss, in, opt)
				if again.Inserted != 0 || again.Unchanged != int(c.want.sales) || again.NewMembers != 0 || again.NewProducts != 0 {
					t.Errorf("second import: %+v", again)
				}
				if got := totals(t, db); got != want {
					t.Errorf("after the second import %+v, want %+v", got, want)
				}
				if v, err := ss.Check(ctx); err != nil || len(v) != 0 {
					t.Errorf("check: %v %v", v, err)
				}
			})
		})
	}
}

const historyFile = "单号,时间,会员卡号,商品编码,商品名称,分类,数量,单价,取消\n" +
	"A1,2024-03-01 09:30:00,C1,P1,苹果,水果,2,3.50,\n" +
	"A1,2024-03-01 09:30:00,C1,P2,香蕉,水果,1,¥12,\n" +
	"A2,2024/3/2 10:00,,P1,,,1,3.5,\n" +
	"A3,20240303,C2,P3,牛奶,乳品,3,6.00,\n" +
	"A1,2024-03-05 11:00:00,C1,P1,苹果,水果,-1,3.50,\n" +
	"A2,2024-03-06 08:00,,P1,,,1,3.50,取消\n" +
	"X9,2024-03-06 08:00,,P1,,,-1,3.50,\n" +
	"A4,yesterday,,P1,,,1,3.50,\n" +
	"A5,2024-03-07 08:00,,P4,,,1.5,3.50,\n" +
	"A6,2024-03-07 08:00,,P1,,,1,3.50,maybe\n"

func TestImportSalesRefundsAndErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ms, ss, storeID := salesEnv(t, db)
		opt := importer.SalesOptions{Options: importer.Options{StoreID: storeID}, CreateMembers: true}
		rep, errs := importSales(t, ms, ss, []byte(historyFile), opt)
		if rep.Total != 10 || rep.Errors != 4 || rep.Inserted != 3 || rep.Refunds != 2 || rep.NewProducts != 3 || rep.NewMembers != 2 {
			t.Fatalf("report %+v %+v\n%s", rep, rep.Rows, errs)
		}
		for _, code := range []string{"import.refund_no_sale", "import.time_invalid", "import.quantity_invalid", "import.cancel_invalid"} {
			if !strings.Contains(errs, code) {
				t.Errorf("error report lacks %s:\n%s", code, errs)
			}
		}
		got := totals(t, db)
		want := saleTotals{sales: 3, members: 2, lines: 4, qty: 7, fen: 700 + 1200 + 350 + 1800, refunds: 2, refundedFen: 350 + 350}
		if got != want { // members: C1 and C2; A2 is anonymous
			t.Errorf("totals %+v, want %+v", got, want)
		}
		var status string
		var sold int64
		if err := db.QueryRow(ctx, `SELECT status, sold_at FROM sales WHERE receipt_no = 'A2'`).Scan(&status, &sold); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 3, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		if status != sales.StatusRefunded || sold != at.UnixMilli() {
			t.Errorf("A2: %s at %d, want refunded at %d", status, sold, at.UnixMilli())
		}
		var entries int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM points_entries`).Scan(&entries); err != nil || entries != 0 {
			t.Errorf("history only wrote %d ledger entries (%v)", entries, err)
		}
		again, _ := importSales(t, ms, ss, []byte(historyFile), opt)
		if again.Inserted != 0 || again.Refunds != 0 || again.RefundsUnchanged != 2 || totals(t, db) != want {
			t.Errorf("second import: %+v", again)
		}
		// History from 2024 is outside the tiers' year ending 2025-06-01; a
		// customer who spent ¥2,000 in May 2025 reaches 银卡 by the import.
		rep, errs = importSales(t, ms, ss, []byte("单号,时间,会员卡号,商品编码,单价\nT1,2025-05-20,C7,P1,2000\n"), opt)
		if rep.Inserted != 1 || rep.TierUpgrades != 1 {
			t.Errorf("tier by history: %+v\n%s", rep, errs)
		}
		var tierCode string
		if err := db.QueryRow(ctx, `SELECT t.tier FROM member_tiers t JOIN members m ON m.id = t.member_id
			WHERE m.card_no = 'H-C7'`).Scan(&tierCode); err != nil || tierCode != "silver" {
			t.Errorf("C7's tier %q (%v)", tierCode, err)
		}
		// Without --create-members an unknown customer id is a row error.
		rep, errs = importSales(t, ms, ss, []byte("单号,时间,会员卡号,商品编码,单价\nB1,2024-03-01,C9,P1,1\nB2,2024-03-01,C1,P1,1\n"),
			importer.SalesOptions{Options: importer.Options{StoreID: storeID}})
		if rep.Errors != 1 || rep.Inserted != 1 || !strings.Contains(errs, "import.member_not_found") {
			t.Errorf("unknown member: %+v\n%s", rep, errs)
		}
	})
}

// With Points the history earns points as live sales would, in time
// order, and refunds take them back; the ledger stays consistent.
func TestImportSalesPoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ms, ss, storeID := salesEnv(t, db)
		opt := importer.SalesOptions{Options: importer.Options{StoreID: storeID}, CreateMembers: true, Points: true}
		rep, errs := importSales(t, ms, ss, []byte(historyFile), opt)
		if rep.Errors != 4 || rep.Inserted != 3 || rep.Refunds != 2 {
			t.Fatalf("report %+v\n%s", rep, errs)
		}
		var c1 int64
		if err := db.QueryRow(ctx, `SELECT id FROM members WHERE card_no = 'H-C1'`).Scan(&c1); err != nil {
			t.Fatal(err)
		}
		bal, err := ss.Balance(ctx, c1)
		if err != nil {
			t.Fatal(err)
		}
		var earned, reversed int64
		if err := db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN delta > 0 THEN delta END), 0),
			COALESCE(SUM(CASE WHEN delta < 0 THEN -delta END), 0) FROM points_entries WHERE member_id = ?`, c1).Scan(&earned, &reversed); err != nil {
			t.Fatal(err)
		}
		if earned <= 0 || reversed <= 0 || bal != earned-reversed {
			t.Errorf("member C1: earned %d, reversed %d, balance %d", earned, reversed, bal)
		}
		if v, err := ss.Check(ctx); err != nil || len(v) != 0 {
			t.Errorf("check: %v %v", v, err)
		}
		again, _ := importSales(t, ms, ss, []byte(historyFile), opt)
		if again.Inserted != 0 || again.Unchanged != 3 || again.Refunds != 0 {
			t.Errorf("second import: %+v", again)
		}
		if b2, _ := ss.Balance(ctx, c1); b2 != bal {
			t.Errorf("balance %d after the second import, want %d", b2, bal)
		}
	})
}

func TestParseSalesMap(t *testing.T) {
	m, err := importer.ParseSalesMap("receipt=单号, date=时间,customer=会员,sku=编码,quantity=数量,total=金额")
	if err != nil || m["time"] != "时间" || m["member"] != "会员" || m["product"] != "编码" || m["qty"] != "数量" || m["amount"] != "金额" {
		t.Errorf("map %v, %v", m, err)
	}
	if _, err := importer.ParseSalesMap("phone=手机"); err == nil {
		t.Error("a member field was accepted")
	}
}

// genSalesCSV writes a retailer's export of n lines: receipts of 10 lines
// over a year, 20,000 customers (a tenth of the receipts anonymous) and
// 2,000 products, none known beforehand.
func genSalesCSV(w *bytes.Buffer, n int) {
	w.WriteString("receipt,time,member,product,name,qty,price\n")
	start := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		r := i / 10
		member := ""
		if r%10 != 0 {
			member = fmt.Sprintf("C%05d", r*7919%20000)
		}
		p := (i*31 + r) % 2000
		at := start.Add(time.Duration(r) * 5 * time.Minute / 16)
		fmt.Fprintf(w, "R%07d,%s,%s,P%04d,商品%d,%d,%d.%02d\n", r, at.Format("2006-01-02 15:04:05"), member, p, p, 1+i%3, 1+p%50, p%100)
	}
}

// BenchmarkImportSales1M imports a history of 1,000,000 sales lines (100,000
// receipts) into a fresh SQLite database as linli import sales does, with
// --create-members and without --points. Run with -benchtime 1x.
func BenchmarkImportSales1M(b *testing.B) {
	const n = 1_000_000
	var buf bytes.Buffer
	genSalesCSV(&buf, n)
	m, err := importer.ParseSalesMap("receipt=receipt,time=time,member=member,product=product,name=name,qty=qty,price=price")
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	runs := 0
	for b.Loop() {
		runs++
		b.StopTimer()
		db := storetest.Open(b)
		var storeID int64
		err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			storeID, err = tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', 'Asia/Shanghai', 0)`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		ms, ss := newService(b, db), sales.New(store.NewSales(db), clock)
		r, err := importer.NewCSVReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		rep, err := importer.Sales(ctx, ms, ss, actor, r, importer.SalesOptions{
			Options: importer.Options{Map: m, StoreID: storeID, BatchSize: 5000}, CreateMembers: true})
		total += time.Since(t0)
		if err != nil || rep.Errors != 0 || rep.Inserted != n/10 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(total.Seconds()/float64(runs), "s/import")
	b.ReportMetric(float64(n*runs)/total.Seconds(), "lines/s")
}
