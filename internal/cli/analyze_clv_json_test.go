package cli

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCLVJSONMatchesEncodingJSON checks the hand-written encoder against
// json.MarshalIndent on values of every shape and magnitude.
func TestCLVJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	special := []float64{0, math.Copysign(0, -1), 1, -1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.2345e22, -3e-8,
		0.1, 2.5, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-300}
	num := func() float64 {
		switch r.IntN(3) {
		case 0:
			return special[r.IntN(len(special))]
		case 1:
			return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
		}
		return float64(r.IntN(1000)) / 8
	}
	for i := range 2000 {
		out := clvJSON{
			Customers: r.IntN(100000),
			BGNBD:     bgnbdJSON{num(), num(), num(), num(), num()},
			ParetoNBD: paretoJSON{num(), num(), num(), num(), num()},
		}
		if i%2 == 0 {
			out.GammaGamma = &ggJSON{num(), num(), num(), num()}
		}
		if i%3 != 0 {
			h := &holdoutJSON{CalibrationEnd: "1997-09-30", End: "1998-06-30", Weeks: num(), CalibrationTransactions: num(),
				Transactions: num(), BGNBD: num(), ParetoNBD: num(), Censor: 7}
			switch i % 4 {
			case 1:
				h.ByX = []holdoutRow{}
			case 2, 3:
				for x := range r.IntN(9) + 1 {
					h.ByX = append(h.ByX, holdoutRow{X: x, Customers: r.IntN(1000), Actual: num(), BGNBD: num(), ParetoNBD: num()})
				}
			}
			out.Holdout = h
		}
		want, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := out.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

// TestCLVJSONRejectsNaN checks that a value JSON cannot hold is an error
// with encoding/json's message, as before.
func TestCLVJSONRejectsNaN(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		out := clvJSON{BGNBD: bgnbdJSON{LogLik: v}}
		_, want := json.MarshalIndent(out, "", "  ")
		_, got := out.appendJSON(nil)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Fatalf("%v: got %v, want %v", v, got, want)
		}
	}
}
