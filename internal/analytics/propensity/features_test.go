package propensity

import (
	"errors"
	"math"
	"testing"
)

func feats(t *testing.T, ds *Dataset, member, cat string) Example {
	t.Helper()
	for _, e := range ds.Examples {
		if e.Member == member && e.Category == cat {
			return e
		}
	}
	t.Fatalf("no row for %s/%s", member, cat)
	return Example{}
}

func checkFeatures(t *testing.T, what string, x []float64, want map[string]float64) {
	t.Helper()
	for i, name := range FeatureNames {
		w, ok := want[name]
		if !ok {
			t.Fatalf("%s: no expected value for %s", what, name)
		}
		if math.Abs(x[i]-w) > 1e-12 {
			t.Errorf("%s: %s = %v, want %v", what, name, x[i], w)
		}
	}
}

var toyPurchases = []Purchase{
	{Member: "a", Basket: "b1", Day: 50, Category: "MILK", Sales: 3},
	{Member: "a", Basket: "b1", Day: 50, Category: "MILK", Sales: 2}, // same trip, same category
	{Member: "a", Basket: "b1", Day: 50, Category: "BREAD", Sales: 1},
	{Member: "a", Basket: "b2", Day: 80, Category: "BREAD", Sales: 4},
	{Member: "a", Basket: "b3", Day: 95, Category: "MILK", Sales: 5},
	{Member: "a", Basket: "b4", Day: 98, Category: "EGGS", Sales: 2}, // not scored, still a trip
	{Member: "a", Basket: "b5", Day: 105, Category: "BREAD", Sales: 1},
	{Member: "a", Basket: "b6", Day: 120, Category: "MILK", Sales: 1}, // after the label window
	{Member: "b", Day: 10, Category: "MILK", Sales: 1},                // no basket: one trip per day
	{Member: "b", Day: 10, Category: "BREAD", Sales: 1},
	{Member: "b", Day: 101, Category: "MILK", Sales: 1},
	{Member: "c", Day: 103, Category: "MILK", Sales: 1}, // no history: no rows
}

