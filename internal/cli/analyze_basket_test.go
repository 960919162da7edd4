package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const groceries = "../analytics/basket/testdata/groceries.csv"

func TestAnalyzeItemsetsCount(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "itemsets", "--baskets", groceries, "--min-support", "0.001", "--count"}, "13492\n"},
		{[]string{"analyze", "rules", "--baskets", groceries, "--min-support", "0.001", "--min-confidence", "0.5", "--count"}, "5668\n"},
		{[]string{"analyze", "rules", "--baskets", groceries, "--min-support", "0.003", "--min-confidence", "0.5", "--max-len", "4", "--count"}, "414\n"},
	}
	for _, tt := range tests {
		r := run(t, tt.args...)
		if r.code != 0 || r.stdout != tt.want {
			t.Errorf("%v:\n%v", tt.args, r)
		}
	}
}

func TestAnalyzeRulesCSV(t *testing.T) {
	r := run(t, "analyze", "rules", "--baskets", groceries, "--min-support", "0.001", "--min-confidence", "0.5")
	if r.code != 0 {
		t.Fatal(r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 5669 {
		t.Fatalf("%d lines, want a header and 5668 rules", len(lines))
	}
	if lines[0] != "lhs,rhs,support,confidence,coverage,lift,count" {
		t.Errorf("header %q", lines[0])
	}
	if want := `"{Instant food products,soda}",{hamburger meat},`; !strings.HasPrefix(lines[1], want) || !strings.HasSuffix(lines[1], ",12") {
		t.Errorf("first rule %q, want %s...,12", lines[1], want)
	}
}

func TestAnalyzeItemsetsCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.txt")
	if err := os.WriteFile(path, []byte("milk,bread\nmilk\nbread,\"tea\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "analyze", "itemsets", "--baskets", path, "--min-support", "0.3")
	// Labels keep their quotes, which CSV doubles; '"' sorts before 'b'.
	want := `items,support,count
"{""tea""}",0.3333333333333333,1
{bread},0.6666666666666666,2
{milk},0.6666666666666666,2
"{""tea"",bread}",0.3333333333333333,1
"{bread,milk}",0.3333333333333333,1
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("got\n%v\nwant\n%s", r, want)
	}
}

func TestAnalyzeBasketErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.txt", "")
	binary := write("binary.dat", "PK\x03\x04\x00\x00garbage")
	blank := write("blank.txt", "\n\n")
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"analyze", "itemsets"}, 2, "needs --baskets"},
		{[]string{"analyze", "rules", "--min-support", "0.1"}, 2, "needs --baskets"},
		{[]string{"analyze", "itemsets", "--baskets", groceries, "--min-support", "0"}, 2, "--min-support"},
		{[]string{"analyze", "itemsets", "--baskets", groceries, "--min-support", "1.5"}, 2, "--min-support"},
		{[]string{"analyze", "rules", "--baskets", groceries, "--min-confidence", "2"}, 2, "--min-confidence"},
		{[]string{"analyze", "itemsets", "--baskets", groceries, "--max-len", "-1"}, 2, "--max-len"},
		{[]string{"analyze", "itemsets", "--baskets", filepath.Join(dir, "missing.csv")}, 1, "no such file"},
		{[]string{"analyze", "itemsets", "--baskets", empty}, 1, "empty file"},
		{[]string{"analyze", "itemsets", "--baskets", blank}, 1, "no items"},
		{[]string{"analyze", "rules", "--baskets", binary}, 1, "line 1: not a text file"},
		{[]string{"analyze", "itemsets", "--baskets", dir}, 1, "linli analyze: basket: read"},
	}
	for _, tt := range tests {
		r := run(t, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
			t.Errorf("%v: want exit %d and %q\n%v", tt.args, tt.code, tt.msg, r)
		}
	}
}
