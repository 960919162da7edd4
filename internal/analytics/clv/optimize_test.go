package clv

import (
	"errors"
	"math"
	"testing"
)

func TestMinimizeRosenbrock(t *testing.T) {
	fn := func(x, g []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		g[0] = -2*a - 400*x[0]*b
		g[1] = 200 * b
		return a*a + 100*b*b
	}
	m, err := minimize(fn, []float64{-1.2, 1}, 1e-10, 500)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "x0", m.x[0], 1, 1e-8)
	near(t, "x1", m.x[1], 1, 1e-8)
	if m.iters > 60 {
		t.Errorf("%d iterations", m.iters)
	}
}

func TestMinimizeFailures(t *testing.T) {
	// Unbounded below: the search never stops on its own.
	down := func(x, g []float64) float64 { g[0] = -1; return -x[0] }
	if _, err := minimize(down, []float64{0}, 1e-10, 50); !errors.Is(err, errNoConvergence) {
		t.Errorf("unbounded: error %v", err)
	}
	// Undefined at the start.
	nan := func(x, g []float64) float64 { return math.NaN() }
	if _, err := minimize(nan, []float64{0}, 1e-10, 50); !errors.Is(err, errNoConvergence) {
		t.Errorf("NaN: error %v", err)
	}
	// Defined only on a half line whose infimum is at the edge.
	edge := func(x, g []float64) float64 {
		if x[0] <= 0 {
			return math.Inf(1)
		}
		g[0] = 1
		return x[0]
	}
	if _, err := minimize(edge, []float64{1}, 1e-10, 200); !errors.Is(err, errNoConvergence) {
		t.Errorf("edge: error %v", err)
	}
	// A gradient that lies: no decrease along it.
	liar := func(x, g []float64) float64 { g[0] = -1; return x[0] * x[0] }
	if _, err := minimize(liar, []float64{1}, 1e-10, 200); !errors.Is(err, errNoConvergence) {
		t.Errorf("wrong gradient: error %v", err)
	}
}
