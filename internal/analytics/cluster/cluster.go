package cluster

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Config sets the fit. The zero value uses the defaults given per field.
type Config struct {
	K              int     // fixed number of clusters; 0 chooses from MinK..MaxK
	MinK, MaxK     int     // range tried when K is 0; default 3 and 8
	Seed           uint64  // seed of all random draws
	MaxIter        int     // Lloyd iterations per run; default 100
	Tol            float64 // convergence: largest centre move in z units; default 1e-4
	Restarts       int     // k-means++ starts per k, the best kept; default 4
	SampleSize     int     // members used to choose k; default 20,000
	SilhouetteSize int     // members the silhouette is averaged over; default 2,000
	Threshold      float64 // |z| from which a centre is called high or low; default 0.5
}

// MaxClusters is the largest k accepted (labels are bytes).
const MaxClusters = 64

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MinK, 3)
	def(&c.MaxK, 8)
	def(&c.MaxIter, 100)
	def(&c.Restarts, 4)
	def(&c.SampleSize, 20000)
	def(&c.SilhouetteSize, 2000)
	if c.Tol <= 0 {
		c.Tol = 1e-4
	}
	if c.Threshold <= 0 {
		c.Threshold = 0.5
	}
	return c
}

// Level is where a cluster's centre lies on one feature.
type Level int8

// Levels.
const (
	Low  Level = -1
	Mid  Level = 0
	High Level = 1
)

func (l Level) String() string {
	switch l {
	case Low:
		return "low"
	case High:
		return "high"
	}
	return "mid"
}

// Cluster describes one group of members.
type Cluster struct {
	Size   int
	Share  float64   // of all members
	Center []float64 // centre in z-scores, one per feature
	Mean   []float64 // mean of the members' raw values, one per feature
	Levels []Level   // per feature
	ZH, EN string    // the description, e.g. "常来、客单价高、最近来过"
}

// Choice is the score of one k tried.
type Choice struct {
	K          int
	Silhouette float64 // mean silhouette on the sample
	Inertia    float64 // on the sample
}

// Result is a fitted clustering.
type Result struct {
	K          int
	Features   []Feature
	Labels     []uint8 // cluster of each member, an index into Clusters
	Clusters   []Cluster
	Choices    []Choice // one per k tried, in order
	Iterations int      // Lloyd iterations of the final run on all members
	Converged  bool
	Inertia    float64   // sum of squared z distances to the centres, all members
	Mean, SD   []float64 // standardisation of each feature (after log1p where set)
}

// Run clusters the members whose feature values are given column by column:
// cols[j][i] is feature j of member i.
func Run(features []Feature, cols [][]float64, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	d := len(features)
	if d == 0 || len(cols) != d {
		return nil, fmt.Errorf("cluster: %d features and %d columns: want the same, at least one", d, len(cols))
	}
	n := len(cols[0])
	for j, c := range cols {
		if len(c) != n {
			return nil, fmt.Errorf("cluster: column %s has %d values, column %s %d", features[j].Key, len(c), features[0].Key, n)
		}
	}
	if n == 0 {
		return nil, errors.New("cluster: no members")
	}
	kmin, kmax := cfg.MinK, cfg.MaxK
	if cfg.K > 0 {
		kmin, kmax = cfg.K, cfg.K
	}
	if kmin > kmax || kmax > MaxClusters {
		return nil, fmt.Errorf("cluster: k from %d to %d: want 1 ≤ MinK ≤ MaxK ≤ %d", kmin, kmax, MaxClusters)
	}
	if kmax > n {
		kmax = n
		kmin = min(kmin, n)
	}

	res := &Result{Features: features, Mean: make([]float64, d), SD: make([]float64, d)}
	x, err := standardise(features, cols, res.Mean, res.SD)
	if err != nil {
		return nil, err
	}

	// A random sample, in random order, chooses k; its head is the
	// silhouette sample.
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6b6d65616e73)) // "kmeans"
	s := min(n, cfg.SampleSize)
	perm := partialShuffle(rng, n, s)
	xs := make([]float64, s*d)
	for i, p := range perm {
		copy(xs[i*d:(i+1)*d], x[int(p)*d:(int(p)+1)*d])
	}
	sil := min(s, cfg.SilhouetteSize)

	var best []float64
	bestSil := math.Inf(-1)
	for k := kmin; k <= kmax; k++ {
		var fit run
		for r := range cfg.Restarts {
			rr := rand.New(rand.NewPCG(cfg.Seed, uint64(k)<<32|uint64(r)))
			f := fitOnce(xs, d, k, rr, cfg.MaxIter, cfg.Tol)
			if r == 0 || f.inertia < fit.inertia {
				fit = f
			}
		}
		ch := Choice{K: k, Inertia: fit.inertia, Silhouette: silhouette(xs[:sil*d], d, fit.labels[:sil], k)}
		res.Choices = append(res.Choices, ch)
		if ch.Silhouette > bestSil || best == nil {
			best, bestSil, res.K = fit.centers, ch.Silhouette, k
		}
	}

	labels := make([]uint8, n)
	it, conv := lloyd(x, d, best, res.K, labels, cfg.MaxIter, cfg.Tol)
	res.Iterations, res.Converged = it, conv
	res.Inertia = assign(x, d, best, res.K, labels, nil)
	order(res, cols, best, labels, cfg.Threshold)
	return res, nil
}

