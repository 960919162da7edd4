package rfm

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"testing"
	"time"
)

// cdnowMembers reads the CDNOW 1/10 sample event log into an Accumulator
// (member index = sampleid − 1) and returns the summaries at asOf.
func cdnowMembers(t testing.TB, asOf time.Time) []Member {
	t.Helper()
	f, err := os.Open("../testdata/cdnow_sample_elog.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // header: masterid,sampleid,date,cds,sales
		t.Fatal(err)
	}
	var acc Accumulator
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id, err1 := strconv.Atoi(rec[1])
		d, err2 := time.Parse("20060102", rec[2])
		sales, err3 := strconv.ParseFloat(rec[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("bad row %v", rec)
		}
		acc.Add(id-1, Day(d, time.UTC), sales)
	}
	m, err := acc.Members(Day(asOf, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var cdnowAsOf = time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)

// TestCDNOW checks the summaries against the data set's published facts
// (2,357 customers, 6,696 customer-days once same-day rows are merged,
// $244,091.94) and pins the segment counts at 1998-06-30.
func TestCDNOW(t *testing.T) {
	members := cdnowMembers(t, cdnowAsOf)
	days, money := 0, 0.0
	for _, m := range members {
		days += m.Frequency
		money += m.Monetary
	}
	if len(members) != 2357 || days != 6696 || math.Abs(money-244091.94) > 1e-6 {
		t.Fatalf("%d customers, %d purchase days, $%.2f; want 2357, 6696, $244091.94", len(members), days, money)
	}
	res, err := Analyze(members)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scored != 2357 {
		t.Fatalf("scored %d", res.Scored)
	}
	n, total := 0, 0.0
	for _, g := range res.Segments {
		n += g.Members
		total += g.Monetary
	}
	if n != 2357 || math.Abs(total-244091.94) > 1e-6 {
		t.Errorf("segments hold %d customers and $%.2f", n, total)
	}
	grid := 0
	for _, row := range res.Grid {
		for _, c := range row {
			grid += c
		}
	}
	vn := 0
	for _, v := range res.Values {
		vn += v.Members
	}
	if grid != 2357 || vn != 2357 {
		t.Errorf("grid holds %d, value classes %d", grid, vn)
	}

	// Every score against a direct count, and equal inputs equal scores.
	for i, m := range members {
		var br, bf, bm, bfl, bsl int
		for _, o := range members {
			if o.RecencyDays > m.RecencyDays {
				br++
			}
			if o.Frequency < m.Frequency {
				bf++
			}
			if o.Monetary < m.Monetary {
				bm++
			}
			if o.Frequency < m.Frequency {
				bfl++
			}
			if o.Monetary/float64(o.Frequency) < m.Monetary/float64(m.Frequency) {
				bsl++
			}
		}
		want := Score{R: uint8(1 + 5*br/2357), F: uint8(1 + 5*bf/2357), M: uint8(1 + 5*bm/2357),
			FreqLevel: uint8(1 + 3*bfl/2357), SpendLevel: uint8(1 + 3*bsl/2357)}
		want.Segment = SegmentOf(int(want.R), int(want.F), int(want.M))
		want.Value = ValueOf(int(want.FreqLevel), int(want.SpendLevel))
		if res.Scores[i] != want {
			t.Fatalf("customer %d %+v: score %+v, want %+v", i+1, m, res.Scores[i], want)
		}
	}
	byRecency := map[int]uint8{}
	byFreq := map[int]uint8{}
	for i, m := range members {
		s := res.Scores[i]
		if r, ok := byRecency[m.RecencyDays]; ok && r != s.R {
			t.Fatalf("recency %d scored both %d and %d", m.RecencyDays, r, s.R)
		}
		byRecency[m.RecencyDays] = s.R
		if f, ok := byFreq[m.Frequency]; ok && f != s.F {
			t.Fatalf("frequency %d scored both %d and %d", m.Frequency, f, s.F)
		}
		byFreq[m.Frequency] = s.F
	}
	if byFreq[1] != 1 {
		t.Errorf("one-time buyers have F = %d, want 1", byFreq[1])
	}

	// Pinned counts, so a change to the rule or the map shows up here.
	want := map[Segment]int{Champions: 389, Loyal: 284, PotentialLoyalist: 293, NeedAttention: 72,
		AboutToSleep: 366, AtRisk: 89, CantLose: 2, Hibernating: 543, Lost: 319}
	for _, g := range res.Segments {
		if g.Members != want[g.Segment] {
			t.Errorf("%v: %d customers, want %d", g.Segment, g.Members, want[g.Segment])
		}
		t.Logf("%-20s %5d  %5.1f%%  $%10.2f  recency %6.1f d  frequency %5.2f", g.Segment, g.Members, 100*g.Share, g.Monetary, g.MeanRecency, g.MeanFrequency)
	}
	wantValue := map[ValueClass]int{ValueHigh: 765, ValueMid: 602, ValueLow: 990}
	for _, v := range res.Values {
		if v.Members != wantValue[v.Class] {
			t.Errorf("%v value: %d customers, want %d", v.Class, v.Members, wantValue[v.Class])
		}
		t.Logf("%-6s %5d  $%10.2f  freq %.2f  avg spend %.2f", v.Class, v.Members, v.Monetary, v.MeanFrequency, v.MeanAvgSpend)
	}
	t.Logf("grid %v", res.Grid)

	// Determinism: a second run gives the same scores.
	again, err := Analyze(members)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Scores {
		if res.Scores[i] != again.Scores[i] {
			t.Fatal("second run differs")
		}
	}
}
