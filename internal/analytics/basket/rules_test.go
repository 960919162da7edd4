package basket

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func ruleText(r Rule, labels []string) string {
	var lhs []string
	for _, id := range r.LHS {
		lhs = append(lhs, labels[id])
	}
	return fmt.Sprintf("{%s} => {%s}", strings.Join(lhs, ", "), labels[r.RHS])
}

func ruleSizes(rules []Rule) []int {
	var s []int
	for _, r := range rules {
		k := len(r.LHS) + 1
		for k >= len(s) {
			s = append(s, 0)
		}
		s[k]++
	}
	return s
}

// near compares with the 7 significant digits the reference prints.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 5e-7*math.Abs(want)
}

func TestGroceriesRules(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	f, err := Mine(b, Options{MinSupport: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := f.Rules(RuleOptions{MinConfidence: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 5668 {
		t.Errorf("%d rules, want 5668", len(rules))
	}
	if got, want := ruleSizes(rules), []int{0, 0, 11, 1461, 3211, 939, 46}; !slices.Equal(got, want) {
		t.Errorf("rule sizes %v, want %v", got, want)
	}
	top := []struct {
		text                      string
		support, confidence, lift float64
		count                     int
	}{
		{"{Instant food products, soda} => {hamburger meat}", 0.001220132, 0.6315789, 18.99565, 12},
		{"{popcorn, soda} => {salty snack}", 0.001220132, 0.6315789, 16.69779, 12},
		{"{baking powder, flour} => {sugar}", 0.001016777, 0.5555556, 16.40807, 10},
		{"{ham, processed cheese} => {white bread}", 0.001931876, 0.6333333, 15.04549, 19},
		{"{Instant food products, whole milk} => {hamburger meat}", 0.001525165, 0.5000000, 15.03823, 15},
		{"{curd, other vegetables, whipped/sour cream, yogurt} => {cream cheese}", 0.001016777, 0.5882353, 14.83409, 10},
		{"{domestic eggs, processed cheese} => {white bread}", 0.001118454, 0.5238095, 12.44364, 11},
		{"{other vegetables, tropical fruit, white bread, yogurt} => {butter}", 0.001016777, 0.6666667, 12.03058, 10},
		{"{hamburger meat, whipped/sour cream, yogurt} => {butter}", 0.001016777, 0.6250000, 11.27867, 10},
		{"{domestic eggs, other vegetables, tropical fruit, whole milk, yogurt} => {butter}", 0.001016777, 0.6250000, 11.27867, 10},
	}
	for i, w := range top {
		r := rules[i]
		if got := ruleText(r, b.Labels()); got != w.text {
			t.Errorf("rule %d is %s, want %s", i+1, got, w.text)
			continue
		}
		if !near(r.Support, w.support) || !near(r.Confidence, w.confidence) || !near(r.Lift, w.lift) || r.Count != w.count {
			t.Errorf("rule %d: support %.9g confidence %.7g lift %.7g count %d; want %.9g %.7g %.7g %d",
				i+1, r.Support, r.Confidence, r.Lift, r.Count, w.support, w.confidence, w.lift, w.count)
		}
		if cov := float64(f.Count(r.LHS)) / float64(b.Len()); r.Coverage != cov {
			t.Errorf("rule %d: coverage %v, want %v", i+1, r.Coverage, cov)
		}
	}
	for i := 1; i < len(rules); i++ {
		if compareRules(&rules[i-1], &rules[i]) >= 0 {
			t.Fatalf("rules %d and %d out of order", i, i+1)
		}
	}
	// Rules 9 and 10 tie on lift exactly; the shorter comes first.
	if rules[8].Lift != rules[9].Lift {
		t.Errorf("lifts of rules 9 and 10 differ: %v, %v", rules[8].Lift, rules[9].Lift)
	}
	// Quality ranges printed by summary(rules) in arules.
	minS, maxS, minL, maxL, sumL := math.Inf(1), 0.0, math.Inf(1), 0.0, 0.0
	minC, maxC := math.MaxInt, 0
	for _, r := range rules {
		minS, maxS = min(minS, r.Support), max(maxS, r.Support)
		minL, maxL = min(minL, r.Lift), max(maxL, r.Lift)
		minC, maxC = min(minC, r.Count), max(maxC, r.Count)
		sumL += r.Lift
		if r.Confidence < 0.5 {
			t.Fatalf("rule %s has confidence %v", ruleText(r, b.Labels()), r.Confidence)
		}
	}
	if math.Abs(minS-0.001017) > 5e-7 || math.Abs(maxS-0.022267) > 5e-7 || minC != 10 || maxC != 219 ||
		math.Abs(minL-1.957) > 5e-4 || math.Abs(maxL-18.996) > 5e-4 || math.Abs(sumL/float64(len(rules))-3.262) > 5e-4 {
		t.Errorf("support %.6f..%.6f count %d..%d lift %.3f..%.3f mean %.3f; want 0.001017..0.022267 10..219 1.957..18.996 mean 3.262",
			minS, maxS, minC, maxC, minL, maxL, sumL/float64(len(rules)))
	}
}

func TestGroceriesRulesMaxLen(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	f, err := Mine(b, Options{MinSupport: 0.003, MaxLen: 4})
	if err != nil {
		t.Fatal(err)
	}
	if f.MinCount() != 30 || f.SizeCounts()[1] != 136 {
		t.Errorf("min count %d, %d items; want 30, 136", f.MinCount(), f.SizeCounts()[1])
	}
	rules, err := f.Rules(RuleOptions{MinConfidence: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ruleSizes(rules), []int{0, 0, 5, 281, 128}; len(rules) != 414 || !slices.Equal(got, want) {
		t.Errorf("%d rules, sizes %v; want 414, %v", len(rules), got, want)
	}
}

// TestEmptyLHS checks the arules convention for one-item rules: {} => {x}
// when x's support reaches the confidence, dropped by MinLen 2.
func TestEmptyLHS(t *testing.T) {
	bld := NewBuilder(ReadOptions{})
	for _, basket := range [][]string{{"a", "b"}, {"a"}, {"a", "c"}, {"b", "c"}} {
		if err := bld.Add(basket); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bld.Baskets()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Mine(b, Options{MinSupport: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opt  RuleOptions
		want []string
	}{
		{RuleOptions{MinConfidence: 0.6}, []string{"{} => {a} conf 0.75 lift 1 cov 1 count 3"}},
		{RuleOptions{MinConfidence: 0.6, MinLen: 2}, nil},
		{RuleOptions{MinConfidence: 0.5, MinLen: 2}, []string{
			"{b} => {c} conf 0.5 lift 1 cov 0.5 count 1",
			"{c} => {b} conf 0.5 lift 1 cov 0.5 count 1",
			"{b} => {a} conf 0.5 lift 0.6667 cov 0.5 count 1",
			"{c} => {a} conf 0.5 lift 0.6667 cov 0.5 count 1",
		}},
	} {
		rules, err := f.Rules(tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, fmt.Sprintf("%s conf %.4g lift %.4g cov %.4g count %d", ruleText(r, b.Labels()), r.Confidence, r.Lift, r.Coverage, r.Count))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: rules\n%q\nwant\n%q", tt.opt, got, tt.want)
		}
	}
	if _, err := f.Rules(RuleOptions{MinConfidence: 1.5}); err == nil {
		t.Error("confidence 1.5 accepted")
	}
}

// compareRules is the documented order of Frequent.Rules.
func compareRules(a, b *Rule) int {
	// Plain comparisons: the values are never NaN.
	switch {
	case a.Lift > b.Lift:
		return -1
	case a.Lift < b.Lift:
		return 1
	case a.Confidence > b.Confidence:
		return -1
	case a.Confidence < b.Confidence:
		return 1
	case a.Count > b.Count:
		return -1
	case a.Count < b.Count:
		return 1
	}
	if c := cmp.Compare(len(a.LHS), len(b.LHS)); c != 0 {
		return c
	}
	if c := slices.Compare(a.LHS, b.LHS); c != 0 {
		return c
	}
	return cmp.Compare(a.RHS, b.RHS)
}