// standardise returns the row-major matrix of z-scores.
func standardise(features []Feature, cols [][]float64, mean, sd []float64) ([]float64, error) {
	d, n := len(cols), len(cols[0])
	x := make([]float64, n*d)
	for j, c := range cols {
		log := features[j].Log
		sum := 0.0
		for i, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) || log && v < 0 {
				return nil, fmt.Errorf("cluster: member %d: %s = %v: want a finite value%s", i, features[j].Key, v,
					map[bool]string{true: " ≥ 0", false: ""}[log])
			}
			if log {
				v = math.Log1p(v)
			}
			x[i*d+j] = v
			sum += v
		}
		m := sum / float64(n)
		ss := 0.0
		for i := range n {
			dv := x[i*d+j] - m
			ss += dv * dv
		}
		s := math.Sqrt(ss / float64(n))
		mean[j], sd[j] = m, s
		for i := range n {
			if s > 0 {
				x[i*d+j] = (x[i*d+j] - m) / s
			} else {
				x[i*d+j] = 0
			}
		}
	}
	return x, nil
}

// partialShuffle returns s distinct indices below n in random order (the
// first s places of a Fisher–Yates shuffle).
func partialShuffle(rng *rand.Rand, n, s int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	for i := range s {
		j := i + rng.IntN(n-i)
		p[i], p[j] = p[j], p[i]
	}
	return p[:s:s]
}

type run struct {
	centers []float64
	labels  []uint8
	inertia float64
}

func fitOnce(x []float64, d, k int, rng *rand.Rand, maxIter int, tol float64) run {
	c := seed(x, d, k, rng)
	labels := make([]uint8, len(x)/d)
	lloyd(x, d, c, k, labels, maxIter, tol)
	in := assign(x, d, c, k, labels, nil)
	return run{c, labels, in}
}

// seed picks k starting centres by greedy k-means++.
func seed(x []float64, d, k int, rng *rand.Rand) []float64 {
	n := len(x) / d
	c := make([]float64, 0, k*d)
	first := rng.IntN(n)
	c = append(c, x[first*d:(first+1)*d]...)
	closest := make([]float64, n) // squared distance to the nearest centre so far
	for i := range n {
		closest[i] = dist2(x[i*d:(i+1)*d], c[:d])
	}
	trials := 2 + int(math.Log(float64(k)))
	cum := make([]float64, n)
	cand := make([]float64, n)
	bestD := make([]float64, n)
	for len(c) < k*d {
		total := 0.0
		for i, v := range closest {
			total += v
			cum[i] = total
		}
		if total == 0 { // fewer distinct points than k: repeat a point
			c = append(c, x[:d]...)
			continue
		}
		bestPot, bestIdx := math.Inf(1), -1
		for range trials {
			u := rng.Float64() * total
			i, _ := slices.BinarySearch(cum, u)
			i = min(i, n-1)
			for closest[i] == 0 && i < n-1 { // never pick a point already a centre
				i++
			}
			pot := 0.0
			p := x[i*d : (i+1)*d]
			for j := range n {
				v := min(closest[j], dist2(x[j*d:(j+1)*d], p))
				cand[j] = v
				pot += v
			}
			if pot < bestPot {
				bestPot, bestIdx = pot, i
				copy(bestD, cand)
			}
		}
		c = append(c, x[bestIdx*d:(bestIdx+1)*d]...)
		copy(closest, bestD)
	}
	return c
}

// lloyd iterates from centres c (updated in place) and leaves the last
// assignment in labels.
func lloyd(x []float64, d int, c []float64, k int, labels []uint8, maxIter int, tol float64) (iters int, converged bool) {
	n := len(x) / d
	sums := make([]float64, k*d)
	counts := make([]int, k)
	dist := make([]float64, n)
	for iters < maxIter {
		iters++
		assign(x, d, c, k, labels, dist)
		clear(sums)
		clear(counts)
		for i := range n {
			l := int(labels[i])
			counts[l]++
			row := x[i*d : (i+1)*d]
			for j, v := range row {
				sums[l*d+j] += v
			}
		}
		shift := 0.0
		for l := range k {
			next := sums[l*d : (l+1)*d]
			if counts[l] == 0 {
				// An empty cluster takes the member farthest from its centre.
				far := 0
				for i, v := range dist {
					if v > dist[far] {
						far = i
					}
				}
				copy(next, x[far*d:(far+1)*d])
				dist[far] = 0
			} else {
				for j := range next {
					next[j] /= float64(counts[l])
				}
			}
			shift = max(shift, dist2(next, c[l*d:(l+1)*d]))
			copy(c[l*d:(l+1)*d], next)
		}
		if shift <= tol*tol {
			return iters, true
		}
	}
	return iters, false
}

