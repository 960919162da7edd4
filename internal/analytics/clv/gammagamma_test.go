package clv

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFitGammaGammaCDNOW(t *testing.T) {
	cdnowFits(t)
	g := cdnow.gg
	if g.N != 946 {
		t.Errorf("fitted %d customers, want the 946 repeat buyers", g.N)
	}
	// Fader & Hardie (2013), to 0.5 %.
	nearRel(t, "p", g.P, 6.25, 5e-3)
	nearRel(t, "q", g.Q, 3.74, 5e-3)
	nearRel(t, "gamma", g.Gamma, 15.44, 5e-3)
	// The README's re-fit.
	nearRel(t, "p (re-fit)", g.P, 6.248801, 1e-5)
	nearRel(t, "q (re-fit)", g.Q, 3.744589, 1e-5)
	nearRel(t, "gamma (re-fit)", g.Gamma, 15.447754, 1e-5)
	near(t, "log-likelihood", g.LogLik, -4055.9232, 1e-4)
	near(t, "log-likelihood at the published values",
		GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}.LogLikelihood(cdnow.sum.Customers), -4055.925, 1e-3)
	// CLVTools builds the summary from the log, unrounded: its value.
	near(t, "log-likelihood from the event log", cdnow.ggE.LogLik, -4055.9177, 1e-4)
	nearRel(t, "p (event log)", cdnow.ggE.P, 6.25, 5e-3)
	nearRel(t, "q (event log)", cdnow.ggE.Q, 3.74, 5e-3)
	nearRel(t, "gamma (event log)", cdnow.ggE.Gamma, 15.44, 5e-3)
}

func TestGammaGammaSpend(t *testing.T) {
	cdnowFits(t)
	g := cdnow.gg
	// lifetimes' Quickstart (its own fit of the same data), ± 0.01.
	want := []float64{24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843, 18.911489, 35.170981, 27.282408, 35.170981}
	for i, w := range want {
		near(t, "E[Z] of customer "+cdnow.sum.Customers[i].ID, g.ConditionalExpectedSpend(cdnow.sum.Customers[i]), w, 0.01)
	}
	// The "Hardie spreadsheet" values, printed to cents.
	for i, w := range []float64{24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17} {
		near(t, "E[Z] (spreadsheet) of customer "+cdnow.sum.Customers[i].ID, g.ConditionalExpectedSpend(cdnow.sum.Customers[i]), w, 0.01)
	}
	var mean float64
	for _, c := range cdnow.sum.Customers {
		mean += g.ConditionalExpectedSpend(c)
	}
	near(t, "mean over all customers", mean/float64(len(cdnow.sum.Customers)), 35.2529588256, 0.01)
	if e := (GammaGamma{P: 1, Q: 0.5, Gamma: 10}).ConditionalExpectedSpend(Customer{}); !math.IsInf(e, 1) {
		t.Errorf("population mean with q < 1 = %v, want +Inf", e)
	}
}

func TestGammaGammaErrors(t *testing.T) {
	_, err := FitGammaGamma([]Customer{{ID: "a", X: 2, TX: 3, T: 5, Zbar: 10}, {ID: "b", X: 1, TX: 1, T: 5}})
	if err == nil || !strings.Contains(err.Error(), `customer "b" has x = 1 repeat purchases but zbar = 0`) {
		t.Errorf("zero zbar: error %v", err)
	}
}

func TestGammaGammaGradient(t *testing.T) {
	cdnowFits(t)
	e, err := newGGEval(cdnow.sum.Customers)
	if err != nil {
		t.Fatal(err)
	}
	checkGradient(t, e.logLik, [][]float64{{6.25, 3.74, 15.44}, {1, 2, 35}, {20, 0.5, 3}})
}

// TestFitGammaGammaFlat fits a demo store's spend, whose likelihood is so
// flat along the scale that the search ends with a gradient above its
// tolerance and no step f can resolve: the fit must be accepted, and it
// must be the maximum.
func TestFitGammaGammaFlat(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "gammagamma_demo.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var cs []Customer
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		xs, zs, _ := strings.Cut(line, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		z, err2 := strconv.ParseFloat(zs, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d: %q", i+2, line)
		}
		cs = append(cs, Customer{X: x, TX: 1, T: 1, Zbar: z})
	}
	g, err := FitGammaGamma(cs)
	if err != nil {
		t.Fatal(err)
	}
	nearRel(t, "p", g.P, 1.116, 0.01)
	nearRel(t, "q", g.Q, 22.61, 0.01)
	nearRel(t, "gamma", g.Gamma, 6330, 0.01)
	// No point around it is more likely, beyond the rounding of the sum.
	best := g.LogLikelihood(cs)
	if math.Abs(best-g.LogLik) > 1e-6 {
		t.Errorf("log-likelihood %v, recomputed %v", g.LogLik, best)
	}
	for _, dp := range []float64{-0.01, 0, 0.01} {
		for _, dq := range []float64{-0.01, 0, 0.01} {
			for _, dg := range []float64{-0.01, 0, 0.01} {
				o := GammaGamma{P: g.P * (1 + dp), Q: g.Q * (1 + dq), Gamma: g.Gamma * (1 + dg)}
				if ll := o.LogLikelihood(cs); ll > best+1e-6 {
					t.Errorf("%+v is more likely (%.9f > %.9f)", o, ll, best)
				}
			}
		}
	}
}
