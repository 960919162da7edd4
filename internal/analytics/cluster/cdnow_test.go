package cluster

import (
	"encoding/csv"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestCDNOW clusters the 2,357 CDNOW sample customers by behaviour at
// 1998-06-30 (purchase days, spend per purchase day, days since the last
// one) and checks the result is complete, stable and described.
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
	asOf := time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
	members := make([]Member, 2357)
	last := make([]time.Time, 2357)
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
		sales, _ := strconv.ParseFloat(rec[4], 64)
		m := &members[id-1]
		if !d.Equal(last[id-1]) { // same-day rows are one purchase
			m.Frequency++
			last[id-1] = d
		}
		m.Monetary += sales
		m.RecencyDays = asOf.Sub(d).Hours() / 24
	}
	features, cols, err := Behaviour(members)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(features, cols, Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, c := range res.Clusters {
		n += c.Size
		t.Logf("%d: %4d (%4.1f%%) freq %5.2f  spend %6.2f  recency %5.1f d  z %5.2f  %s / %s",
			i, c.Size, 100*c.Share, c.Mean[0], c.Mean[1], c.Mean[2], c.Center, c.ZH, c.EN)
		if c.ZH == "" || c.EN == "" {
			t.Errorf("cluster %d has no description", i)
		}
	}
	for _, ch := range res.Choices {
		t.Logf("k=%d silhouette %.4f inertia %.1f", ch.K, ch.Silhouette, ch.Inertia)
	}
	if n != 2357 || len(res.Labels) != 2357 {
		t.Fatalf("clusters hold %d members", n)
	}
	// Pinned, so a change of method shows up here.
	if res.K != 3 || res.Clusters[0].Size != 957 || res.Clusters[0].ZH != "很少来、客单价低、很久没来" {
		t.Errorf("k = %d, first cluster %d members %q; want 3, 957, 很少来、客单价低、很久没来", res.K, res.Clusters[0].Size, res.Clusters[0].ZH)
	}
	again, err := Run(features, cols, Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if again.K != res.K || !slices.Equal(again.Labels, res.Labels) {
		t.Error("second run differs")
	}
}