// assign labels every row with its nearest centre and returns the inertia;
// dist, when not nil, receives each row's squared distance.
func assign(x []float64, d int, c []float64, k int, labels []uint8, dist []float64) float64 {
	n := len(x) / d
	total := 0.0
	for i := range n {
		row := x[i*d : (i+1)*d]
		bl, bd := 0, math.Inf(1)
		for l := range k {
			if v := dist2(row, c[l*d:(l+1)*d]); v < bd {
				bl, bd = l, v
			}
		}
		labels[i] = uint8(bl)
		if dist != nil {
			dist[i] = bd
		}
		total += bd
	}
	return total
}

func dist2(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		dv := v - b[j]
		s += dv * dv
	}
	return s
}

// silhouette is the mean silhouette of the rows of x under labels.
func silhouette(x []float64, d int, labels []uint8, k int) float64 {
	n := len(labels)
	if n < 2 || k < 2 {
		return 0
	}
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	sum := make([]float64, k)
	total := 0.0
	for i := range n {
		clear(sum)
		row := x[i*d : (i+1)*d]
		for j := range n {
			if j != i {
				sum[labels[j]] += math.Sqrt(dist2(row, x[j*d:(j+1)*d]))
			}
		}
		own := int(labels[i])
		if size[own] == 1 {
			continue // s(i) = 0
		}
		a := sum[own] / float64(size[own]-1)
		b := math.Inf(1)
		for l := range k {
			if l != own && size[l] > 0 {
				b = min(b, sum[l]/float64(size[l]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if m := max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n)
}

// order numbers the clusters by size (largest first, ties by centre),
// relabels the members and writes the descriptions.
func order(res *Result, cols [][]float64, c []float64, labels []uint8, threshold float64) {
	k, d := res.K, len(cols)
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if size[a] != size[b] {
			return cmp.Compare(size[b], size[a])
		}
		return slices.Compare(c[a*d:(a+1)*d], c[b*d:(b+1)*d])
	})
	rank := make([]uint8, k)
	for r, old := range idx {
		rank[old] = uint8(r)
	}
	means := make([]float64, k*d)
	for i, l := range labels {
		l = rank[l]
		labels[i] = l
		for j := range d {
			means[int(l)*d+j] += cols[j][i]
		}
	}
	res.Labels = labels
	n := len(labels)
	for r, old := range idx {
		cl := Cluster{
			Size:   size[old],
			Share:  float64(size[old]) / float64(n),
			Center: slices.Clone(c[old*d : (old+1)*d]),
			Mean:   means[r*d : (r+1)*d : (r+1)*d],
			Levels: make([]Level, d),
		}
		zh, en := make([]string, d), make([]string, d)
		for j, z := range cl.Center {
			if cl.Size > 0 {
				cl.Mean[j] /= float64(cl.Size)
			}
			w := res.Features[j].Mid
			switch {
			case z >= threshold:
				cl.Levels[j], w = High, res.Features[j].High
			case z <= -threshold:
				cl.Levels[j], w = Low, res.Features[j].Low
			}
			zh[j], en[j] = w.ZH, w.EN
		}
		cl.ZH, cl.EN = strings.Join(zh, "、"), strings.Join(en, ", ")
		res.Clusters = append(res.Clusters, cl)
	}
}

// Assign gives the cluster of a new member from its raw feature values (in
// the order of Features), with the fitted standardisation.
func (r *Result) Assign(values []float64) (int, error) {
	d := len(r.Features)
	if len(values) != d {
		return 0, fmt.Errorf("cluster: %d values for %d features", len(values), d)
	}
	z := make([]float64, d)
	for j, v := range values {
		if r.Features[j].Log {
			if v < 0 {
				return 0, fmt.Errorf("cluster: %s = %v: want ≥ 0", r.Features[j].Key, v)
			}
			v = math.Log1p(v)
		}
		if r.SD[j] > 0 {
			z[j] = (v - r.Mean[j]) / r.SD[j]
		}
	}
	best, bd := 0, math.Inf(1)
	for l, c := range r.Clusters {
		if v := dist2(z, c.Center); v < bd {
			best, bd = l, v
		}
	}
	return best, nil
}
