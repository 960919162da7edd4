package tier

import (
	"testing"

	"github.com/linli/linli"
)

func TestQualify(t *testing.T) {
	c := Default()
	cases := []struct {
		name string
		a    Activity
		want string
	}{
		{"nothing", Activity{}, "regular"},
		{"just short of silver", Activity{SpendFen: 199_999, Visits: 11}, "regular"},
		{"silver by spend", Activity{SpendFen: 200_000}, "silver"},
		{"silver by visits", Activity{Visits: 12}, "silver"},
		{"gold by visits, little spend", Activity{SpendFen: 100, Visits: 36}, "gold"},
		{"gold by spend", Activity{SpendFen: 800_000, Visits: 1}, "gold"},
		{"diamond needs spend", Activity{SpendFen: 1_999_999, Visits: 500}, "gold"},
		{"diamond", Activity{SpendFen: 2_000_000}, "diamond"},
		{"points count nowhere by default", Activity{Points: 1 << 40}, "regular"},
		{"negative spend after refunds", Activity{SpendFen: -5}, "regular"},
	}
	for _, tc := range cases {
		if got := Qualify(c, tc.a).Code; got != tc.want {
			t.Errorf("%s: %+v qualifies %s, want %s", tc.name, tc.a, got, tc.want)
		}
	}
	c.Tiers[1].MinPoints = 500
	if got := Qualify(c, Activity{Points: 500}).Code; got != "silver" {
		t.Errorf("points threshold: %s", got)
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	cases := []struct {
		name string
		edit func(c *Config)
		code string
	}{
		{"none", func(c *Config) { c.Tiers = nil }, "tier.none"},
		{"window", func(c *Config) { c.WindowDays = 0 }, "tier.window_invalid"},
		{"dormant", func(c *Config) { c.DormantAfterDays = -1 }, "tier.dormant_invalid"},
		{"code", func(c *Config) { c.Tiers[1].Code = "Silver!" }, "tier.code_invalid"},
		{"duplicate", func(c *Config) { c.Tiers[2].Code = "silver" }, "tier.code_duplicate"},
		{"name", func(c *Config) { c.Tiers[1].Name = " " }, "tier.name_invalid"},
		{"lowest threshold", func(c *Config) { c.Tiers[0].MinVisits = 1 }, "tier.lowest_threshold"},
		{"no threshold", func(c *Config) { c.Tiers[3].MinSpendFen = 0 }, "tier.threshold_required"},
		{"negative", func(c *Config) { c.Tiers[1].MinVisits = -1 }, "tier.threshold_invalid"},
		{"discount", func(c *Config) { c.Tiers[1].DiscountPermille = 1000 }, "tier.discount_invalid"},
		{"multiplier", func(c *Config) { c.Tiers[1].PointsMultiplier = 0 }, "tier.multiplier_invalid"},
	}
	for _, tc := range cases {
		c := Default()
		tc.edit(&c)
		e, ok := linli.AsError(c.Validate())
		if !ok {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		found := e.Code == tc.code
		for _, f := range e.Fields {
			found = found || f.Code == tc.code
		}
		if !found {
			t.Errorf("%s: %v, want %s", tc.name, e, tc.code)
		}
	}
}

func TestRankNext(t *testing.T) {
	c := Default()
	if c.Rank("gold") != 2 || c.Rank("gone") != 0 || c.Find("gone").Code != "regular" {
		t.Error("rank")
	}
	if n, ok := c.Next("gold"); !ok || n.Code != "diamond" {
		t.Error("next of gold")
	}
	if _, ok := c.Next("diamond"); ok {
		t.Error("next of the top")
	}
}
