package groups

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"testing"
)

func readCSV(t *testing.T, path string, gz bool) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// TestCompleteJourney groups the 801 Complete Journey households with
// demographics by their published age band and, standing in for the area,
// their home ownership, with spend and categories from the 75,000-line
// transaction sample.
func TestCompleteJourney(t *testing.T) {
	bands := map[string]Band{"19-24": Under25, "25-34": Age25to34, "35-44": Age35to44, "45-54": Age45to54, "55-64": Age55to64, "65+": Age65Plus}
	areas := []string{"Homeowner", "Probable Homeowner", "Renter", "Probable Renter"}
	areaOf := map[string]int32{}
	for i, a := range areas {
		areaOf[a] = int32(i)
	}
	var members []Member
	index := map[string]int{}
	for _, rec := range readCSV(t, "testdata/demographics.csv", false) { // household_id, age, income, home_ownership, …
		b, ok := bands[rec[1]]
		if !ok {
			t.Fatalf("age band %q", rec[1])
		}
		area, ok := areaOf[rec[3]]
		if !ok {
			area = -1
		}
		index[rec[0]] = len(members)
		members = append(members, Member{Band: b, Area: area})
	}
	if len(members) != 801 {
		t.Fatalf("%d households", len(members))
	}
	// household_id, basket_id, timestamp, category, brand, quantity, sales_value
	lines := readCSV(t, "../testdata/cj_lines.csv.gz", true)
	type line struct {
		member   int
		category int32
		fen      int64
	}
	var kept []line
	cats := map[string]int32{}
	var names []string
	seen := map[string]bool{}
	var revenue int64
	for _, rec := range lines {
		i, ok := index[rec[0]]
		if !ok {
			continue // no demographics
		}
		v, err := strconv.ParseFloat(rec[6], 64)
		if err != nil {
			t.Fatal(err)
		}
		fen := int64(math.Round(v * 100))
		if !seen[rec[1]] {
			seen[rec[1]] = true
			members[i].Sales++
		}
		members[i].RevenueFen += fen
		revenue += fen
		c, ok := cats[rec[3]]
		if !ok {
			c = int32(len(names))
			cats[rec[3]] = c
			names = append(names, rec[3])
		}
		kept = append(kept, line{i, c, fen})
	}
	a := New(members, areas)
	for _, l := range kept {
		a.AddCategory(l.member, l.category, l.fen)
	}
	r := a.Report(3)

	if r.Total.Members != 801 || r.Total.RevenueFen != revenue || r.Total.Sales != len(seen) {
		t.Errorf("total %+v; want 801 members, %d fen, %d baskets", r.Total, revenue, len(seen))
	}
	// Published band sizes of demographics.csv.
	want := map[Band]int{Under25: 46, Age25to34: 142, Age35to44: 194, Age45to54: 288, Age55to64: 59, Age65Plus: 72, BandUnknown: 0}
	for _, g := range r.Age {
		if g.Members != want[g.Band] {
			t.Errorf("%v: %d households, want %d", g.Key, g.Members, want[g.Band])
		}
		var top string
		for _, c := range g.TopCategories {
			top += names[c.Category] + " "
		}
		t.Logf("%-8s %3d households %3d buyers %5d baskets $%9.2f  $%5.2f/basket %5.2f baskets/buyer  %4.1f%% of spend  top: %s",
			g.Key, g.Members, g.Buyers, g.Sales, float64(g.RevenueFen)/100, g.AvgPerSale/100, g.Frequency, 100*g.RevenueShare, top)
	}
	wantArea := []int{504, 11, 42, 11, 233}
	for i, g := range r.Area {
		if g.Members != wantArea[i] {
			t.Errorf("area %s: %d households, want %d", g.Key, g.Members, wantArea[i])
		}
	}
	var share float64
	for _, g := range r.Age {
		share += g.RevenueShare
		if g.Buyers > g.Members {
			t.Errorf("%s: more buyers than members", g.Key)
		}
	}
	if math.Abs(share-1) > 1e-9 {
		t.Errorf("age groups hold %.6f of the revenue", share)
	}
	// Pinned from this sample.
	if g := r.Age[3]; g.Band != Age45to54 || g.Sales != 9610 || names[g.TopCategories[0].Category] != "COUPON/MISC ITEMS" {
		t.Errorf("45–54: %d baskets, top %s", g.Sales, names[g.TopCategories[0].Category])
	}
}
