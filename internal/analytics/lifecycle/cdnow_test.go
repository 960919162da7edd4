package lifecycle

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestCDNOW follows the 2,357 customers of the CDNOW sample month by month
// from January 1997 to June 1998. All of them first bought in the first
// quarter of 1997, so the "new" counts are known from the log itself.
func TestCDNOW(t *testing.T) {
	f, err := os.Open("../testdata/cdnow_sample_elog.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	tr, err := NewTracker(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	firstMonth := map[int]int{} // customer → month index of the first purchase
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id, _ := strconv.Atoi(rec[1])
		d, err := time.Parse("20060102", rec[2])
		if err != nil {
			t.Fatal(err)
		}
		tr.Add(id-1, Day(d, time.UTC))
		if _, ok := firstMonth[id]; !ok {
			firstMonth[id] = (d.Year()-1997)*12 + int(d.Month()) - 1
		}
	}
	res, err := tr.Stages(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Months) != 18 || tr.Len() != 2357 || tr.Outside != 0 {
		t.Fatalf("%d months, %d customers, %d outside", len(res.Months), tr.Len(), tr.Outside)
	}
	newBy := make([]int, 18)
	for _, m := range firstMonth {
		newBy[m]++
	}
	totalNew := 0
	for m, c := range res.Counts {
		sum := 0
		for _, v := range c {
			sum += v
		}
		if sum != 2357 {
			t.Errorf("month %d counts %d customers", m, sum)
		}
		if c[New] != newBy[m] {
			t.Errorf("month %d: %d new, want %d", m, c[New], newBy[m])
		}
		totalNew += c[New]
		if c[Prospect] != 0 {
			t.Errorf("month %d: %d prospects without registrations", m, c[Prospect])
		}
		if m > 0 {
			for to := range NumStages {
				in := 0
				for from := range NumStages {
					in += res.Flows[m-1][from][to]
				}
				if in != c[to] {
					t.Errorf("month %d %v: flows in %d, count %d", m, Stage(to), in, c[to])
				}
			}
		}
		t.Logf("%d-%02d %v", res.Months[m].Year, res.Months[m].Month, c)
	}
	if totalNew != 2357 || res.Counts[3][Absent] != 0 {
		t.Errorf("%d new in all, %d absent in April 1997", totalNew, res.Counts[3][Absent])
	}
	// Pinned: the stages at the end of June 1998.
	want := [NumStages]int{Active: 374, Loyal: 46, AtRisk: 45, Lapsed: 1853, WonBack: 39}
	if res.Counts[17] != want {
		t.Errorf("June 1998: %v, want %v", res.Counts[17], want)
	}
}
