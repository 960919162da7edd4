package propensity

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Predict returns the probability of a purchase for one feature vector in m.Features order.
func (m *Model) Predict(x []float64) (float64, error) {
	if err := checkMatrix([][]float64{x}, len(m.Features)); err != nil {
		return 0, err
	}
	return sigmoid(m.logit(x)), nil
}

func (m *Model) logit(x []float64) float64 {
	z := m.Base
	for _, t := range m.Trees {
		i := 0
		for {
			nd := &t.Nodes[i]
			if nd.Feature < 0 {
				z += nd.Value
				break
			}
			if x[nd.Feature] <= nd.Threshold {
				i = nd.Left
			} else {
				i = nd.Right
			}
		}
	}
	return z
}

// PredictAll returns the probabilities of many feature vectors.
func (m *Model) PredictAll(X [][]float64) ([]float64, error) {
	if err := checkMatrix(X, len(m.Features)); err != nil {
		return nil, err
	}
	out := make([]float64, len(X))
	for i, x := range X {
		out[i] = sigmoid(m.logit(x))
	}
	return out, nil
}

// PredictDataset scores a dataset built with the model's features.
func (m *Model) PredictDataset(ds *Dataset) ([]float64, error) {
	if !slices.Equal(ds.Features, m.Features) {
		return nil, fmt.Errorf("propensity: dataset features differ from the model's")
	}
	X, _ := ds.Matrix()
	return m.PredictAll(X)
}

// Importance is a feature's share of the model's total split gain.
type Importance struct {
	Feature string  `json:"feature"`
	Gain    float64 `json:"gain"`   // share of total gain, summing to 1 over features
	Splits  int     `json:"splits"` // number of splits on the feature
}

// Importances lists the features by decreasing gain share (ties by name).
func (m *Model) Importances() []Importance {
	total := 0.0
	for _, g := range m.Gain {
		total += g
	}
	out := make([]Importance, len(m.Features))
	for j, f := range m.Features {
		out[j] = Importance{Feature: f, Splits: m.Splits[j]}
		if total > 0 {
			out[j].Gain = m.Gain[j] / total
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Gain != out[b].Gain {
			return out[a].Gain > out[b].Gain
		}
		return out[a].Feature < out[b].Feature
	})
	return out
}

// ReadModel decodes a model saved with json.Marshal and checks that it can be evaluated:
// known format, feature indices in range, children after their parent, finite numbers.
func ReadModel(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("propensity: read model: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("propensity: read model: format %q, want %q", m.Format, Format)
	}
	nf := len(m.Features)
	if nf == 0 || len(m.Gain) != nf || len(m.Splits) != nf {
		return nil, fmt.Errorf("propensity: read model: %d features, %d gains, %d split counts", nf, len(m.Gain), len(m.Splits))
	}
	if math.IsNaN(m.Base) || math.IsInf(m.Base, 0) {
		return nil, fmt.Errorf("propensity: read model: base %v", m.Base)
	}
	for ti, t := range m.Trees {
		if len(t.Nodes) == 0 {
			return nil, fmt.Errorf("propensity: read model: tree %d is empty", ti)
		}
		for i, nd := range t.Nodes {
			bad := false
			switch {
			case nd.Feature == -1:
				bad = math.IsNaN(nd.Value) || math.IsInf(nd.Value, 0)
			case nd.Feature < -1 || nd.Feature >= nf:
				bad = true
			default:
				// Children strictly after the parent rule out cycles.
				bad = nd.Left <= i || nd.Right <= i || nd.Left >= len(t.Nodes) || nd.Right >= len(t.Nodes) ||
					math.IsNaN(nd.Threshold)
			}
			if bad {
				return nil, fmt.Errorf("propensity: read model: tree %d node %d is malformed", ti, i)
			}
		}
	}
	return &m, nil
}
