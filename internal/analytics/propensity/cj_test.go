package propensity

import (
	"compress/gzip"
	"encoding/csv"
	"os"
	"sort"
	"strconv"
	"testing"
)

// loadCJ reads testdata/cj_lines.csv.gz as purchases by category.
func loadCJ(tb testing.TB) []Purchase {
	tb.Helper()
	f, err := os.Open("testdata/cj_lines.csv.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]Purchase, 0, len(recs)-1)
	for _, r := range recs[1:] {
		day, err := strconv.Atoi(r[2])
		if err != nil {
			tb.Fatal(err)
		}
		s, err := strconv.ParseFloat(r[6], 64)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Purchase{Member: r[0], Basket: r[1], Day: day, Category: r[5], Sales: s})
	}
	return out
}

// topCategories are the n categories with the most lines.
func topCategories(ps []Purchase, n int) []string {
	cnt := map[string]int{}
	for _, p := range ps {
		if p.Category != "UNKNOWN" {
			cnt[p.Category]++
		}
	}
	cats := make([]string, 0, len(cnt))
	for c := range cnt {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if cnt[cats[i]] != cnt[cats[j]] {
			return cnt[cats[i]] > cnt[cats[j]]
		}
		return cats[i] < cats[j]
	})
	return cats[:n]
}

// cjSplit builds the training set (cutoffs test−56 and test−84 days, labels over the next
// 56 days, so every training window ends by the test cutoff) and the held-out set at test.
func cjSplit(tb testing.TB, ps []Purchase, cats []string, test int) (train, held *Dataset) {
	tb.Helper()
	const horizon = 56
	var sets []*Dataset
	for _, c := range []int{test - 56, test - 84} {
		ds, err := Build(ps, c, BuildOptions{Categories: cats, Horizon: horizon})
		if err != nil {
			tb.Fatal(err)
		}
		sets = append(sets, ds)
	}
	train, err := Merge(sets...)
	if err != nil {
		tb.Fatal(err)
	}
	held, err = Build(ps, test, BuildOptions{Categories: cats, Horizon: horizon})
	if err != nil {
		tb.Fatal(err)
	}
	return train, held
}

// perCategoryAUC averages the AUC within each category, which leaves out the easy part of
// telling popular categories from rare ones.
func perCategoryAUC(tb testing.TB, ds *Dataset, p []float64) float64 {
	tb.Helper()
	scores := map[string][]float64{}
	labels := map[string][]bool{}
	for i, e := range ds.Examples {
		scores[e.Category] = append(scores[e.Category], p[i])
		labels[e.Category] = append(labels[e.Category], e.Label)
	}
	sum := 0.0
	for c := range scores {
		a, err := AUC(scores[c], labels[c])
		if err != nil {
			tb.Fatalf("%s: %v", c, err)
		}
		sum += a
	}
	return sum / float64(len(scores))
}

type cjResult struct {
	model, baseline             float64 // pooled AUC
	modelPerCat, baselinePerCat float64
	modelLoss, baselineLoss     float64
	logisticAll                 float64 // AUC of a logistic regression on every feature
	positives, examples         int
	model0                      *Model
}

func evaluateCJ(tb testing.TB, ps []Purchase, test int) cjResult {
	tb.Helper()
	train, held := cjSplit(tb, ps, topCategories(ps, 30), test)
	m, err := FitDataset(train, Params{})
	if err != nil {
		tb.Fatal(err)
	}
	base, err := FitBaseline(train)
	if err != nil {
		tb.Fatal(err)
	}
	pm, err := m.PredictDataset(held)
	if err != nil {
		tb.Fatal(err)
	}
	pb, err := base.PredictDataset(held)
	if err != nil {
		tb.Fatal(err)
	}
	_, y := held.Matrix()
	r := cjResult{examples: len(y), model0: m}
	for _, v := range y {
		r.positives += b2i(v)
	}
	r.model, _ = AUC(pm, y)
	r.baseline, _ = AUC(pb, y)
	r.modelLoss, _ = LogLoss(pm, y)
	r.baselineLoss, _ = LogLoss(pb, y)
	X, yt := train.Matrix()
	full, err := FitLogistic(X, yt, train.Features, train.Features)
	if err != nil {
		tb.Fatal(err)
	}
	pf, err := full.PredictDataset(held)
	if err != nil {
		tb.Fatal(err)
	}
	r.logisticAll, _ = AUC(pf, y)
	r.modelPerCat = perCategoryAUC(tb, held, pm)
	r.baselinePerCat = perCategoryAUC(tb, held, pb)
	return r
}

// Buying one of the 30 largest categories in the 8 weeks from Monday 30 October 2017
// (day 303) to Sunday 24 December, trained on cutoffs 4 and 8 weeks earlier.
func TestCompleteJourneyHeldOut(t *testing.T) {
	ps := loadCJ(t)
	r := evaluateCJ(t, ps, 303)
	t.Logf("held-out rows %d, positive %.1f%%", r.examples, 100*float64(r.positives)/float64(r.examples))
	t.Logf("AUC boosted trees %.4f, recency-frequency baseline %.4f", r.model, r.baseline)
	t.Logf("mean per-category AUC boosted trees %.4f, baseline %.4f", r.modelPerCat, r.baselinePerCat)
	t.Logf("log loss boosted trees %.4f, baseline %.4f", r.modelLoss, r.baselineLoss)
	// For reference, not a requirement: a linear model on the same features.
	t.Logf("AUC logistic regression on all features %.4f", r.logisticAll)
	for _, im := range r.model0.Importances()[:6] {
		t.Logf("importance %-22s %.3f (%d splits)", im.Feature, im.Gain, im.Splits)
	}
	if !(r.model > r.baseline+0.03 && r.modelPerCat > r.baselinePerCat && r.modelLoss < r.baselineLoss) {
		t.Errorf("boosted trees do not beat the baseline: AUC %.4f vs %.4f, per category %.4f vs %.4f, log loss %.4f vs %.4f",
			r.model, r.baseline, r.modelPerCat, r.baselinePerCat, r.modelLoss, r.baselineLoss)
	}
}

// The same at an earlier cutoff, Monday 4 September (day 247), as a second held-out period.
func TestCompleteJourneyHeldOutEarlier(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	r := evaluateCJ(t, loadCJ(t), 247)
	t.Logf("cutoff day 247: AUC boosted trees %.4f, baseline %.4f, all-feature logistic %.4f; per category %.4f vs %.4f",
		r.model, r.baseline, r.logisticAll, r.modelPerCat, r.baselinePerCat)
	if !(r.model > r.baseline && r.modelPerCat > r.baselinePerCat) {
		t.Errorf("boosted trees do not beat the baseline at day 247")
	}
}
