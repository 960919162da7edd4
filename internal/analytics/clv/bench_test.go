package clv

import (
	"compress/gzip"
	"os"
	"testing"
	"time"
)

// Benchmarks on the CDNOW sample in testdata. Run with
//
//	go test -run XXX -bench . -benchmem ./internal/analytics/clv

func BenchmarkBGNBD(b *testing.B) {
	cs := readSummaryFile(b, summaryFile).Customers
	for b.Loop() {
		if _, err := FitBGNBD(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParetoNBD(b *testing.B) {
	cs := readSummaryFile(b, summaryFile).Customers
	for b.Loop() {
		if _, err := FitParetoNBD(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGammaGamma(b *testing.B) {
	cs := readSummaryFile(b, summaryFile).Customers
	for b.Loop() {
		if _, err := FitGammaGamma(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSummary(b *testing.B) {
	data, err := os.ReadFile(summaryFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadSummary(bytesReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventLogSummary(b *testing.B) {
	data, err := os.ReadFile(elogFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := ReadEventLog(bytesReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Summary(cdnowCalibrationEnd, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullCohort reads the 69,659-purchase log of all 23,570 CDNOW
// customers (whitespace-separated, gzip) from /work/shared/data and fits
// both purchase models.
func BenchmarkFullCohort(b *testing.B) {
	f, err := os.Open("/work/shared/data/cdnow/CDNOW_master.txt.gz")
	if err != nil {
		b.Skip("full CDNOW cohort not available:", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	l, err := ReadEventLog(z)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := l.Summary(cdnowCalibrationEnd, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Customers) != 23570 {
			b.Fatalf("%d customers", len(s.Customers))
		}
		if _, err := FitBGNBD(s.Customers); err != nil {
			b.Fatal(err)
		}
		if _, err := FitParetoNBD(s.Customers); err != nil {
			b.Fatal(err)
		}
	}
}
