package rfm

import (
	"math/rand/v2"
	"testing"
)

// syntheticMembers draws n members with supermarket-like spreads: recency up
// to a year, frequency skewed towards few visits, spend per visit around 80.
func syntheticMembers(n int) []Member {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([]Member, n)
	for i := range out {
		f := 1 + int(rng.ExpFloat64()*12)
		out[i] = Member{
			RecencyDays: rng.IntN(365),
			Frequency:   f,
			Monetary:    float64(f) * (20 + rng.ExpFloat64()*60),
		}
	}
	return out
}

// BenchmarkAnalyze1M scores one million members.
func BenchmarkAnalyze1M(b *testing.B) {
	members := syntheticMembers(1_000_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(members); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccumulatorAdd is the cost per streamed line, over one million
// members in time order.
func BenchmarkAccumulatorAdd(b *testing.B) {
	const members = 1_000_000
	acc := NewAccumulator(members)
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int, 1<<16)
	for i := range ids {
		ids[i] = rng.IntN(members)
	}
	i := 0
	for b.Loop() {
		acc.Add(ids[i&(len(ids)-1)], 19000+i>>20, 12.5)
		i++
	}
}
