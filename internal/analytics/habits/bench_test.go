package habits

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkGridAdd is the cost of one sale in the heat map (Shanghai time).
func BenchmarkGridAdd(b *testing.B) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Skip(err)
	}
	g := NewGrid(loc)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, loc)
	i := 0
	for b.Loop() {
		g.Add(t0.Add(time.Duration(i)*time.Minute), 1234)
		i++
	}
}

// BenchmarkProfilesAdd is the cost of one sale over one million members.
func BenchmarkProfilesAdd(b *testing.B) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Skip(err)
	}
	p := NewProfiles(loc, 1_000_000)
	rng := rand.New(rand.NewPCG(1, 1))
	ids := make([]int, 1<<16)
	for i := range ids {
		ids[i] = rng.IntN(1_000_000)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, loc)
	for m := range 1_000_000 { // every member once: memory in place, as in a long run
		p.Add(m, t0, 1, 1)
	}
	i := 0
	for b.Loop() {
		p.Add(ids[i&(1<<16-1)], t0.Add(time.Duration(i)*time.Second), 1234, 3)
		i++
	}
}

// BenchmarkSharesAdd is the cost of one line over one million members and
// 200 categories.
func BenchmarkSharesAdd(b *testing.B) {
	s := NewShares(1_000_000)
	rng := rand.New(rand.NewPCG(1, 1))
	ids := make([]int, 1<<16)
	cats := make([]int32, 1<<16)
	for i := range ids {
		ids[i] = rng.IntN(1_000_000)
		cats[i] = int32(rng.ExpFloat64()*20) % 200
	}
	i := 0
	for b.Loop() {
		s.Add(ids[i&(1<<16-1)], cats[(i*7)&(1<<16-1)], 500)
		i++
	}
}
