package rfm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBinsBalancedWhenDistinct(t *testing.T) {
	for _, n := range []int{5, 100, 1003, 4999} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		vals := make([]float64, n)
		for i, p := range rng.Perm(n) {
			vals[i] = float64(p) * 1.5
		}
		got, err := Bins(vals, 5)
		if err != nil {
			t.Fatal(err)
		}
		var count [6]int
		for _, b := range got {
			count[b]++
		}
		lo, hi := slices.Min(count[1:]), slices.Max(count[1:])
		if count[0] != 0 || hi-lo > 1 {
			t.Errorf("n=%d: level sizes %v, want balanced within one", n, count[1:])
		}
		// Higher values never get lower levels.
		for i := range vals {
			for j := range vals {
				if vals[i] < vals[j] && got[i] > got[j] {
					t.Fatalf("n=%d: %v got level %d above %v's %d", n, vals[i], got[i], vals[j], got[j])
				}
			}
			if n > 200 {
				break
			}
		}
	}
}

func TestBinsTies(t *testing.T) {
	tests := []struct {
		vals []float64
		k    int
		want []uint8
	}{
		// Six one-time buyers share the bottom; below = 6, 7, 8, 9 for the rest.
		{[]float64{1, 1, 1, 1, 1, 1, 2, 3, 4, 5}, 5, []uint8{1, 1, 1, 1, 1, 1, 4, 4, 5, 5}},
		{[]float64{5, 4, 3, 2, 1, 1, 1, 1, 1, 1}, 5, []uint8{5, 5, 4, 4, 1, 1, 1, 1, 1, 1}},
		{[]float64{7, 7, 7, 7}, 5, []uint8{1, 1, 1, 1}},
		{[]float64{1, 2, 2, 3}, 5, []uint8{1, 2, 2, 4}},
		{[]float64{1, 2, 3, 4, 5, 6}, 3, []uint8{1, 1, 2, 2, 3, 3}},
		{[]float64{-3, 0, 0, 2.5}, 2, []uint8{1, 1, 1, 2}},
		{nil, 5, []uint8{}},
	}
	for _, tt := range tests {
		got, err := Bins(tt.vals, tt.k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Bins(%v, %d) = %v, want %v", tt.vals, tt.k, got, tt.want)
		}
	}
}

func TestBinsRandomTiesAgainstCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	vals := make([]float64, 777)
	for i := range vals {
		vals[i] = float64(rng.IntN(20)) // many ties
	}
	got, err := Bins(vals, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		below := 0
		for _, w := range vals {
			if w < v {
				below++
			}
		}
		if want := uint8(1 + 5*below/len(vals)); got[i] != want {
			t.Fatalf("value %v: level %d, want %d", v, got[i], want)
		}
		for j, w := range vals {
			if w == v && got[j] != got[i] {
				t.Fatalf("equal values %v got levels %d and %d", v, got[i], got[j])
			}
		}
	}
}

func TestBinsErrors(t *testing.T) {
	if _, err := Bins([]float64{1}, 0); err == nil {
		t.Error("0 bins: no error")
	}
	nan := 0.0
	nan = nan / nan
	if _, err := Bins([]float64{1, nan}, 5); err == nil {
		t.Error("NaN: no error")
	}
}

func TestSegmentMap(t *testing.T) {
	tests := []struct {
		r, f, m int
		want    Segment
	}{
		{5, 5, 5, Champions},
		{5, 4, 4, Champions},
		{5, 5, 3, Champions}, // FM = 4
		{5, 1, 1, New},
		{5, 1, 2, New}, // FM = 1
		{5, 2, 2, PotentialLoyalist},
		{4, 1, 1, Promising},
		{4, 4, 5, Loyal},
		{3, 5, 5, Loyal},
		{3, 3, 3, NeedAttention},
		{3, 2, 1, AboutToSleep},
		{2, 3, 4, AtRisk},
		{1, 5, 5, CantLose},
		{2, 5, 4, CantLose}, // FM = 4? no: (5+4)/2 = 4 → at risk
		{2, 1, 1, Hibernating},
		{1, 2, 2, Hibernating},
		{1, 1, 1, Lost},
		{1, 1, 2, Lost},
		{0, 1, 1, None},
		{1, 6, 1, None},
	}
	tests[13].want = AtRisk
	for _, tt := range tests {
		if got := SegmentOf(tt.r, tt.f, tt.m); got != tt.want {
			t.Errorf("SegmentOf(%d,%d,%d) = %v, want %v", tt.r, tt.f, tt.m, got, tt.want)
		}
	}
	seen := map[Segment]bool{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				s := SegmentOf(r, f, m)
				if s == None {
					t.Fatalf("(%d,%d,%d) has no segment", r, f, m)
				}
				seen[s] = true
			}
		}
	}
	if len(seen) != NumSegments-1 {
		t.Errorf("%d segments reachable, want %d", len(seen), NumSegments-1)
	}
}

