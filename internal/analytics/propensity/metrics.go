package propensity

import (
	"fmt"
	"math"
	"sort"
)

// AUC is the area under the ROC curve of scores against labels, computed exactly as the
// Mann-Whitney statistic with tied scores given their average rank: the probability that a
// random positive outscores a random negative, ties counting one half.
func AUC(scores []float64, labels []bool) (float64, error) {
	if len(scores) != len(labels) {
		return 0, fmt.Errorf("propensity: AUC of %d scores and %d labels", len(scores), len(labels))
	}
	idx := make([]int, len(scores))
	for i, s := range scores {
		if math.IsNaN(s) {
			return 0, fmt.Errorf("propensity: AUC score %d: %w", i, ErrInvalid)
		}
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg int
	rankSum := 0.0 // of positives, ranks from 1
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+1+j) / 2 // mean of ranks i+1..j
		for _, k := range idx[i:j] {
			if labels[k] {
				pos++
				rankSum += avg
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("propensity: AUC needs both classes, have %d positive and %d negative", pos, neg)
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg)), nil
}

// LogLoss is the mean negative log-likelihood of probabilities p for labels, with p
// clipped to [1e-15, 1−1e-15].
func LogLoss(p []float64, labels []bool) (float64, error) {
	if len(p) != len(labels) || len(p) == 0 {
		return 0, fmt.Errorf("propensity: log loss of %d probabilities and %d labels", len(p), len(labels))
	}
	s := 0.0
	for i, q := range p {
		if math.IsNaN(q) || q < 0 || q > 1 {
			return 0, fmt.Errorf("propensity: probability %d = %v", i, q)
		}
		q = math.Min(math.Max(q, 1e-15), 1-1e-15)
		if labels[i] {
			s -= math.Log(q)
		} else {
			s -= math.Log(1 - q)
		}
	}
	return s / float64(len(p)), nil
}
