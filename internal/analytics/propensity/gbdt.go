package propensity

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Format identifies the JSON layout of a Model.
const Format = "linli-gbdt/1"

// Params control boosting. Zero fields take the defaults in brackets.
type Params struct {
	Trees        int     `json:"trees"`         // boosting rounds [100]
	LearningRate float64 `json:"learning_rate"` // shrinkage of every tree [0.1]
	MaxDepth     int     `json:"max_depth"`     // depth limit [4]
	MinLeaf      int     `json:"min_leaf"`      // fewest examples in a leaf [50]
	Lambda       float64 `json:"lambda"`        // L2 penalty on leaf values [1]
	MinGain      float64 `json:"min_gain"`      // smallest loss reduction worth a split [0]
	Bins         int     `json:"bins"`          // histogram bins per feature, 2..256 [64]
}

func (p Params) withDefaults() (Params, error) {
	if p.Trees == 0 {
		p.Trees = 100
	}
	if p.LearningRate == 0 {
		p.LearningRate = 0.1
	}
	if p.MaxDepth == 0 {
		p.MaxDepth = 4
	}
	if p.MinLeaf == 0 {
		p.MinLeaf = 50
	}
	if p.Lambda == 0 {
		p.Lambda = 1
	}
	if p.Bins == 0 {
		p.Bins = 64
	}
	switch {
	case p.Trees < 1 || p.MaxDepth < 1 || p.MinLeaf < 1:
		return p, fmt.Errorf("propensity: trees %d, depth %d and min leaf %d must be positive", p.Trees, p.MaxDepth, p.MinLeaf)
	case !(p.LearningRate > 0 && p.LearningRate <= 1):
		return p, fmt.Errorf("propensity: learning rate %v, want 0 < rate ≤ 1", p.LearningRate)
	case !(p.Lambda >= 0) || !(p.MinGain >= 0) || math.IsInf(p.Lambda, 0) || math.IsInf(p.MinGain, 0):
		return p, fmt.Errorf("propensity: lambda %v and min gain %v must be finite and ≥ 0", p.Lambda, p.MinGain)
	case p.Bins < 2 || p.Bins > 256:
		return p, fmt.Errorf("propensity: %d bins, want 2..256", p.Bins)
	}
	return p, nil
}

// Node is a tree node: a split when Feature ≥ 0 (x[Feature] ≤ Threshold goes Left), a
// leaf adding Value to the log-odds when Feature is -1.
type Node struct {
	Feature   int     `json:"feature"`
	Threshold float64 `json:"threshold,omitempty"`
	Left      int     `json:"left,omitempty"`
	Right     int     `json:"right,omitempty"`
	Value     float64 `json:"value,omitempty"`
}

// Tree is a regression tree; Nodes[0] is the root and children follow their parent.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Model is a boosted-tree classifier. Name, Version and FittedAt are left to the caller
// (Fit reads no clock, so that fits are reproducible).
type Model struct {
	Format   string    `json:"format"`
	Name     string    `json:"name,omitempty"`
	Version  string    `json:"version,omitempty"`
	FittedAt time.Time `json:"fitted_at,omitzero"`
	Features []string  `json:"features"`
	Params   Params    `json:"params"`
	// Base is the starting log-odds, the training positive rate's logit.
	Base  float64 `json:"base"`
	Trees []Tree  `json:"trees"`
	// Gain and Splits per feature: total loss reduction of its splits and their number.
	Gain   []float64 `json:"gain"`
	Splits []int     `json:"splits"`
	// Examples and Positives in the training data.
	Examples  int `json:"examples"`
	Positives int `json:"positives"`
}

// checkMatrix validates a feature matrix against a width.
func checkMatrix(X [][]float64, width int) error {
	for i, x := range X {
		if len(x) != width {
			return fmt.Errorf("propensity: row %d has %d features, want %d", i, len(x), width)
		}
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("propensity: row %d feature %d = %v: %w", i, j, v, ErrInvalid)
			}
		}
	}
	return nil
}

func checkLabels(X [][]float64, y []bool) (int, error) {
	if len(X) == 0 {
		return 0, fmt.Errorf("propensity: no examples: %w", ErrEmpty)
	}
	if len(X) != len(y) {
		return 0, fmt.Errorf("propensity: %d rows and %d labels", len(X), len(y))
	}
	pos := 0
	for _, v := range y {
		pos += b2i(v)
	}
	if pos == 0 || pos == len(y) {
		return 0, fmt.Errorf("propensity: all %d labels are %v; need both classes", len(y), y[0])
	}
	return pos, nil
}

// FitDataset fits a model on a dataset's examples.
func FitDataset(ds *Dataset, p Params) (*Model, error) {
	X, y := ds.Matrix()
	return Fit(X, y, ds.Features, p)
}

