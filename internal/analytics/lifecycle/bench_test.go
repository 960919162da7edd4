package lifecycle

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkStages1M computes 24 monthly stages for one million members with
// about 40 purchase days each (40 million Add calls are not timed).
func BenchmarkStages1M(b *testing.B) {
	const members = 1_000_000
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	tr, err := NewTracker(from, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	start := Day(from, time.UTC)
	for i := range members {
		d := start + rng.IntN(400)
		gap := 2 + rng.IntN(40)
		for d < start+731 {
			tr.Add(i, d)
			d += 1 + rng.IntN(2*gap)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Stages(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd is the cost of one streamed purchase.
func BenchmarkAdd(b *testing.B) {
	tr, err := NewTracker(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	tr.grow(1_000_000)
	rng := rand.New(rand.NewPCG(2, 2))
	ids := make([]int, 1<<16)
	for i := range ids {
		ids[i] = rng.IntN(1_000_000)
	}
	start := Day(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	i := 0
	for b.Loop() {
		tr.Add(ids[i&(1<<16-1)], start+(i>>15)%731)
		i++
	}
}
