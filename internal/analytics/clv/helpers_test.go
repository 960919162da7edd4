package clv

import (
	"bytes"
	"math"
	"os"
	"sync"
	"testing"
	"time"
)

// The CDNOW sample (testdata/README.md): 2,357 customers, calibration
// until 1997-09-30, holdout until 1998-06-30.
const (
	summaryFile = "testdata/cdnow_calibration_summary.csv"
	elogFile    = "../testdata/cdnow_sample_elog.csv"
)

var cdnowCalibrationEnd = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)

func readSummaryFile(t testing.TB, path string) *Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSummary(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readElogFile(t testing.TB, path string) *EventLog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := ReadEventLog(f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The fits are deterministic, so each is computed once for all tests.
var (
	fitsOnce sync.Once
	cdnow    struct {
		sum, elog *Summary
		bg, bgE   BGNBD
		pn, pnE   ParetoNBD
		gg, ggE   GammaGamma
		err       error
	}
)

func cdnowFits(t *testing.T) {
	t.Helper()
	fitsOnce.Do(func() { cdnow.err = loadCDNOW() })
	if cdnow.err != nil {
		t.Fatal(cdnow.err)
	}
}

func loadCDNOW() error {
	c := &cdnow
	f, err := os.Open(summaryFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if c.sum, err = ReadSummary(f); err != nil {
		return err
	}
	g, err := os.Open(elogFile)
	if err != nil {
		return err
	}
	defer g.Close()
	l, err := ReadEventLog(g)
	if err != nil {
		return err
	}
	if c.elog, err = l.Summary(cdnowCalibrationEnd, time.Time{}); err != nil {
		return err
	}
	for _, f := range []func() error{
		func() (err error) { c.bg, err = FitBGNBD(c.sum.Customers); return },
		func() (err error) { c.bgE, err = FitBGNBD(c.elog.Customers); return },
		func() (err error) { c.pn, err = FitParetoNBD(c.sum.Customers); return },
		func() (err error) { c.pnE, err = FitParetoNBD(c.elog.Customers); return },
		func() (err error) { c.gg, err = FitGammaGamma(c.sum.Customers); return },
		func() (err error) { c.ggE, err = FitGammaGamma(c.elog.Customers); return },
	} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// near fails unless |got − want| ≤ tol.
func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.10g, want %.10g ± %g (off by %.3g)", name, got, want, tol, got-want)
	}
}

// nearRel fails unless got is within the relative tolerance of want.
func nearRel(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if !(math.Abs(got-want) <= rel*math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g within %g%% (off by %.3g%%)", name, got, want, rel*100, 100*(got-want)/want)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