func TestValueOf(t *testing.T) {
	tests := []struct {
		f, s int
		want ValueClass
	}{
		{3, 3, ValueHigh}, {3, 2, ValueHigh}, {2, 3, ValueHigh},
		{2, 2, ValueMid}, {3, 1, ValueMid}, {1, 3, ValueMid},
		{2, 1, ValueLow}, {1, 2, ValueLow}, {1, 1, ValueLow},
		{0, 1, ValueNone}, {1, 4, ValueNone},
	}
	for _, tt := range tests {
		if got := ValueOf(tt.f, tt.s); got != tt.want {
			t.Errorf("ValueOf(%d,%d) = %v, want %v", tt.f, tt.s, got, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	keys := map[string]bool{}
	for s, n := range Names {
		if n.Key == "" || n.ZH == "" || n.EN == "" || n.AdviceZH == "" || n.AdviceEN == "" {
			t.Errorf("segment %d: incomplete name %+v", s, n)
		}
		if keys[n.Key] {
			t.Errorf("duplicate key %q", n.Key)
		}
		keys[n.Key] = true
		if Segment(s).String() != n.Key {
			t.Errorf("Segment(%d).String() = %q", s, Segment(s).String())
		}
	}
	for c, n := range ValueNames {
		if n.Key == "" || n.ZH == "" || n.EN == "" || ValueClass(c).Key() != n.Key {
			t.Errorf("value class %d: %+v", c, n)
		}
	}
}

func TestAnalyzeSmall(t *testing.T) {
	members := []Member{
		{RecencyDays: 1, Frequency: 20, Monetary: 2000}, // best on everything
		{RecencyDays: 300, Frequency: 1, Monetary: 10},  // worst on everything
		{}, // never bought
		{RecencyDays: 30, Frequency: 5, Monetary: 500},
		{RecencyDays: 60, Frequency: 3, Monetary: 90},
		{RecencyDays: 2, Frequency: 1, Monetary: 50},
	}
	res, err := Analyze(members)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scored != 5 {
		t.Fatalf("scored %d, want 5", res.Scored)
	}
	if s := res.Scores[0]; s.R != 5 || s.F != 5 || s.M != 5 || s.Segment != Champions || s.Value != ValueHigh {
		t.Errorf("best member: %+v", s)
	}
	if s := res.Scores[1]; s.R != 1 || s.F != 1 || s.M != 1 || s.Segment != Lost || s.Value != ValueLow {
		t.Errorf("worst member: %+v", s)
	}
	if s := res.Scores[2]; s != (Score{}) {
		t.Errorf("non-buyer scored: %+v", s)
	}
	// Two one-time buyers tie on F; the recent one is promising.
	if s := res.Scores[5]; s.F != 1 || s.R != 4 || s.Segment != Promising {
		t.Errorf("recent one-time buyer: %+v", s)
	}
	sum, money := 0, 0.0
	for _, g := range res.Segments {
		sum += g.Members
		money += g.Monetary
	}
	if sum != 5 || money != 2650 {
		t.Errorf("segments hold %d members and %v spend, want 5 and 2650", sum, money)
	}
	if len(res.Segments) != NumSegments-1 || res.Segments[0].Segment != Champions || res.Segments[len(res.Segments)-1].Segment != Lost {
		t.Errorf("segment order: %v", res.Segments)
	}
	if g := res.Segments[0]; g.Members != 1 || g.MeanRecency != 1 || g.Share != 0.2 {
		t.Errorf("champions summary %+v", g)
	}
	if v := res.Values; len(v) != 3 || v[0].Class != ValueHigh || v[2].Class != ValueLow {
		t.Errorf("value order %+v", v)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, m := range []Member{
		{RecencyDays: -1, Frequency: 1, Monetary: 1},
		{RecencyDays: 1, Frequency: -1},
		{RecencyDays: 1, Frequency: 1, Monetary: -5},
	} {
		if _, err := Analyze([]Member{m}); err == nil {
			t.Errorf("%+v: no error", m)
		}
	}
}

func TestAnalyzeOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	members := make([]Member, 2000)
	for i := range members {
		members[i] = Member{RecencyDays: rng.IntN(365), Frequency: 1 + rng.IntN(30), Monetary: float64(rng.IntN(100000)) / 100}
	}
	a, err := Analyze(members)
	if err != nil {
		t.Fatal(err)
	}
	perm := rng.Perm(len(members))
	shuffled := make([]Member, len(members))
	for i, p := range perm {
		shuffled[i] = members[p]
	}
	b, err := Analyze(shuffled)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range perm {
		if b.Scores[i] != a.Scores[p] {
			t.Fatalf("member %d: %+v after shuffling, %+v before", p, b.Scores[i], a.Scores[p])
		}
	}
	if a.Grid != b.Grid || a.ValueGrid != b.ValueGrid {
		t.Error("grids depend on member order")
	}
	for i, g := range a.Segments {
		h := b.Segments[i]
		if g.Members != h.Members || math.Abs(g.Monetary-h.Monetary) > 1e-6 || math.Abs(g.MeanRecency-h.MeanRecency) > 1e-9 {
			t.Errorf("segment %v: %+v before shuffling, %+v after", g.Segment, g, h)
		}
	}
}

func TestAccumulator(t *testing.T) {
	var a Accumulator
	a.Add(2, 100, 10) // grows from empty
	a.Add(2, 100, 5)  // same day: spend only
	a.Add(2, 105, 1)
	a.Add(2, 103, 1) // earlier than the latest: a new occasion
	a.Add(0, 90, 7)
	if a.Len() != 3 {
		t.Fatalf("Len = %d, want 3", a.Len())
	}
	got, err := a.Members(110)
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{{20, 1, 7}, {}, {5, 3, 17}}
	if !slices.Equal(got, want) {
		t.Errorf("Members = %+v, want %+v", got, want)
	}
	if _, err := a.Members(104); err == nil {
		t.Error("purchase after the as-of date: no error")
	}
}

func TestDay(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	// 2024-03-01 20:00 UTC is already 2 March in Shanghai.
	ts := time.Date(2024, 3, 1, 20, 0, 0, 0, time.UTC)
	if d, want := Day(ts, sh)-Day(ts, time.UTC), 1; d != want {
		t.Errorf("Shanghai day - UTC day = %d, want %d", d, want)
	}
	if Day(time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), time.UTC) != 1 {
		t.Error("1970-01-02 is not day 1")
	}
}
