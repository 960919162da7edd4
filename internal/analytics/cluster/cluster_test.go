package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var plain = []Feature{{Key: "x"}, {Key: "y"}, {Key: "z"}}

// blobs draws well-separated Gaussian blobs in three dimensions: blob b has
// sizes[b] points around a centre 10 units from the others, sd 0.5. Points
// are interleaved so the input order says nothing about the blobs.
func blobs(seed uint64, sizes []int) (cols [][]float64, truth []int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	centres := [][3]float64{{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}, {10, 10, 10}, {-10, 5, 5}, {5, -10, 5}}
	for b, n := range sizes {
		for range n {
			truth = append(truth, b)
		}
	}
	rng.Shuffle(len(truth), func(i, j int) { truth[i], truth[j] = truth[j], truth[i] })
	cols = make([][]float64, 3)
	for _, b := range truth {
		for j := range 3 {
			cols[j] = append(cols[j], centres[b][j]+0.5*rng.NormFloat64())
		}
	}
	return cols, truth
}

// samePartition says whether labels split the points exactly as truth does.
func samePartition(labels []uint8, truth []int) bool {
	fwd, back := map[int]uint8{}, map[uint8]int{}
	for i, t := range truth {
		l := labels[i]
		if v, ok := fwd[t]; ok && v != l {
			return false
		}
		if v, ok := back[l]; ok && v != t {
			return false
		}
		fwd[t], back[l] = l, t
	}
	return true
}

