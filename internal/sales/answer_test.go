package sales

import (
	"encoding/json"
	"testing"

	"github.com/linli/linli/internal/loyalty"
)

// TestFirstAnswer checks the stored first answer against encoding/json's
// encoding of the same value, which replaySale decodes.
func TestFirstAnswer(t *testing.T) {
	for _, c := range []struct {
		rs      []loyalty.Reason
		balance int64
	}{
		{nil, 0},
		{[]loyalty.Reason{}, -5},
		{[]loyalty.Reason{{Rule: loyalty.RuleBaseRate, Params: map[string]string{"x": "1", "points": "1"}}}, 134},
		{[]loyalty.Reason{{Rule: loyalty.RulePromotion, Params: map[string]string{"name": "双倍 \"积分\" <日>"}}, {Rule: loyalty.RuleTierMultiplier}}, 1 << 62},
	} {
		encoded, err := json.Marshal(c.rs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(answer{Reasons: c.rs, Balance: c.balance})
		if err != nil {
			t.Fatal(err)
		}
		if got := firstAnswer(encoded, c.rs, c.balance); got != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
