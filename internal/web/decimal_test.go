package web

import (
	"testing"
)

func TestDecimals(t *testing.T) {
	for _, c := range []struct {
		name  string
		parse func(string) (int64, bool)
		in    string
		want  int64
		ok    bool
	}{
		{"yuan", parseYuan, "0.29", 29, true}, // float64 would give 28
		{"yuan", parseYuan, "12.5", 1250, true},
		{"yuan", parseYuan, "¥1,234.56", 123456, true},
		{"yuan", parseYuan, "￥20000", 2000000, true},
		{"yuan", parseYuan, ".5", 50, true},
		{"yuan", parseYuan, " 7 ", 700, true},
		{"yuan", parseYuan, "1.234", 0, false},
		{"yuan", parseYuan, "5.", 0, false},
		{"yuan", parseYuan, "-1", 0, false},
		{"yuan", parseYuan, "+1", 0, false},
		{"yuan", parseYuan, "1e3", 0, false},
		{"yuan", parseYuan, "", 0, false},
		{"yuan", parseYuan, "99999999999999999999", 0, false},
		{"percent", parsePercent, "5", 50, true},
		{"percent", parsePercent, "2.5", 25, true},
		{"percent", parsePercent, "99.9", 999, true},
		{"percent", parsePercent, "8%", 80, true},
		{"percent", parsePercent, "100", 1000, true}, // parses; the tier check refuses it
		{"percent", parsePercent, "101", 0, false},
		{"percent", parsePercent, "2.55", 0, false},
		{"multiplier", parsePerMille, "1.5", 1500, true},
		{"multiplier", parsePerMille, "0.001", 1, true},
		{"multiplier", parsePerMille, "2", 2000, true},
		{"multiplier", parsePerMille, "150", 150000, true}, // parses; the rules' check names the bound
		{"multiplier", parsePerMille, "1.0005", 0, false},
		{"multiplier", parsePerMille, "x2", 0, false},
	} {
		got, ok := c.parse(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %q = %d, %v; want %d, %v", c.name, c.in, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		n      int64
		places int
		want   string
	}{
		{1500, 3, "1.5"}, {2000, 3, "2"}, {1, 3, "0.001"}, {1250, 3, "1.25"}, {0, 3, "0"},
		{25, 1, "2.5"}, {50, 1, "5"}, {999, 1, "99.9"}, {-1500, 3, "-1.5"}, {7, 0, "7"},
	} {
		if got := formatFixed(c.n, c.places); got != c.want {
			t.Errorf("formatFixed(%d, %d) = %q, want %q", c.n, c.places, got, c.want)
		}
	}
	for fen, want := range map[int64]string{0: "", 200000: "2000", 990: "9.90", 29: "0.29"} {
		if got := yuanInput(fen); got != want {
			t.Errorf("yuanInput(%d) = %q, want %q", fen, got, want)
		}
	}
	for in, want := range map[string]string{"9:00": "09:00", "21：00": "21:00", "24:00": "24:00", "9am": "9am"} {
		if got := clock(in); got != want {
			t.Errorf("clock(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoney(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 99999: "¥999.99", 100000: "¥1,000.00",
		345796307: "¥3,457,963.07", -123456789: "-¥1,234,567.89", 100000000000: "¥1,000,000,000.00"} {
		if got := money(fen); got != want {
			t.Errorf("money(%d) = %q, want %q", fen, got, want)
		}
	}
}
