package analysis

import (
	"errors"
	"strings"
	"testing"

	"github.com/linli/linli/internal/analytics/clv"
)

// TestPurchasesNoDropout checks that a history in which nobody has left
// skips the lifetime model with the reason a store can act on, whether
// the fit returns huge dropout parameters or runs past the search's edge.
func TestPurchasesNoDropout(t *testing.T) {
	cs := make([]clv.Customer, 300)
	for i := range cs {
		T := 8 + float64(i%2)
		x := float64(i % 6)
		tx := 0.0
		if x > 0 {
			tx = T - float64(i/2%2)*0.2
		}
		cs[i] = clv.Customer{X: x, TX: tx, T: T}
	}
	var edge *clv.EdgeError
	if _, err := clv.FitBGNBD(cs); !errors.As(err, &edge) {
		t.Fatalf("the history should drive the fit to the edge, got %v", err)
	}
	d := &Detail{}
	purchases(cs, make([]Score, len(cs)), d)
	if d.BGNBD != nil || !strings.Contains(d.BGNBDSkipped, "no customer dropping out yet") || d.GammaSkipped == "" ||
		d.BGNBDSkipCode != SkipNoDropout || d.GammaSkipCode != SkipNeedsBGNBD {
		t.Errorf("BG/NBD %+v, skipped %q (%s), gamma-gamma skipped %q (%s)", d.BGNBD, d.BGNBDSkipped, d.BGNBDSkipCode,
			d.GammaSkipped, d.GammaSkipCode)
	}
}
