package groups

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkReport1M groups one million members over 500 areas and 300
// categories; the ten million AddCategory calls are timed separately below.
func BenchmarkReport1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	members := make([]Member, 1_000_000)
	for i := range members {
		s := rng.IntN(40)
		members[i] = Member{Band: Band(rng.IntN(NumBands)), Gender: Gender(rng.IntN(NumGenders)),
			Area: int32(rng.IntN(501)) - 1, Sales: s, RevenueFen: int64(s) * int64(rng.IntN(20000))}
	}
	areas := make([]string, 500)
	for i := range areas {
		areas[i] = "area"
	}
	a := New(members, areas)
	for range 10_000_000 {
		a.AddCategory(rng.IntN(len(members)), int32(rng.IntN(300)), 500)
	}
	b.ReportAllocs()
	for b.Loop() {
		New(members, areas).Report(5)
		a.Report(5)
	}
}

// BenchmarkAddCategory is the cost of one streamed line.
func BenchmarkAddCategory(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	members := make([]Member, 1_000_000)
	for i := range members {
		members[i] = Member{Band: Band(rng.IntN(NumBands)), Gender: Gender(rng.IntN(NumGenders)), Area: int32(rng.IntN(500))}
	}
	a := New(members, make([]string, 500))
	ids := make([]int, 1<<16)
	for i := range ids {
		ids[i] = rng.IntN(len(members))
	}
	i := 0
	for b.Loop() {
		a.AddCategory(ids[i&(1<<16-1)], int32(i%300), 500)
		i++
	}
}
