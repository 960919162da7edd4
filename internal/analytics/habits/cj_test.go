package habits

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"testing"
	"time"
)

// cjLine is one line of ../testdata/cj_lines.csv.gz.
type cjLine struct {
	household, basket, category string
	stamp                       string // local New York time
	quantity                    int
	fen                         int64
}

func readCJ(t testing.TB) []cjLine {
	t.Helper()
	f, err := os.Open("../testdata/cj_lines.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(zr)
	if _, err := r.Read(); err != nil { // household_id,basket_id,timestamp,category,brand,quantity,sales_value
		t.Fatal(err)
	}
	var out []cjLine
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		q, err1 := strconv.Atoi(rec[5])
		v, err2 := strconv.ParseFloat(rec[6], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %v", rec)
		}
		out = append(out, cjLine{rec[0], rec[1], rec[3], rec[2], q, int64(math.Round(v * 100))})
	}
	return out
}

// TestCompleteJourney feeds the 75,000-line Complete Journey sample (lines
// sorted by time) basket by basket, and checks the heat map against the
// published totals (47,243 baskets, $233,935.24) and a count made from the
// timestamp text.
func TestCompleteJourney(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	lines := readCJ(t)
	if len(lines) != 75000 {
		t.Fatalf("%d lines", len(lines))
	}
	grid, utc := NewGrid(ny), NewGrid(time.UTC)
	prof := NewProfiles(ny, 0)
	cats := NewShares(0)
	hh, cat := map[string]int{}, map[string]int32{}
	index := func(m map[string]int, k string) int {
		i, ok := m[k]
		if !ok {
			i = len(m)
			m[k] = i
		}
		return i
	}
	var textCount [7][24]int64
	for i := 0; i < len(lines); {
		j, fen, items := i, int64(0), 0
		for ; j < len(lines) && lines[j].basket == lines[i].basket; j++ {
			fen += lines[j].fen
			items += lines[j].quantity
			c, ok := cat[lines[j].category]
			if !ok {
				c = int32(len(cat))
				cat[lines[j].category] = c
			}
			cats.Add(index(hh, lines[j].household), c, lines[j].fen)
		}
		ts, err := time.ParseInLocation("2006-01-02 15:04:05", lines[i].stamp, ny)
		if err != nil {
			t.Fatal(err)
		}
		grid.Add(ts, fen)
		utc.Add(ts, fen)
		prof.Add(index(hh, lines[i].household), ts, fen, items)
		// The same cell read straight from the text.
		d, _ := time.Parse("2006-01-02", lines[i].stamp[:10])
		h, _ := strconv.Atoi(lines[i].stamp[11:13])
		textCount[d.Weekday()][h]++
		i = j
	}
	v, a := grid.Total()
	if v != 47243 || a != 23393524 {
		t.Errorf("grid holds %d baskets and %d fen, want 47243 and 23393524", v, a)
	}
	if grid.Visits != textCount {
		t.Error("heat map differs from the count of the timestamp text")
	}
	if uv, ua := utc.Total(); uv != v || ua != a || utc.Visits == grid.Visits {
		t.Error("reading the times in UTC should move visits between cells, not change the totals")
	}
	if len(hh) != 2377 || prof.Len() != 2377 {
		t.Errorf("%d households", len(hh))
	}
	for _, c := range grid.Peaks(5) {
		t.Logf("peak %-9v %02d:00  %4d baskets (%.2f%%)  $%.2f", c.Weekday, c.Hour, c.Visits, 100*c.Share, float64(c.Amount)/100)
	}
	hours, _ := grid.ByHour()
	t.Logf("baskets by hour %v", hours)
	// Pinned from this sample: the busiest hour is Sunday 16:00.
	if p := grid.Peaks(1)[0]; p.Visits != 844 || p.Weekday != time.Sunday || p.Hour != 16 {
		t.Errorf("busiest cell %+v, want 844 baskets on Sunday 16:00", p)
	}

	names := make([]string, len(cat))
	for k, i := range cat {
		names[i] = k
	}
	over := cats.Overall(3)
	for _, s := range over {
		t.Logf("category %-24s $%9.2f %.2f%%", names[s.Key], float64(s.Amount)/100, 100*s.Share)
	}
	if names[over[0].Key] != "COUPON/MISC ITEMS" || names[over[1].Key] != "SOFT DRINKS" || over[1].Amount != 941295 {
		t.Errorf("largest categories %s, %s ($%d)", names[over[0].Key], names[over[1].Key], over[1].Amount)
	}
	// Every household's shares add up to its spend in the profile.
	for h, i := range hh {
		var sum int64
		for _, s := range cats.Top(i, 1<<30) {
			sum += s.Amount
		}
		if sum != prof.Profile(i).Amount {
			t.Fatalf("household %s: categories $%d, profile $%d", h, sum, prof.Profile(i).Amount)
		}
	}
}
