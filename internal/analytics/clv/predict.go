package clv

import (
	"errors"
	"fmt"
	"math"
)

// Model is a fitted purchase model: BGNBD or ParetoNBD.
type Model interface {
	// ExpectedPurchases is E[X(t)] for a new customer.
	ExpectedPurchases(t float64) float64
	// ConditionalExpectedPurchases is E[Y(t) | history] for the t weeks
	// after the end of calibration.
	ConditionalExpectedPurchases(t float64, c Customer) float64
	// PAlive is the probability that the customer is alive at the end of
	// calibration.
	PAlive(c Customer) float64
}

var (
	_ Model = BGNBD{}
	_ Model = ParetoNBD{}
)

// HoldoutRow compares actual and predicted holdout purchases of the
// customers with one calibration frequency.
type HoldoutRow struct {
	// X is the calibration frequency; the last row holds every customer
	// with X or more.
	X         int
	Customers int
	// Actual is the mean number of holdout transactions.
	Actual float64
	// Expected is the mean conditional expectation E[Y(weeks) | x, t_x, T].
	Expected float64
}

// HoldoutTable groups customers by calibration frequency x, pooling x ≥
// censor into one row (the comparison of the BTYD walkthrough, §3.4 and
// §4.4), and gives per group the mean actual holdout transactions and the
// mean of m's conditional expectations over the holdout of the given
// length in weeks. Empty groups are left out.
func HoldoutTable(m Model, cs []Customer, holdout []float64, weeks float64, censor int) ([]HoldoutRow, error) {
	if len(holdout) != len(cs) {
		return nil, fmt.Errorf("clv: holdout table: %d holdout counts for %d customers", len(holdout), len(cs))
	}
	if censor < 1 {
		return nil, errors.New("clv: holdout table: censor must be at least 1")
	}
	if !(weeks >= 0) || math.IsInf(weeks, 0) {
		return nil, fmt.Errorf("clv: holdout table: holdout length %v weeks", weeks)
	}
	rows := make([]HoldoutRow, censor+1)
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("clv: holdout table: customer %q: %w", c.ID, err)
		}
		k := min(int(c.X), censor)
		e := m.ConditionalExpectedPurchases(weeks, c)
		if math.IsNaN(e) {
			return nil, fmt.Errorf("clv: holdout table: the expectation of customer %q cannot be evaluated", c.ID)
		}
		rows[k].Customers++
		rows[k].Actual += holdout[i]
		rows[k].Expected += e
	}
	out := rows[:0]
	for k, r := range rows {
		if r.Customers == 0 {
			continue
		}
		n := float64(r.Customers)
		out = append(out, HoldoutRow{X: k, Customers: r.Customers, Actual: r.Actual / n, Expected: r.Expected / n})
	}
	return out, nil
}

// CLV is the expected present value of a customer's purchases over the
// next periods periods of periodWeeks weeks each, discounted at rate
// discount per period:
//
//	CLV = Σ_{k=1..periods} spend · (E[Y(k·w)] − E[Y((k−1)·w)]) / (1+discount)^k
//
// where E[Y(t)] is m's conditional expectation for the customer and spend
// the expected value of one transaction (for instance
// GammaGamma.ConditionalExpectedSpend). Purchases in period k are
// discounted as if made at its end. With periodWeeks = 365.25/12/7 (a
// month) and discount the monthly rate this is the CLV of the lifetimes
// library; as periods grow with a positive discount it approaches the
// discounted expected residual transactions (DERT) times spend.
func CLV(m Model, c Customer, spend float64, periods int, periodWeeks, discount float64) (float64, error) {
	if periods < 0 || !(periodWeeks > 0) || !(discount > -1) || math.IsInf(periodWeeks, 0) || math.IsInf(discount, 0) {
		return 0, fmt.Errorf("clv: CLV: bad horizon (%d periods of %v weeks at discount %v)", periods, periodWeeks, discount)
	}
	if err := c.Validate(); err != nil {
		return 0, fmt.Errorf("clv: CLV: customer %q: %w", c.ID, err)
	}
	var v, prev float64
	f := 1.0
	for k := 1; k <= periods; k++ {
		e := m.ConditionalExpectedPurchases(float64(k)*periodWeeks, c)
		if math.IsNaN(e) {
			return 0, fmt.Errorf("clv: CLV: the expectation of customer %q cannot be evaluated", c.ID)
		}
		f /= 1 + discount
		v += spend * (e - prev) * f
		prev = e
	}
	return v, nil
}

// MonthWeeks is the length of an average month in weeks.
const MonthWeeks = 365.25 / 12 / 7
