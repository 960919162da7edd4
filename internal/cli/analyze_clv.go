package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/linli/linli/internal/analytics/clv"
)

func init() {
	analyzers["clv"] = analyzer{
		summary: "BG/NBD, Pareto/NBD and gamma-gamma fits of --summary or --elog; prints JSON",
		run:     runCLV,
	}
	analyzeFlags = append(analyzeFlags, func(fs *flag.FlagSet) {
		fs.String("holdout-end", "", "last day of the holdout period, YYYY-MM-DD; default the last day of the log (clv with --elog)")
	})
}

// holdoutCensor pools calibration frequencies from this value up in the
// holdout comparison, as the BTYD walkthrough does.
const holdoutCensor = 7

type clvJSON struct {
	Customers  int          `json:"customers"`
	BGNBD      bgnbdJSON    `json:"bgnbd"`
	ParetoNBD  paretoJSON   `json:"paretonbd"`
	GammaGamma *ggJSON      `json:"gammagamma,omitempty"`
	Holdout    *holdoutJSON `json:"holdout,omitempty"`
}

type bgnbdJSON struct {
	R      float64 `json:"r"`
	Alpha  float64 `json:"alpha"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	LogLik float64 `json:"loglik"`
}

type paretoJSON struct {
	R      float64 `json:"r"`
	Alpha  float64 `json:"alpha"`
	S      float64 `json:"s"`
	Beta   float64 `json:"beta"`
	LogLik float64 `json:"loglik"`
}

type ggJSON struct {
	P      float64 `json:"p"`
	Q      float64 `json:"q"`
	Gamma  float64 `json:"gamma"`
	LogLik float64 `json:"loglik"`
}

// holdoutJSON compares what the customers did after calibration with the
// models' conditional expectations.
type holdoutJSON struct {
	CalibrationEnd          string       `json:"calibration_end"`
	End                     string       `json:"end"`
	Weeks                   float64      `json:"weeks"`
	CalibrationTransactions float64      `json:"calibration_transactions"`
	Transactions            float64      `json:"transactions"`
	BGNBD                   float64      `json:"bgnbd"`
	ParetoNBD               float64      `json:"paretonbd"`
	Censor                  int          `json:"censor"`
	ByX                     []holdoutRow `json:"by_x"`
}

// holdoutRow holds the customers with calibration frequency x (x or more
// in the last row, at the censor) and their mean holdout transactions.
type holdoutRow struct {
	X         int     `json:"x"`
	Customers int     `json:"customers"`
	Actual    float64 `json:"actual"`
	BGNBD     float64 `json:"bgnbd"`
	ParetoNBD float64 `json:"paretonbd"`
}

func runCLV(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 1 {
		return usageError(e, c, "unexpected argument %q", c.args[1])
	}
	summaryPath, elogPath := flagString(c.fs, "summary"), flagString(c.fs, "elog")
	calEnd, holdEnd := flagString(c.fs, "calibration-end"), flagString(c.fs, "holdout-end")
	switch {
	case (summaryPath == "") == (elogPath == ""):
		return usageError(e, c, "clv needs either --summary FILE or --elog FILE --calibration-end DATE")
	case elogPath != "" && calEnd == "":
		return usageError(e, c, "--elog needs --calibration-end DATE")
	case summaryPath != "" && (calEnd != "" || holdEnd != ""):
		return usageError(e, c, "--calibration-end and --holdout-end go with --elog, not --summary")
	}

	var s *clv.Summary
	var out clvJSON
	if summaryPath != "" {
		var err error
		s, err = readWith(e, summaryPath, clv.ReadSummary)
		if err != nil {
			return fail(e, c, err)
		}
	} else {
		cal, err := clv.ParseDate(calEnd)
		if err != nil {
			return usageError(e, c, "--calibration-end: %v", err)
		}
		var hold time.Time
		if holdEnd != "" {
			if hold, err = clv.ParseDate(holdEnd); err != nil {
				return usageError(e, c, "--holdout-end: %v", err)
			}
		}
		l, err := readWith(e, elogPath, clv.ReadEventLog)
		if err != nil {
			return fail(e, c, err)
		}
		if s, err = l.Summary(cal, hold); err != nil {
			return fail(e, c, fmt.Errorf("%s: %w", elogPath, err))
		}
		out.Holdout = &holdoutJSON{
			CalibrationEnd: cal.Format(time.DateOnly),
			End:            cal.AddDate(0, 0, int(s.HoldoutWeeks*7+0.5)).Format(time.DateOnly),
			Weeks:          s.HoldoutWeeks,
			Censor:         holdoutCensor,
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(e, c, err)
	}

	// The three fits are independent; run them side by side.
	var (
		wg                  sync.WaitGroup
		bg                  clv.BGNBD
		pn                  clv.ParetoNBD
		gg                  clv.GammaGamma
		bgErr, pnErr, ggErr error
	)
	wg.Go(func() { bg, bgErr = clv.FitBGNBD(s.Customers) })
	wg.Go(func() { pn, pnErr = clv.FitParetoNBD(s.Customers) })
	if s.HasSpend {
		wg.Go(func() { gg, ggErr = clv.FitGammaGamma(s.Customers) })
	}
	wg.Wait()
	for _, err := range []error{bgErr, pnErr, ggErr} {
		if err != nil {
			return fail(e, c, err)
		}
	}
	out.Customers = len(s.Customers)
	out.BGNBD = bgnbdJSON{bg.R, bg.Alpha, bg.A, bg.B, bg.LogLik}
	out.ParetoNBD = paretoJSON{pn.R, pn.Alpha, pn.S, pn.Beta, pn.LogLik}
	if s.HasSpend {
		out.GammaGamma = &ggJSON{gg.P, gg.Q, gg.Gamma, gg.LogLik}
	}
	if h := out.Holdout; h != nil {
		if err := fillHoldout(h, s, bg, pn); err != nil {
			return fail(e, c, err)
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fail(e, c, err)
	}
	b = append(b, '\n')
	if _, err := e.stdout.Write(b); err != nil {
		return fail(e, c, err)
	}
	return exitOK
}

func fillHoldout(h *holdoutJSON, s *clv.Summary, bg clv.BGNBD, pn clv.ParetoNBD) error {
	h.CalibrationTransactions = clv.RepeatTransactions(s.Customers)
	for i, n := range s.Holdout {
		h.Transactions += n
		h.BGNBD += bg.ConditionalExpectedPurchases(s.HoldoutWeeks, s.Customers[i])
		h.ParetoNBD += pn.ConditionalExpectedPurchases(s.HoldoutWeeks, s.Customers[i])
	}
	bgRows, err := clv.HoldoutTable(bg, s.Customers, s.Holdout, s.HoldoutWeeks, holdoutCensor)
	if err != nil {
		return err
	}
	pnRows, err := clv.HoldoutTable(pn, s.Customers, s.Holdout, s.HoldoutWeeks, holdoutCensor)
	if err != nil {
		return err
	}
	for i, r := range bgRows {
		h.ByX = append(h.ByX, holdoutRow{X: r.X, Customers: r.Customers, Actual: r.Actual, BGNBD: r.Expected, ParetoNBD: pnRows[i].Expected})
	}
	return nil
}

// readWith opens path ("-" for standard input) and parses it with read;
// errors name the file.
func readWith[T any](e *env, path string, read func(io.Reader) (T, error)) (T, error) {
	if path == "-" {
		v, err := read(e.stdin)
		if err != nil {
			return v, fmt.Errorf("standard input: %w", err)
		}
		return v, nil
	}
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
