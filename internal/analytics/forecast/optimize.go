package forecast

import (
	"math"
	"sort"
)

// nelderMead minimises f from x0 with the classic simplex moves (reflection 1, expansion
// 2, contraction ½, shrink ½). It stops when the simplex values agree to a relative tol
// or after maxIter iterations. It is deterministic: ties keep vertex order.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, maxIter int, tol float64) ([]float64, float64) {
	d := len(x0)
	pts := make([][]float64, d+1)
	vals := make([]float64, d+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += step
		}
		vals[i] = f(pts[i])
	}
	idx := make([]int, d+1)
	centroid := make([]float64, d)
	trial := func(a float64, worst []float64) []float64 {
		x := make([]float64, d)
		for j := range x {
			x[j] = centroid[j] + a*(worst[j]-centroid[j])
		}
		return x
	}
	for iter := 0; iter < maxIter; iter++ {
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return less(vals[idx[a]], vals[idx[b]]) })
		best, worst, second := idx[0], idx[d], idx[d-1]
		if spread := vals[worst] - vals[best]; !math.IsInf(vals[worst], 1) &&
			spread <= tol*(math.Abs(vals[best])+1e-300) {
			break
		}
		for j := range centroid {
			centroid[j] = 0
			for _, i := range idx[:d] {
				centroid[j] += pts[i][j]
			}
			centroid[j] /= float64(d)
		}
		xr := trial(-1, pts[worst])
		fr := f(xr)
		switch {
		case less(fr, vals[best]):
			xe := trial(-2, pts[worst])
			if fe := f(xe); less(fe, fr) {
				pts[worst], vals[worst] = xe, fe
			} else {
				pts[worst], vals[worst] = xr, fr
			}
		case less(fr, vals[second]):
			pts[worst], vals[worst] = xr, fr
		default:
			// Contract towards the better of the worst point and its reflection.
			var xc []float64
			if less(fr, vals[worst]) {
				xc = trial(-0.5, pts[worst])
			} else {
				xc = trial(0.5, pts[worst])
			}
			fc := f(xc)
			if less(fc, math.Min(fr, vals[worst])) || (math.IsInf(fr, 1) && math.IsInf(vals[worst], 1) && !math.IsInf(fc, 1)) {
				pts[worst], vals[worst] = xc, fc
				continue
			}
			for _, i := range idx[1:] {
				for j := range pts[i] {
					pts[i][j] = pts[best][j] + 0.5*(pts[i][j]-pts[best][j])
				}
				vals[i] = f(pts[i])
			}
		}
	}
	bi := 0
	for i := range vals {
		if less(vals[i], vals[bi]) {
			bi = i
		}
	}
	return pts[bi], vals[bi]
}

// less orders objective values with NaN treated as +Inf.
func less(a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	if math.IsNaN(b) {
		return true
	}
	return a < b
}
