package cluster

import "fmt"

// Words is a phrase in Simplified Chinese and English.
type Words struct{ ZH, EN string }

// Feature names one input column and says how to speak of a cluster that is
// high, average or low on it.
type Feature struct {
	Key            string
	Log            bool // transform with log1p before standardising; values must be ≥ 0
	High, Mid, Low Words
}

// Features built in. Recency is days since the last visit, so "high" means a
// long time ago.
var (
	Frequency = Feature{Key: "frequency", Log: true,
		High: Words{"常来", "buys often"},
		Mid:  Words{"来得不多不少", "buys now and then"},
		Low:  Words{"很少来", "rarely buys"}}
	AvgSpend = Feature{Key: "avg_spend", Log: true,
		High: Words{"客单价高", "spends a lot per visit"},
		Mid:  Words{"客单价一般", "spends an average amount per visit"},
		Low:  Words{"客单价低", "spends little per visit"}}
	Recency = Feature{Key: "recency",
		High: Words{"很久没来", "has not visited for a long time"},
		Mid:  Words{"有一阵没来", "last visited a while ago"},
		Low:  Words{"最近来过", "visited recently"}}
	Monetary = Feature{Key: "monetary", Log: true,
		High: Words{"总消费高", "spends a lot in total"},
		Mid:  Words{"总消费一般", "spends an average amount in total"},
		Low:  Words{"总消费低", "spends little in total"}}
	Tenure = Feature{Key: "tenure",
		High: Words{"老会员", "a long-standing member"},
		Mid:  Words{"入会有一段时间", "a member for some time"},
		Low:  Words{"新会员", "a new member"}}
)

// Member is one member's totals for Behaviour.
type Member struct {
	RecencyDays float64 // days since the last visit
	Frequency   float64 // visits, > 0
	Monetary    float64 // total spend, ≥ 0
}

// Behaviour turns member totals into the standard features: Frequency,
// AvgSpend (Monetary/Frequency) and Recency. Only members who have bought
// can be described this way; a Frequency ≤ 0 is an error.
func Behaviour(members []Member) ([]Feature, [][]float64, error) {
	freq := make([]float64, len(members))
	spend := make([]float64, len(members))
	rec := make([]float64, len(members))
	for i, m := range members {
		if !(m.Frequency > 0) {
			return nil, nil, fmt.Errorf("cluster: member %d: frequency %v: only buyers can be clustered by behaviour", i, m.Frequency)
		}
		freq[i] = m.Frequency
		spend[i] = m.Monetary / m.Frequency
		rec[i] = m.RecencyDays
	}
	return []Feature{Frequency, AvgSpend, Recency}, [][]float64{freq, spend, rec}, nil
}