func TestBlobsRecovered(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		cfg   Config
	}{
		{"two", []int{300, 100}, Config{MinK: 2}},
		{"three", []int{300, 200, 100}, Config{}},
		{"four", []int{300, 250, 200, 150}, Config{Seed: 5}},
		{"five", []int{220, 200, 180, 160, 140}, Config{Seed: 9}},
		{"six sampled", []int{800, 700, 600, 500, 400, 300}, Config{Seed: 2, SampleSize: 900, SilhouetteSize: 400}},
		{"four fixed k", []int{300, 250, 200, 150}, Config{K: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, truth := blobs(uint64(len(tt.sizes)), tt.sizes)
			res, err := Run(plain, cols, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.K != len(tt.sizes) {
				t.Fatalf("k = %d, want %d; choices %+v", res.K, len(tt.sizes), res.Choices)
			}
			if !samePartition(res.Labels, truth) {
				t.Fatal("blobs not recovered exactly")
			}
			for i, c := range res.Clusters {
				if c.Size != tt.sizes[i] { // numbered by size, largest first
					t.Errorf("cluster %d has %d members, want %d", i, c.Size, tt.sizes[i])
				}
			}
			if !res.Converged {
				t.Error("did not converge")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cols := make([][]float64, 3)
	for range 3000 { // no structure: the hardest case for stability
		for j := range cols {
			cols[j] = append(cols[j], rng.NormFloat64())
		}
	}
	cfg := Config{Seed: 11, SampleSize: 1000, SilhouetteSize: 500}
	a, err := Run(plain, cols, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(plain, cols, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.K != b.K || !slices.Equal(a.Labels, b.Labels) || a.Inertia != b.Inertia || !slices.Equal(a.Choices, b.Choices) {
		t.Fatal("two runs with the same seed differ")
	}
	for i := range a.Clusters {
		if !slices.Equal(a.Clusters[i].Center, b.Clusters[i].Center) {
			t.Fatal("centres differ")
		}
	}
}

func TestSilhouette(t *testing.T) {
	x := []float64{0, 1, 10, 11}
	got := silhouette(x, 1, []uint8{0, 0, 1, 1}, 2)
	want := (2*(10.5-1)/10.5 + 2*(9.5-1)/9.5) / 4
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("silhouette = %v, want %v", got, want)
	}
	// A member alone in its cluster scores 0.
	got = silhouette([]float64{0, 1, 10}, 1, []uint8{0, 0, 1}, 2)
	want = ((10-1)/10.0 + (9-1)/9.0) / 3
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("silhouette with a singleton = %v, want %v", got, want)
	}
}

func TestDescriptions(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var members []Member
	// Regulars: weekly, 150 a visit, seen this week.
	for range 400 {
		f := 40 + rng.Float64()*10
		members = append(members, Member{RecencyDays: rng.Float64() * 5, Frequency: f, Monetary: f * (140 + rng.Float64()*20)})
	}
	// Drifters: one or two visits, 15 a visit, last seen most of a year ago.
	for range 300 {
		f := 1 + float64(rng.IntN(2))
		members = append(members, Member{RecencyDays: 300 + rng.Float64()*40, Frequency: f, Monetary: f * (12 + rng.Float64()*6)})
	}
	features, cols, err := Behaviour(members)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(features, cols, Config{MinK: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.K != 2 {
		t.Fatalf("k = %d, want 2", res.K)
	}
	want := []struct{ zh, en string }{
		{"常来、客单价高、最近来过", "buys often, spends a lot per visit, visited recently"},
		{"很少来、客单价低、很久没来", "rarely buys, spends little per visit, has not visited for a long time"},
	}
	for i, c := range res.Clusters {
		if c.ZH != want[i].zh || c.EN != want[i].en {
			t.Errorf("cluster %d: %q / %q, want %q / %q", i, c.ZH, c.EN, want[i].zh, want[i].en)
		}
	}
	if m := res.Clusters[0].Mean; m[0] < 40 || m[0] > 50 || m[1] < 140 || m[1] > 160 {
		t.Errorf("regulars' raw means %v", m)
	}
	// A new regular lands with the regulars.
	if l, err := res.Assign([]float64{45, 150, 2}); err != nil || l != 0 {
		t.Errorf("Assign = %d, %v; want 0", l, err)
	}
	if _, _, err := Behaviour([]Member{{Frequency: 0}}); err == nil {
		t.Error("non-buyer: no error")
	}
}

func TestMidLevel(t *testing.T) {
	// Three groups on one axis: the middle one is average.
	var x []float64
	for _, c := range []float64{0, 50, 100} {
		for i := range 50 {
			x = append(x, c+float64(i%5))
		}
	}
	f := []Feature{Frequency}
	f[0].Log = false
	res, err := Run(f, [][]float64{x}, Config{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Clusters {
		got = append(got, c.Levels[0].String()+":"+c.EN)
	}
	slices.Sort(got)
	want := []string{"high:buys often", "low:rarely buys", "mid:buys now and then"}
	if !slices.Equal(got, want) {
		t.Errorf("levels %v, want %v", got, want)
	}
}

func TestDegenerate(t *testing.T) {
	// Fewer distinct points than k, and a constant column.
	cols := [][]float64{{1, 1, 1, 1, 2, 2}, {5, 5, 5, 5, 5, 5}}
	res, err := Run([]Feature{{Key: "a"}, {Key: "b"}}, cols, Config{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Labels) != 6 || res.Labels[0] != res.Labels[3] || res.Labels[0] == res.Labels[4] {
		t.Errorf("labels %v", res.Labels)
	}
	if res.SD[1] != 0 || res.Clusters[0].Center[1] != 0 {
		t.Errorf("constant column: sd %v, centre %v", res.SD[1], res.Clusters[0].Center)
	}
	// More clusters than members are cut to the members.
	res, err = Run([]Feature{{Key: "a"}}, [][]float64{{1, 2}}, Config{MinK: 2})
	if err != nil || res.K != 2 {
		t.Errorf("two members: k = %v, err %v", res, err)
	}
}

func TestErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		f    []Feature
		cols [][]float64
		cfg  Config
	}{
		{"no features", nil, nil, Config{}},
		{"ragged", plain[:2], [][]float64{{1, 2}, {1}}, Config{}},
		{"empty", plain[:1], [][]float64{{}}, Config{}},
		{"nan", plain[:1], [][]float64{{1, nan}}, Config{}},
		{"negative log", []Feature{Frequency}, [][]float64{{1, -2}}, Config{}},
		{"k too big", plain[:1], [][]float64{{1, 2}}, Config{K: 100}},
		{"range", plain[:1], [][]float64{{1, 2}}, Config{MinK: 5, MaxK: 3}},
	}
	for _, tt := range tests {
		if _, err := Run(tt.f, tt.cols, tt.cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if !strings.HasPrefix(err.Error(), "cluster: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
}
