package clv

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestReadEventLogCDNOW(t *testing.T) {
	l := readElogFile(t, elogFile)
	if len(l.Events) != 6919 || !l.HasSales || l.IDColumn != "sampleid" {
		t.Fatalf("%d events, sales %v, id column %q; want 6919, true, sampleid", len(l.Events), l.HasSales, l.IDColumn)
	}
	var sales float64
	ids := map[string]bool{}
	for _, e := range l.Events {
		sales += e.Sales
		ids[e.ID] = true
	}
	near(t, "total sales", sales, 244091.94, 1e-6)
	if len(ids) != 2357 {
		t.Errorf("%d customers, want 2357", len(ids))
	}
	if f, la := dayTime(l.First).Format(time.DateOnly), dayTime(l.Last).Format(time.DateOnly); f != "1997-01-01" || la != "1998-06-30" {
		t.Errorf("dates %s..%s, want 1997-01-01..1998-06-30", f, la)
	}
}

// roundCents rounds half away from zero at the cent, as the published
// summary does; the tiny margin absorbs the binary representation of
// amounts like 18.135.
func roundCents(v float64) float64 { return math.Floor(v*100+0.5+1e-7) / 100 }

// TestElogSummaryMatchesPublished rebuilds the published calibration
// summary from the event log: x exactly, t_x, T and zbar to the cent.
func TestElogSummaryMatchesPublished(t *testing.T) {
	cdnowFits(t)
	pub, got := cdnow.sum.Customers, cdnow.elog.Customers
	if len(got) != len(pub) {
		t.Fatalf("%d customers, want %d", len(got), len(pub))
	}
	bad := 0
	for i, p := range pub {
		g := got[i]
		if g.ID != p.ID || g.X != p.X || roundCents(g.TX) != p.TX || roundCents(g.T) != p.T || roundCents(g.Zbar) != p.Zbar {
			if bad++; bad <= 5 {
				t.Errorf("customer %s: built %+v, published %+v", p.ID, g, p)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d customers differ", bad)
	}
	var hold float64
	for _, h := range cdnow.elog.Holdout {
		hold += h
	}
	if x := RepeatTransactions(got); x != 2457 || hold != 1882 || cdnow.elog.HoldoutWeeks != 39 {
		t.Errorf("%v calibration and %v holdout repeat transactions in %v weeks, want 2457, 1882, 39", x, hold, cdnow.elog.HoldoutWeeks)
	}
}

func TestEventLogSummary(t *testing.T) {
	const log = `id,date,sales
a,1997-01-01,10
a,19970101,5
a,1997-01-08,20
a,1997-01-15,1
b,1997-01-08,7
b,1997-02-05,3
c,1997-01-22,9
a,1997-01-29,4
`
	l, err := ReadEventLog(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	cal := time.Date(1997, 1, 15, 0, 0, 0, 0, time.UTC)
	s, err := l.Summary(cal, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// a: first day merged (15), repeats on 01-08 (20) and 01-15 (1);
	// holdout 01-29. b: no calibration repeat, one holdout purchase.
	// c: first buys after the calibration end, so it is left out.
	want := []Customer{{ID: "a", X: 2, TX: 2, T: 2, Zbar: 10.5}, {ID: "b", T: 1}}
	if len(s.Customers) != 2 || s.Customers[0] != want[0] || s.Customers[1] != want[1] {
		t.Fatalf("got %+v, want %+v", s.Customers, want)
	}
	if s.Holdout[0] != 1 || s.Holdout[1] != 1 || s.HoldoutWeeks != 3 || !s.HasSpend {
		t.Errorf("holdout %v over %v weeks, spend %v; want [1 1], 3, true", s.Holdout, s.HoldoutWeeks, s.HasSpend)
	}
	// A holdout ending before b's second purchase.
	s, err = l.Summary(cal, time.Date(1997, 1, 29, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if s.Holdout[0] != 1 || s.Holdout[1] != 0 || s.HoldoutWeeks != 2 {
		t.Errorf("holdout %v over %v weeks, want [1 0] over 2", s.Holdout, s.HoldoutWeeks)
	}
	if _, err := l.Summary(cal, cal.AddDate(0, 0, -1)); err == nil || !strings.Contains(err.Error(), "before the calibration end") {
		t.Errorf("holdout end before calibration end: error %v", err)
	}
	if _, err := l.Summary(time.Date(1996, 12, 31, 0, 0, 0, 0, time.UTC), time.Time{}); err == nil || !strings.Contains(err.Error(), "before the first purchase") {
		t.Errorf("calibration end before the log: error %v", err)
	}
}

func TestReadEventLogFormats(t *testing.T) {
	tests := []struct {
		name, in, idCol string
		sales           bool
		n               int
	}{
		{"BTYD columns prefer sampleid", "masterid,sampleid,date,cds,sales\n4,1,19970101,2,29.33\n", "sampleid", true, 1},
		{"masterid alone", "masterid,date,sales\n4,19970101,29.33\n", "masterid", true, 1},
		{"no sales", "ID,Date\nx,1997-01-01\n\nx,1997-01-02\n", "ID", false, 2},
		{"white space (CDNOW_master.txt)", " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n", "customer_id", true, 2},
		{"tabs", "id\tdate\nx\t19970101\n", "id", false, 1},
		{"quoted CSV", "\"id\",\"date\",\"sales\"\n\"a,b\",1997-01-01,\"3.5\"\n", "id", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ReadEventLog(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if l.IDColumn != tt.idCol || l.HasSales != tt.sales || len(l.Events) != tt.n {
				t.Errorf("id column %q, sales %v, %d events; want %q, %v, %d", l.IDColumn, l.HasSales, len(l.Events), tt.idCol, tt.sales, tt.n)
			}
		})
	}
}

func TestReadEventLogErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"header only", "id,date\n", "no purchases"},
		{"no date column", "id,when\n1,19970101\n", "needs an id column"},
		{"no id column", "who,date\n1,19970101\n", "needs an id column"},
		{"short row", "id,date,sales\n1,19970101\n", "line 2: 2 fields, want at least 3"},
		{"empty id", "id,date\n,19970101\n", "line 2: empty customer id"},
		{"bad date", "id,date\n1,1997-13-01\n", `line 2: date "1997-13-01"`},
		{"31 February", "id,date\n1,19970231\n", "line 2: date"},
		{"29 February 1900", "id,date\n1,19000229\n", "line 2: date"},
		{"slashes", "id,date\n1,1997/01/01\n", "line 2: date"},
		{"negative sales", "id,date,sales\n1,19970101,-3\n", "line 2: sales: -3 is negative"},
		{"NaN sales", "id,date,sales\n1,19970101,NaN\n", "not a finite number"},
		{"text sales", "id,date,sales\n1,19970101,ten\n", "is not a number"},
		{"bad line later", "id,date\n1,19970101\n2,19970102\n3,x\n", "line 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ReadEventLog(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error, got %+v", l)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"19970930": "1997-09-30", "1997-09-30": "1997-09-30", "20000229": "2000-02-29",
		"1970-01-01": "1970-01-01", "0001-01-01": "0001-01-01", "1969-12-31": "1969-12-31",
	} {
		d, err := ParseDate(in)
		if err != nil || d.Format(time.DateOnly) != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, d, err, want)
		}
		// The day count agrees with the time package.
		if got := timeDay(d); int64(got)*86400 != d.Unix() {
			t.Errorf("%s: day %d, Unix %d", in, got, d.Unix())
		}
	}
	for _, in := range []string{"", "1997-9-30", "19970900", "1997-00-01", "2001-02-29", "1997-09-31", "97-09-30", "+9970930", "1997_09_30"} {
		if d, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, d)
		}
	}
}
