package groups

import (
	"math"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

func TestAge(t *testing.T) {
	asOf := d(2025, 6, 15)
	tests := []struct {
		birth time.Time
		age   int
		band  Band
	}{
		{d(2000, 6, 15), 25, Age25to34}, // birthday today
		{d(2000, 6, 16), 24, Under25},   // tomorrow
		{d(1960, 6, 16), 64, Age55to64}, // one day short of 65
		{d(1960, 6, 15), 65, Age65Plus},
		{d(1991, 1, 1), 34, Age25to34},
		{d(1990, 6, 14), 35, Age35to44},
		{d(1981, 6, 14), 44, Age35to44},
		{d(1980, 6, 15), 45, Age45to54},
		{d(1971, 1, 1), 54, Age45to54},
		{d(2024, 1, 1), 1, Under25},
		{d(2026, 1, 1), -1, BandUnknown}, // not born yet
		{time.Time{}, -1, BandUnknown},
		{d(1890, 1, 1), 135, BandUnknown}, // not credible
	}
	for _, tt := range tests {
		if got := Age(tt.birth, asOf); got != tt.age {
			t.Errorf("Age(%v) = %d, want %d", tt.birth.Format(time.DateOnly), got, tt.age)
		}
		if got := AgeBand(tt.birth, asOf); got != tt.band {
			t.Errorf("AgeBand(%v) = %v, want %v", tt.birth.Format(time.DateOnly), got, tt.band)
		}
	}
	// 29 February: a year older on 1 March in common years.
	leap := d(2004, 2, 29)
	if Age(leap, d(2025, 2, 28)) != 20 || Age(leap, d(2025, 3, 1)) != 21 || Age(leap, d(2028, 2, 29)) != 24 {
		t.Error("29 February birthday")
	}
}

func TestParseGender(t *testing.T) {
	for s, want := range map[string]Gender{"F": Female, "female": Female, " Female ": Female, "女": Female,
		"M": Male, "MALE": Male, "男": Male, "": GenderUnknown, "x": GenderUnknown} {
		if got := ParseGender(s); got != want {
			t.Errorf("ParseGender(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	for b, n := range BandNames {
		if n.Key == "" || n.ZH == "" || n.EN == "" || Band(b).String() != n.Key {
			t.Errorf("band %d: %+v", b, n)
		}
	}
	for g, n := range GenderNames {
		if n.Key == "" || n.ZH == "" || n.EN == "" || Gender(g).String() != n.Key {
			t.Errorf("gender %d: %+v", g, n)
		}
	}
}

func TestReport(t *testing.T) {
	members := []Member{
		{Band: Age25to34, Gender: Female, Area: 0, Sales: 10, RevenueFen: 100000},
		{Band: Age25to34, Gender: Male, Area: 1, Sales: 2, RevenueFen: 10000},
		{Band: Age65Plus, Gender: Female, Area: 0, Sales: 30, RevenueFen: 150000},
		{Band: Age65Plus, Gender: Female, Area: -1},         // never bought
		{Band: BandUnknown, Gender: GenderUnknown, Area: 7}, // area out of range: unknown
	}
	a := New(members, []string{"Sunny Garden", "River View"})
	a.AddCategory(0, 2, 60000) // fresh produce, say
	a.AddCategory(0, 0, 40000)
	a.AddCategory(1, 0, 10000)
	a.AddCategory(2, 2, 150000)
	r := a.Report(2)

	if tot := r.Total; tot.Members != 5 || tot.Buyers != 3 || tot.Sales != 42 || tot.RevenueFen != 260000 {
		t.Errorf("total %+v", tot)
	}
	byKey := map[string]Group{}
	for _, gs := range [][]Group{r.Age, r.Gender, r.Area, r.AgeGender} {
		members, revenue := 0, int64(0)
		for _, g := range gs {
			members += g.Members
			revenue += g.RevenueFen
			byKey[g.Key] = g
		}
		if members != 5 || revenue != 260000 {
			t.Errorf("dimension %v: %d members, %d fen", gs[0].Dimension, members, revenue)
		}
	}
	if len(r.Age) != NumBands || r.Age[0].Band != Under25 || r.Age[NumBands-1].Band != BandUnknown {
		t.Errorf("age order: %v … %v", r.Age[0].Key, r.Age[len(r.Age)-1].Key)
	}
	old := byKey["65_plus"]
	if old.Members != 2 || old.Buyers != 1 || old.Sales != 30 || old.AvgPerSale != 5000 || old.AvgPerBuyer != 150000 || old.Frequency != 30 {
		t.Errorf("65+: %+v", old)
	}
	if math.Abs(old.MemberShare-0.4) > 1e-12 || math.Abs(old.RevenueShare-150000.0/260000) > 1e-12 {
		t.Errorf("65+ shares %v %v", old.MemberShare, old.RevenueShare)
	}
	young := byKey["25_34"]
	if len(young.TopCategories) != 2 || young.TopCategories[0] != (CategoryShare{2, 60000, 60000.0 / 110000}) ||
		young.TopCategories[1].Category != 0 {
		t.Errorf("25–34 categories %+v", young.TopCategories)
	}
	if g := byKey["Sunny Garden"]; g.Members != 2 || g.Area != 0 || g.RevenueFen != 250000 {
		t.Errorf("Sunny Garden %+v", g)
	}
	if g := byKey["unknown"]; g.Dimension != ByArea || g.Members != 2 || g.Area != -1 {
		// The last "unknown" stored is the area one (Area is filled after Age and Gender).
		t.Errorf("unknown area %+v", g)
	}
	if g := byKey["65_plus/female"]; g.Members != 2 || g.Band != Age65Plus || g.Gender != Female {
		t.Errorf("65+/female %+v", g)
	}
	if g := byKey["female"]; g.Members != 3 || g.Buyers != 2 {
		t.Errorf("female %+v", g)
	}
}
