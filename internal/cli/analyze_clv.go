package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/linli/linli/internal/analytics/clv"
)

func init() {
	analyzers["clv"] = analyzer{
		summary: "BG/NBD, Pareto/NBD and gamma-gamma fits of --summary or --elog; prints JSON",
		short:   true,
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
	b, err := out.appendJSON(make([]byte, 0, 4096))
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

// appendJSON appends out as json.MarshalIndent(out, "", "  ") writes it,
// byte for byte. The command is timed from process start, and encoding/json
// costs a few hundred microseconds of first-use reflection and page faults
// for this one small value.
func (out *clvJSON) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: b}
	w.open('{')
	w.key("customers")
	w.int(out.Customers)
	w.key("bgnbd")
	w.floats([]string{"r", "alpha", "a", "b", "loglik"}, out.BGNBD.R, out.BGNBD.Alpha, out.BGNBD.A, out.BGNBD.B, out.BGNBD.LogLik)
	w.key("paretonbd")
	w.floats([]string{"r", "alpha", "s", "beta", "loglik"}, out.ParetoNBD.R, out.ParetoNBD.Alpha, out.ParetoNBD.S, out.ParetoNBD.Beta, out.ParetoNBD.LogLik)
	if g := out.GammaGamma; g != nil {
		w.key("gammagamma")
		w.floats([]string{"p", "q", "gamma", "loglik"}, g.P, g.Q, g.Gamma, g.LogLik)
	}
	if h := out.Holdout; h != nil {
		w.key("holdout")
		w.open('{')
		w.key("calibration_end")
		w.string(h.CalibrationEnd)
		w.key("end")
		w.string(h.End)
		for _, f := range []struct {
			k string
			v float64
		}{{"weeks", h.Weeks}, {"calibration_transactions", h.CalibrationTransactions}, {"transactions", h.Transactions}, {"bgnbd", h.BGNBD}, {"paretonbd", h.ParetoNBD}} {
			w.key(f.k)
			w.float(f.v)
		}
		w.key("censor")
		w.int(h.Censor)
		w.key("by_x")
		if h.ByX == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.open('[')
			for _, r := range h.ByX {
				w.elem()
				w.open('{')
				w.key("x")
				w.int(r.X)
				w.key("customers")
				w.int(r.Customers)
				w.key("actual")
				w.float(r.Actual)
				w.key("bgnbd")
				w.float(r.BGNBD)
				w.key("paretonbd")
				w.float(r.ParetoNBD)
				w.close('}')
			}
			w.close(']')
		}
		w.close('}')
	}
	w.close('}')
	return w.b, w.err
}

// jsonWriter writes indented JSON as json.MarshalIndent with no prefix
// and two spaces does. Only what clvJSON needs: plain ASCII keys and
// strings, integers and floats.
type jsonWriter struct {
	b   []byte
	n   []int // values written so far at each open level
	err error
}

func (w *jsonWriter) open(c byte) {
	w.b = append(w.b, c)
	w.n = append(w.n, 0)
}

func (w *jsonWriter) close(c byte) {
	last := len(w.n) - 1
	empty := w.n[last] == 0
	w.n = w.n[:last]
	if !empty {
		w.newline()
	}
	w.b = append(w.b, c)
}

func (w *jsonWriter) newline() {
	w.b = append(w.b, '\n')
	for range len(w.n) {
		w.b = append(w.b, "  "...)
	}
}

// elem starts a value in an array.
func (w *jsonWriter) elem() {
	last := len(w.n) - 1
	if w.n[last] > 0 {
		w.b = append(w.b, ',')
	}
	w.n[last]++
	w.newline()
}

// key starts a field of an object.
func (w *jsonWriter) key(k string) {
	w.elem()
	w.string(k)
	w.b = append(w.b, ": "...)
}

// string writes s, which must be printable ASCII without quotes,
// backslashes or the characters encoding/json escapes for HTML.
func (w *jsonWriter) string(s string) {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			w.err = cmp.Or(w.err, fmt.Errorf("json: cannot write %q", s))
		}
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) int(v int) { w.b = strconv.AppendInt(w.b, int64(v), 10) }

// float formats v as encoding/json does: the shortest text that reads
// back as v, in exponent form below 1e-6 and from 1e21, with a one-digit
// negative exponent written without its leading zero.
func (w *jsonWriter) float(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.err = cmp.Or(w.err, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(v, 'g', -1, 64)))
		w.b = append(w.b, "null"...)
		return
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, v, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(w.b); n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// floats writes an object of float fields.
func (w *jsonWriter) floats(keys []string, vs ...float64) {
	w.open('{')
	for i, k := range keys {
		w.key(k)
		w.float(vs[i])
	}
	w.close('}')
}