// Fit trains gradient-boosted regression trees on the logistic loss (Friedman 2001) with
// second-order leaf values and split gains (Chen & Guestrin 2016) found on per-feature
// quantile histograms. features names the columns of X.
func Fit(X [][]float64, y []bool, features []string, p Params) (*Model, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	pos, err := checkLabels(X, y)
	if err != nil {
		return nil, err
	}
	nf := len(features)
	if nf == 0 {
		return nil, fmt.Errorf("propensity: no features")
	}
	for i, f := range features {
		if slices.Contains(features[:i], f) {
			return nil, fmt.Errorf("propensity: feature %q named twice", f)
		}
	}
	if err := checkMatrix(X, nf); err != nil {
		return nil, err
	}
	n := len(X)
	rate := float64(pos) / float64(n)
	m := &Model{
		Format: Format, Features: slices.Clone(features), Params: p,
		Base: math.Log(rate / (1 - rate)), Gain: make([]float64, nf), Splits: make([]int, nf),
		Examples: n, Positives: pos,
	}
	thr := make([][]float64, nf) // split thresholds per feature
	bins := make([]uint8, n*nf)  // bin of example i, feature j at i*nf+j
	for j := range nf {
		thr[j] = binColumn(X, j, p.Bins, bins, nf)
	}

	b := &booster{p: p, nf: nf, thr: thr, bins: bins, m: m,
		gh: make([]gradHess, n), rows: make([]int32, n), tmp: make([]int32, n)}
	score := make([]float64, n)
	for i := range score {
		score[i] = m.Base
	}
	for range p.Trees {
		for i := range n {
			q := sigmoid(score[i])
			t := 0.0
			if y[i] {
				t = 1
			}
			b.gh[i] = gradHess{q - t, math.Max(q*(1-q), 1e-16)}
		}
		m.Trees = append(m.Trees, b.grow(score))
	}
	return m, nil
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// binColumn finds up to nb−1 thresholds at quantiles of column j (midway between adjacent
// distinct values, so unseen values fall on a sensible side) and writes the bin of every
// value to bins[i*nf+j].
func binColumn(X [][]float64, j, nb int, bins []uint8, nf int) []float64 {
	n := len(X)
	// A strided sample bounds the sort on large inputs; it is deterministic.
	stride := max(1, n/200000)
	vals := make([]float64, 0, n/stride+1)
	for i := 0; i < n; i += stride {
		vals = append(vals, X[i][j])
	}
	sort.Float64s(vals)
	type run struct {
		v   float64
		cnt int
	}
	var runs []run
	for _, v := range vals {
		if len(runs) > 0 && runs[len(runs)-1].v == v {
			runs[len(runs)-1].cnt++
		} else {
			runs = append(runs, run{v, 1})
		}
	}
	var thr []float64
	if len(runs) <= nb {
		for k := 0; k+1 < len(runs); k++ {
			thr = append(thr, (runs[k].v+runs[k+1].v)/2)
		}
	} else {
		cum, next := 0, 1
		for k := 0; k+1 < len(runs) && len(thr) < nb-1; k++ {
			cum += runs[k].cnt
			if float64(cum) >= float64(next)*float64(len(vals))/float64(nb) {
				thr = append(thr, (runs[k].v+runs[k+1].v)/2)
				for float64(cum) >= float64(next)*float64(len(vals))/float64(nb) {
					next++
				}
			}
		}
	}
	for i := range X {
		bins[i*nf+j] = uint8(sort.SearchFloat64s(thr, X[i][j])) // first threshold ≥ x
	}
	return thr
}

type gradHess struct{ g, h float64 }

type booster struct {
	p         Params
	nf        int
	thr       [][]float64
	bins      []uint8
	m         *Model
	gh        []gradHess
	rows, tmp []int32
}

// cell is one histogram bin: gradient sum, hessian sum and count, kept together so that
// an update touches one cache line.
type cell struct {
	g, h float64
	c    int64
}

// hist holds the cells of every feature, feature j's bins at [j*nb, (j+1)*nb).
type hist struct {
	cells []cell
	nb    int
}

func (b *booster) newHist() *hist {
	return &hist{cells: make([]cell, b.nf*b.p.Bins), nb: b.p.Bins}
}

// fill adds rows to the histogram, row by row: the row's bins are contiguous and its
// gradient is read once.
func (b *booster) fill(hs *hist, rows []int32) {
	nf, nb := b.nf, hs.nb
	cells := hs.cells
	for _, r := range rows {
		gh := b.gh[r]
		row := b.bins[int(r)*nf : int(r)*nf+nf]
		for j, k := range row {
			c := &cells[j*nb+int(k)]
			c.g += gh.g
			c.h += gh.h
			c.c++
		}
	}
}

type split struct {
	feature int
	bin     int
	gain    float64
}

// best finds the split of largest gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)], ties to
// the lower feature and bin.
func (b *booster) best(hs *hist, G, H float64, n int) split {
	lam := b.p.Lambda
	parent := G * G / (H + lam)
	out := split{feature: -1}
	for j := range b.nf {
		nt := len(b.thr[j])
		var gl, hl float64
		var cl int
		for k := 0; k < nt; k++ {
			c := hs.cells[j*hs.nb+k]
			gl += c.g
			hl += c.h
			cl += int(c.c)
			cr := n - cl
			if cl < b.p.MinLeaf {
				continue
			}
			if cr < b.p.MinLeaf {
				break
			}
			gr, hr := G-gl, H-hl
			gain := 0.5 * (gl*gl/(hl+lam) + gr*gr/(hr+lam) - parent)
			if gain > b.p.MinGain && gain > out.gain {
				out = split{j, k, gain}
			}
		}
	}
	return out
}

type pending struct {
	node   int
	lo, hi int // rows[lo:hi]
	depth  int
	hs     *hist // nil when the node cannot split
	g, h   float64
}

// grow builds one tree depth-first on the current gradients and adds its leaf values to
// score.
func (b *booster) grow(score []float64) Tree {
	n := len(b.gh)
	for i := range b.rows {
		b.rows[i] = int32(i)
	}
	var G, H float64
	for _, gh := range b.gh {
		G += gh.g
		H += gh.h
	}
	root := b.newHist()
	b.fill(root, b.rows)
	t := Tree{Nodes: []Node{{Feature: -1}}}
	stack := []pending{{node: 0, lo: 0, hi: n, hs: root, g: G, h: H}}
	for len(stack) > 0 {
		pd := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cnt := pd.hi - pd.lo
		sp := split{feature: -1}
		if pd.hs != nil && pd.depth < b.p.MaxDepth && cnt >= 2*b.p.MinLeaf {
			sp = b.best(pd.hs, pd.g, pd.h, cnt)
		}
		if sp.feature < 0 {
			v := -b.p.LearningRate * pd.g / (pd.h + b.p.Lambda)
			t.Nodes[pd.node] = Node{Feature: -1, Value: v}
			for _, r := range b.rows[pd.lo:pd.hi] {
				score[r] += v
			}
			continue
		}
		b.m.Gain[sp.feature] += sp.gain
		b.m.Splits[sp.feature]++
		// Stable partition: left rows keep their order, then right rows.
		rows := b.rows[pd.lo:pd.hi]
		nl := 0
		var gl, hl float64
		right := b.tmp[:0]
		for _, r := range rows {
			if int(b.bins[int(r)*b.nf+sp.feature]) <= sp.bin {
				rows[nl] = r
				nl++
				gl += b.gh[r].g
				hl += b.gh[r].h
			} else {
				right = append(right, r)
			}
		}
		copy(rows[nl:], right)
		li, ri := len(t.Nodes), len(t.Nodes)+1
		t.Nodes[pd.node] = Node{Feature: sp.feature, Threshold: b.thr[sp.feature][sp.bin], Left: li, Right: ri}
		t.Nodes = append(t.Nodes, Node{Feature: -1}, Node{Feature: -1})
		mid := pd.lo + nl
		var lh, rh *hist
		if pd.depth+1 < b.p.MaxDepth {
			lh, rh = b.childHists(pd.hs, pd.lo, mid, pd.hi)
		}
		stack = append(stack,
			pending{node: ri, lo: mid, hi: pd.hi, depth: pd.depth + 1, hs: rh, g: pd.g - gl, h: pd.h - hl},
			pending{node: li, lo: pd.lo, hi: mid, depth: pd.depth + 1, hs: lh, g: gl, h: hl})
	}
	return t
}

// childHists returns the children's histograms: the smaller child's is filled from its
// rows and the larger one's is the parent's minus it, reusing the parent's memory.
func (b *booster) childHists(parent *hist, lo, mid, hi int) (left, right *hist) {
	small := b.newHist()
	if mid-lo <= hi-mid {
		b.fill(small, b.rows[lo:mid])
		parent.subtract(small)
		return small, parent
	}
	b.fill(small, b.rows[mid:hi])
	parent.subtract(small)
	return parent, small
}

func (hs *hist) subtract(o *hist) {
	for i := range hs.cells {
		hs.cells[i].g -= o.cells[i].g
		hs.cells[i].h -= o.cells[i].h
		hs.cells[i].c -= o.cells[i].c
	}
}
