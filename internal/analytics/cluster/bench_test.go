package cluster

import (
	"math/rand/v2"
	"testing"
)

// syntheticBehaviour draws n members from four behaviour groups with
// supermarket-like spreads.
func syntheticBehaviour(n int) []Member {
	rng := rand.New(rand.NewPCG(42, 42))
	type group struct{ freq, spend, recency float64 }
	groups := []group{{40, 120, 5}, {12, 60, 20}, {3, 40, 90}, {1.5, 25, 250}}
	out := make([]Member, n)
	for i := range out {
		g := groups[rng.IntN(len(groups))]
		f := 1 + g.freq*rng.ExpFloat64()
		out[i] = Member{
			RecencyDays: g.recency * rng.ExpFloat64(),
			Frequency:   f,
			Monetary:    f * g.spend * (0.5 + rng.Float64()),
		}
	}
	return out
}

// BenchmarkRun1M clusters one million members, choosing k from 2..8.
func BenchmarkRun1M(b *testing.B) {
	features, cols, err := Behaviour(syntheticBehaviour(1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(features, cols, Config{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.K), "k")
		b.ReportMetric(float64(res.Iterations), "iterations")
	}
}

// BenchmarkRun1MFixedK is the same with k fixed at 5 (no selection).
func BenchmarkRun1MFixedK(b *testing.B) {
	features, cols, err := Behaviour(syntheticBehaviour(1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(features, cols, Config{Seed: 1, K: 5})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Iterations), "iterations")
	}
}
