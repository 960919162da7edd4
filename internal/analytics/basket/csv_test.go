package basket

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriteCSV(t *testing.T) {
	b, err := Read(strings.NewReader("x,\"q\"\nx,y z\nx\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Mine(b, Options{MinSupport: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteItemsetsCSV(&buf, f.Itemsets(), b.Labels(), b.Len()); err != nil {
		t.Fatal(err)
	}
	want := `items,support,count
"{""q""}",0.3333333333333333,1
{x},1,3
{y z},0.3333333333333333,1
"{""q"",x}",0.3333333333333333,1
"{x,y z}",0.3333333333333333,1
`
	if buf.String() != want {
		t.Errorf("itemsets\n%s\nwant\n%s", buf.String(), want)
	}
	rules, err := f.Rules(RuleOptions{MinConfidence: 1, MinLen: 2})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := WriteRulesCSV(&buf, rules, b.Labels()); err != nil {
		t.Fatal(err)
	}
	want = `lhs,rhs,support,confidence,coverage,lift,count
"{""q""}",{x},0.3333333333333333,1,0.3333333333333333,1,1
{y z},{x},0.3333333333333333,1,0.3333333333333333,1,1
`
	if buf.String() != want {
		t.Errorf("rules\n%s\nwant\n%s", buf.String(), want)
	}
	if err := WriteRulesCSV(failWriter{}, rules, b.Labels()); err == nil {
		t.Error("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestItemsetsOrder(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	f, err := Mine(b, Options{MinSupport: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	sets := f.Itemsets()
	if len(sets) != f.Len() {
		t.Fatalf("%d itemsets, Len %d", len(sets), f.Len())
	}
	for i, s := range sets {
		if f.Count(s.Items) != s.Count || s.Count < f.MinCount() {
			t.Fatalf("itemset %v: count %d, lookup %d", s.Items, s.Count, f.Count(s.Items))
		}
		if i > 0 {
			p := sets[i-1]
			if len(p.Items) > len(s.Items) || (len(p.Items) == len(s.Items) && compareIDs(p.Items, s.Items) >= 0) {
				t.Fatalf("itemsets %v, %v out of order", p.Items, s.Items)
			}
		}
	}
	// whole milk is the most frequent item.
	for _, s := range sets[:157] {
		if b.Labels()[s.Items[0]] == "whole milk" && s.Count != 2513 {
			t.Errorf("whole milk count %d", s.Count)
		}
	}
	if got := f.Count(nil); got != b.Len() {
		t.Errorf("count of the empty set %d", got)
	}
	if got := f.Count([]int32{-1}); got != 0 {
		t.Errorf("count of an unknown item %d", got)
	}
}

func compareIDs(a, b []int32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func TestMineOptions(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	for _, s := range []float64{0, -0.1, 1.01} {
		if _, err := Mine(b, Options{MinSupport: s}); err == nil {
			t.Errorf("support %v accepted", s)
		}
	}
	if _, err := Mine(b, Options{MinSupport: 0.001, MaxItemsets: 1000}); !errors.Is(err, ErrTooManyItemsets) {
		t.Errorf("limit 1000: %v", err)
	}
	f, err := Mine(b, Options{MinSupport: 0.001, MaxLen: 2})
	if err != nil || f.Len() != 157+2981 {
		t.Errorf("max length 2: %d itemsets, %v", f.Len(), err)
	}
	f, err = Mine(b, Options{MinSupport: 1})
	if err != nil || f.Len() != 0 || len(f.Itemsets()) != 0 {
		t.Errorf("support 1: %d itemsets, %v", f.Len(), err)
	}
	if rules, err := f.Rules(RuleOptions{MinConfidence: 0.5}); err != nil || len(rules) != 0 {
		t.Errorf("support 1: %d rules, %v", len(rules), err)
	}
}

func TestMinCount(t *testing.T) {
	tests := []struct {
		s    float64
		n    int
		want int
	}{
		{0.001, 9835, 10}, {0.003, 9835, 30}, {0.0005, 88162, 45}, {0.01, 88162, 882},
		{0.01, 88100, 881}, {0.1, 30, 3}, {0.3, 10, 3}, {1e-9, 10, 1}, {1, 7, 7},
	}
	for _, tt := range tests {
		if got := MinCount(tt.s, tt.n); got != tt.want {
			t.Errorf("MinCount(%v, %d) = %d, want %d", tt.s, tt.n, got, tt.want)
		}
	}
}

// TestWriteFrequentCSV checks that writing the itemsets straight from the
// result gives the same bytes as writing Itemsets(), on Groceries, on a
// small file with quoted labels and on a result with no itemsets.
func TestWriteFrequentCSV(t *testing.T) {
	small, err := Read(strings.NewReader("x,\"q\"\nx,y z\nx\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	apart, err := Read(strings.NewReader("a\nb\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		b       *Baskets
		support float64
	}{{"groceries", testBaskets(t, groceriesPath), 0.001}, {"small", small, 0.3}, {"none", apart, 1}} {
		f := mustMine(t, c.b, c.support)
		if c.name == "none" && f.Len() != 0 {
			t.Fatalf("none: %d itemsets", f.Len())
		}
		var want, got bytes.Buffer
		if err := WriteItemsetsCSV(&want, f.Itemsets(), c.b.Labels(), c.b.Len()); err != nil {
			t.Fatal(err)
		}
		if err := WriteFrequentCSV(&got, f); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteFrequentCSV differs from WriteItemsetsCSV (%d and %d bytes)", c.name, got.Len(), want.Len())
		}
	}
	if err := WriteFrequentCSV(failWriter{}, mustMine(t, small, 0.3)); err == nil {
		t.Error("write error not reported")
	}
}

func mustMine(t *testing.T, b *Baskets, support float64) *Frequent {
	t.Helper()
	f, err := Mine(b, Options{MinSupport: support})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestWriteFrequentRulesCSV checks that writing the rules straight from
// the result, and counting them, agree with Rules and WriteRulesCSV.
func TestWriteFrequentRulesCSV(t *testing.T) {
	f := mustMine(t, testBaskets(t, groceriesPath), 0.001)
	for _, opt := range []RuleOptions{{MinConfidence: 0.5}, {MinConfidence: 0.1, MinLen: 2}, {MinConfidence: 0}, {MinConfidence: 1}} {
		rules, err := f.Rules(opt)
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		if err := WriteRulesCSV(&want, rules, f.Labels()); err != nil {
			t.Fatal(err)
		}
		n, err := WriteFrequentRulesCSV(&got, f, opt)
		if err != nil || n != len(rules) {
			t.Fatalf("%+v: wrote %d rules (%v), want %d", opt, n, err, len(rules))
		}
		if got.String() != want.String() {
			t.Errorf("%+v: WriteFrequentRulesCSV differs from WriteRulesCSV", opt)
		}
		if n, err := f.NumRules(opt); err != nil || n != len(rules) {
			t.Errorf("%+v: NumRules %d (%v), want %d", opt, n, err, len(rules))
		}
	}
	if _, err := WriteFrequentRulesCSV(&bytes.Buffer{}, f, RuleOptions{MinConfidence: 2}); err == nil {
		t.Error("confidence 2 accepted")
	}
	if _, err := f.NumRules(RuleOptions{MinConfidence: -1}); err == nil {
		t.Error("confidence -1 accepted")
	}
}
