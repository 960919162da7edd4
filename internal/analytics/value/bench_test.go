package value

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCompute1M scores one million members with the default weights.
func BenchmarkCompute1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 42))
	members := make([]Member, 1_000_000)
	for i := range members {
		f := float64(1 + int(rng.ExpFloat64()*12))
		members[i] = Member{RecencyDays: float64(rng.IntN(365)), Frequency: f, Monetary: f * (20 + rng.ExpFloat64()*60),
			TenureDays: float64(rng.IntN(2000)), CLV: rng.ExpFloat64() * 800, Referrals: float64(rng.IntN(10) / 8),
			ReferredSpend: float64(rng.IntN(10)/8) * rng.ExpFloat64() * 300}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(members, DefaultWeights); err != nil {
			b.Fatal(err)
		}
	}
}
