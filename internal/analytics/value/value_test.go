package value

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPercentiles(t *testing.T) {
	vals := []float64{2, 1, 3, 2, 0}
	present := []bool{true, true, true, true, false}
	p := make([]float64, len(vals))
	// Ranked among all five: 0 → (0+1)/5, 1 → (1+1)/5, 2,2 → (2+1.5)/5, 3 → (4+1)/5;
	// the absent 0 is then set to 0.
	percentiles(vals, present, false, p)
	want := []float64{0.7, 0.4, 1, 0.7, 0}
	if !slices.Equal(p, want) {
		t.Errorf("among all: %v, want %v", p, want)
	}
	// Ranked among the four present only.
	percentiles(vals, present, true, p)
	want = []float64{0.625, 0.25, 1, 0.625, 0}
	if !slices.Equal(p, want) {
		t.Errorf("among present: %v, want %v", p, want)
	}
}

func TestCompute(t *testing.T) {
	members := []Member{
		{RecencyDays: 1, Frequency: 50, Monetary: 9000, TenureDays: 900, CLV: 5000, Referrals: 4, ReferredSpend: 3000}, // best at all
		{RecencyDays: 30, Frequency: 5, Monetary: 500, TenureDays: 300, CLV: 400, Referrals: 1, ReferredSpend: 100},
		{RecencyDays: 30, Frequency: 5, Monetary: 500, TenureDays: 300, CLV: 400, Referrals: 1, ReferredSpend: 100}, // twin
		{RecencyDays: 200, Frequency: 1, Monetary: 20, TenureDays: 200, CLV: 10},
		{TenureDays: 0}, // registered today, never bought
	}
	s, err := Compute(members, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	if s[0] != (Score{100, 100, 100, 100, 100}) {
		t.Errorf("best member %+v, want 100 everywhere", s[0])
	}
	if s[4] != (Score{}) {
		t.Errorf("member with nothing %+v, want 0", s[4])
	}
	if s[1] != s[2] {
		t.Errorf("equal inputs, different scores: %+v %+v", s[1], s[2])
	}
	if !(s[0].Score > s[1].Score && s[1].Score > s[3].Score && s[3].Score > s[4].Score) {
		t.Errorf("scores not in order: %v %v %v %v", s[0].Score, s[1].Score, s[3].Score, s[4].Score)
	}
	// Member 3 by hand. Monetary 20 ranks (1+1)/5 = 0.4; frequency 1 also
	// 0.4; recency 200 is the longest of four buyers: (0+1)/4 = 0.25; tenure
	// 200: (1+1)/5 = 0.4; CLV 10: 0.4; no referrals: 0.
	want := 100 * (0.25*0.4 + 0.15*0.4 + 0.10*0.25 + 0.10*0.4 + 0.25*0.4) / 1.0
	if math.Abs(s[3].Score-want) > 1e-9 {
		t.Errorf("member 3 score %v, want %v", s[3].Score, want)
	}
	if wantL := 100 * (0.15*0.4 + 0.10*0.25 + 0.10*0.4) / 0.35; math.Abs(s[3].Loyalty-wantL) > 1e-9 || s[3].Social != 0 {
		t.Errorf("member 3 loyalty %v (want %v), social %v", s[3].Loyalty, wantL, s[3].Social)
	}
	if h := Histogram(s); h[9] != 1 || h[0] != 1 {
		t.Errorf("histogram %v", h)
	}
}

func TestWeights(t *testing.T) {
	members := []Member{{Monetary: 1, Referrals: 9}, {Monetary: 2}, {Monetary: 3}, {Monetary: 4}}
	s, err := Compute(members, Weights{Monetary: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range s {
		want := 100 * float64(i+1) / 4
		if x.Score != want || x.Direct != want || x.Social != 0 || x.Loyalty != 0 {
			t.Errorf("member %d: %+v, want score %v from spend alone", i, x, want)
		}
	}
	for _, w := range []Weights{{}, {Monetary: -1, CLV: 2}, {CLV: math.NaN()}} {
		if _, err := Compute(members, w); err == nil {
			t.Errorf("weights %+v: no error", w)
		}
	}
	if _, err := Compute([]Member{{Monetary: math.Inf(1)}}, DefaultWeights); err == nil {
		t.Error("infinite input: no error")
	}
}

func TestOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	members := make([]Member, 3000)
	for i := range members {
		f := float64(rng.IntN(20))
		members[i] = Member{RecencyDays: float64(rng.IntN(300)), Frequency: f, Monetary: f * float64(rng.IntN(200)),
			TenureDays: float64(rng.IntN(1000)), CLV: rng.Float64() * 1000, Referrals: float64(rng.IntN(3) * rng.IntN(2)),
			ReferredSpend: float64(rng.IntN(2) * rng.IntN(500))}
	}
	a, err := Compute(members, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	perm := rng.Perm(len(members))
	shuffled := make([]Member, len(members))
	for i, p := range perm {
		shuffled[i] = members[p]
	}
	b, err := Compute(shuffled, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range perm {
		if b[i] != a[p] {
			t.Fatalf("member %d: %+v after shuffling, %+v before", p, b[i], a[p])
		}
	}
	for i, s := range a {
		for _, v := range []float64{s.Score, s.Direct, s.Loyalty, s.Predicted, s.Social} {
			if v < 0 || v > 100 {
				t.Fatalf("member %d: %+v out of 0–100", i, s)
			}
		}
	}
}