func TestBuildComputesFeatures(t *testing.T) {
	ds, err := Build(toyPurchases, 100, BuildOptions{Categories: []string{"MILK", "BREAD"}, Horizon: 14})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 4 {
		t.Fatalf("%d rows, want 4 (members a, b × 2 categories)", len(ds.Examples))
	}
	order := []string{"a/MILK", "a/BREAD", "b/MILK", "b/BREAD"}
	for i, e := range ds.Examples {
		if got := e.Member + "/" + e.Category; got != order[i] {
			t.Errorf("row %d is %s, want %s", i, got, order[i])
		}
	}
	member := map[string]float64{
		FeatRecency: 2.0 / 7, FeatBaskets4: 3, FeatBaskets8: 4, FeatBaskets26: 4, FeatBasketsAll: 4,
		FeatSpend26: 17, FeatCategories26: 3, FeatTenure: 50,
	}
	with := func(base, extra map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	milk := feats(t, ds, "a", "MILK")
	checkFeatures(t, "a/MILK", milk.X, with(member, map[string]float64{
		FeatCatRecency: 5.0 / 7, FeatCatBaskets4: 1, FeatCatBaskets8: 2, FeatCatBaskets26: 2,
		FeatCatBasketsAll: 2, FeatCatBasketsPrev: 0, FeatCatSpend26: 10, FeatCatWallet: 10.0 / 17,
		FeatCatTripShare: 0.5, FeatCatGap: 45.0 / 7, FeatCatFirst: 50.0 / 7, FeatPenetration: 0.5,
	}))
	bread := feats(t, ds, "a", "BREAD")
	checkFeatures(t, "a/BREAD", bread.X, with(member, map[string]float64{
		FeatCatRecency: 20.0 / 7, FeatCatBaskets4: 1, FeatCatBaskets8: 2, FeatCatBaskets26: 2,
		FeatCatBasketsAll: 2, FeatCatBasketsPrev: 0, FeatCatSpend26: 5, FeatCatWallet: 5.0 / 17,
		FeatCatTripShare: 0.5, FeatCatGap: 30.0 / 7, FeatCatFirst: 50.0 / 7, FeatPenetration: 0.5,
	}))
	bMilk := feats(t, ds, "b", "MILK")
	checkFeatures(t, "b/MILK", bMilk.X, map[string]float64{
		FeatCatRecency: 90.0 / 7, FeatCatBaskets4: 0, FeatCatBaskets8: 0, FeatCatBaskets26: 1,
		FeatCatBasketsAll: 1, FeatCatBasketsPrev: 1, FeatCatSpend26: 1, FeatCatWallet: 0.5,
		FeatCatTripShare: 1, FeatCatGap: RecencyCap, FeatCatFirst: 90.0 / 7,
		FeatRecency: 90.0 / 7, FeatBaskets4: 0, FeatBaskets8: 0, FeatBaskets26: 1, FeatBasketsAll: 1,
		FeatSpend26: 2, FeatCategories26: 2, FeatTenure: 90, FeatPenetration: 0.5,
	})
	labels := map[string]bool{"a/MILK": false, "a/BREAD": true, "b/MILK": true, "b/BREAD": false}
	for _, e := range ds.Examples {
		if e.Label != labels[e.Member+"/"+e.Category] {
			t.Errorf("%s/%s label %v", e.Member, e.Category, e.Label)
		}
	}

	// Without a category list every category bought before the cutoff is scored, sorted;
	// without a horizon no row is labelled.
	all, err := Build(toyPurchases, 100, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Examples) != 6 || all.Examples[0].Category != "BREAD" || all.Examples[1].Category != "EGGS" {
		t.Errorf("default categories: %d rows, first %s, %s", len(all.Examples), all.Examples[0].Category, all.Examples[1].Category)
	}
	never := feats(t, all, "b", "EGGS")
	if never.X[0] != RecencyCap || never.Label {
		t.Errorf("never-bought category: recency %v label %v", never.X[0], never.Label)
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	ok := []Purchase{{Member: "a", Category: "MILK", Day: 1, Sales: 1}, {Member: "a", Category: "MILK", Day: 30, Sales: 1}}
	for _, c := range []struct {
		name   string
		ps     []Purchase
		cutoff int
		opt    BuildOptions
		want   error
	}{
		{"no purchases", nil, 10, BuildOptions{}, ErrEmpty},
		{"NaN sales", []Purchase{{Member: "a", Category: "M", Sales: math.NaN()}}, 10, BuildOptions{}, ErrInvalid},
		{"Inf sales", []Purchase{{Member: "a", Category: "M", Sales: math.Inf(1)}}, 10, BuildOptions{}, ErrInvalid},
		{"negative sales", []Purchase{{Member: "a", Category: "M", Sales: -1}}, 10, BuildOptions{}, ErrNegative},
		{"no member", []Purchase{{Category: "M", Sales: 1}}, 10, BuildOptions{}, nil},
		{"no category", []Purchase{{Member: "a", Sales: 1}}, 10, BuildOptions{}, nil},
		{"negative horizon", ok, 10, BuildOptions{Horizon: -1}, nil},
		{"duplicate category", ok, 10, BuildOptions{Categories: []string{"MILK", "MILK"}}, nil},
		{"no history before cutoff", ok, 1, BuildOptions{}, ErrEmpty},
		{"window past the data", ok, 20, BuildOptions{Horizon: 14}, ErrLabelWindow},
	} {
		_, err := Build(c.ps, c.cutoff, c.opt)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestMerge(t *testing.T) {
	a, _ := Build(toyPurchases, 100, BuildOptions{Categories: []string{"MILK"}, Horizon: 14})
	b, _ := Build(toyPurchases, 90, BuildOptions{Categories: []string{"MILK"}, Horizon: 14})
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Examples) != len(a.Examples)+len(b.Examples) {
		t.Errorf("merged %d rows", len(m.Examples))
	}
	odd := &Dataset{Features: []string{"x"}}
	if _, err := Merge(a, odd); err == nil {
		t.Error("merge of different features: no error")
	}
	if _, err := Merge(a, nil); err == nil {
		t.Error("merge with nil: no error")
	}
}
