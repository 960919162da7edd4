package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	cdnowSummary = "../analytics/clv/testdata/cdnow_calibration_summary.csv"
	cdnowElog    = "../analytics/testdata/cdnow_sample_elog.csv"
)

func TestAnalyzeCLVSummary(t *testing.T) {
	r := run(t, "analyze", "clv", "--summary", cdnowSummary)
	if r.code != 0 {
		t.Fatal(r)
	}
	// The key names are the public interface: decode into plain maps.
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got := keys(out); got != "bgnbd,customers,gammagamma,paretonbd" {
		t.Errorf("keys %s", got)
	}
	var n int
	json.Unmarshal(out["customers"], &n)
	if n != 2357 {
		t.Errorf("customers %d, want 2357", n)
	}
	// Published values (testdata/README.md of the clv package).
	checkModel(t, out["bgnbd"], map[string][2]float64{
		"r": {0.242593, 1e-3}, "alpha": {4.413532, 1e-3}, "a": {0.792886, 1e-3}, "b": {2.425752, 1e-3}, "loglik": {-9582.43, 0.01 / 9582.43}})
	checkModel(t, out["paretonbd"], map[string][2]float64{
		"r": {0.553, 5e-3}, "alpha": {10.58, 5e-3}, "s": {0.606, 5e-3}, "beta": {11.66, 5e-3}, "loglik": {-9594.98, 0.05 / 9594.98}})
	checkModel(t, out["gammagamma"], map[string][2]float64{
		"p": {6.25, 5e-3}, "q": {3.74, 5e-3}, "gamma": {15.44, 5e-3}, "loglik": {-4055.92, 0.01 / 4055.92}})
}

func TestAnalyzeCLVElog(t *testing.T) {
	r := run(t, "analyze", "clv", "--elog", cdnowElog, "--calibration-end", "1997-09-30")
	if r.code != 0 {
		t.Fatal(r)
	}
	var out struct {
		Customers int
		BGNBD     map[string]float64
		Holdout   struct {
			CalibrationEnd          string  `json:"calibration_end"`
			End                     string  `json:"end"`
			Weeks                   float64 `json:"weeks"`
			CalibrationTransactions float64 `json:"calibration_transactions"`
			Transactions            float64 `json:"transactions"`
			ByX                     []struct {
				X         int
				Customers int
				Actual    float64
				BGNBD     float64
			} `json:"by_x"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	h := out.Holdout
	if out.Customers != 2357 || h.CalibrationTransactions != 2457 || h.Transactions != 1882 || h.Weeks != 39 ||
		h.CalibrationEnd != "1997-09-30" || h.End != "1998-06-30" || len(h.ByX) != 8 {
		t.Errorf("summary of the log: %+v", out)
	}
	// BTYD walkthrough §4.4.
	if len(h.ByX) == 8 && (h.ByX[7].Customers != 64 || math.Abs(h.ByX[7].BGNBD-6.157036) > 0.005 || math.Abs(h.ByX[0].Actual-0.2367116) > 1e-6) {
		t.Errorf("holdout rows %+v", h.ByX)
	}
	if math.Abs(out.BGNBD["r"]-0.2425945) > 1e-5 {
		t.Errorf("BG/NBD r = %v, want CLVTools' 0.2425945", out.BGNBD["r"])
	}

	// A holdout end, YYYYMMDD dates, and a log without sales: no spend model.
	dir := t.TempDir()
	path := filepath.Join(dir, "log.csv")
	b, err := os.ReadFile(cdnowElog)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(l, ",")
		lines = append(lines, f[1]+","+f[2])
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, "analyze", "clv", "--elog", path, "--calibration-end", "19970930", "--holdout-end", "1997-12-30")
	if r.code != 0 {
		t.Fatal(r)
	}
	var o2 map[string]json.RawMessage
	json.Unmarshal([]byte(r.stdout), &o2)
	if got := keys(o2); got != "bgnbd,customers,holdout,paretonbd" {
		t.Errorf("keys without sales: %s", got)
	}
	if !strings.Contains(string(o2["holdout"]), `"weeks": 13,`) {
		t.Errorf("holdout %s", o2["holdout"])
	}
}

func TestAnalyzeCLVStdin(t *testing.T) {
	r := runIn(t, "id,x,t_x,T\n1,2,30,38\n2,0,0,38\n3,1,5,38\n4,5,35,37\n5,0,0,30\n6,3,20,36\n", "analyze", "clv", "--summary", "-")
	// Six customers are too few for a maximum: either a fit or a clear
	// error, never a crash.
	if r.code != 0 && (r.code != 1 || !strings.Contains(r.stderr, "linli analyze: clv:")) {
		t.Fatal(r)
	}
}

func TestAnalyzeCLVErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--summary", write("empty.csv", "")}, 1, "empty.csv: read summary: the file is empty"},
		{[]string{"--summary", write("cols.csv", "id,x,T\n1,0,3\n")}, 1, "no t_x column"},
		{[]string{"--summary", write("neg.csv", "id,x,t_x,T\n1,0,0,3\n2,1,-1,3\n")}, 1, "line 3: customer \"2\": t_x is negative"},
		{[]string{"--summary", write("text.csv", "id,x,t_x,T\n1,one,0,3\n")}, 1, `line 2: x: "one" is not a number`},
		{[]string{"--summary", write("norepeat.csv", "id,x,t_x,T\n1,0,0,3\n2,0,0,5\n")}, 1, "no customer has a repeat purchase"},
		{[]string{"--summary", filepath.Join(dir, "missing.csv")}, 1, "no such file"},
		{[]string{"--elog", write("bad.csv", "id,date\n1,19970132\n"), "--calibration-end", "1997-09-30"}, 1, "line 2: date \"19970132\""},
		{[]string{"--elog", write("late.csv", "id,date\n1,19980101\n"), "--calibration-end", "1997-09-30"}, 1, "before the first purchase"},
		{[]string{}, 2, "either --summary FILE or --elog FILE"},
		{[]string{"--summary", cdnowSummary, "--elog", cdnowElog}, 2, "either --summary FILE or --elog FILE"},
		{[]string{"--elog", cdnowElog}, 2, "--elog needs --calibration-end"},
		{[]string{"--elog", cdnowElog, "--calibration-end", "30/09/1997"}, 2, "--calibration-end: date"},
		{[]string{"--elog", cdnowElog, "--calibration-end", "1997-09-30", "--holdout-end", "x"}, 2, "--holdout-end: date"},
		{[]string{"--elog", cdnowElog, "--calibration-end", "1997-09-30", "--holdout-end", "1997-01-01"}, 1, "before the calibration end"},
		{[]string{"--summary", cdnowSummary, "--calibration-end", "1997-09-30"}, 2, "go with --elog"},
		{[]string{"--summary", cdnowSummary, "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		r := run(t, append([]string{"analyze", "clv"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: want exit %d saying %q, got\n%v", tt.args, tt.code, tt.want, r)
		}
	}
}

func keys(m map[string]json.RawMessage) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ",")
}

// checkModel compares a model's JSON object, which must have exactly the
// wanted keys, with the wanted values within relative tolerances.
func checkModel(t *testing.T, raw json.RawMessage, want map[string][2]float64) {
	t.Helper()
	var got map[string]float64
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if len(got) != len(want) {
		t.Errorf("keys of %s, want %v", raw, want)
	}
	for k, w := range want {
		v, ok := got[k]
		if !ok || math.Abs(v-w[0]) > w[1]*math.Abs(w[0]) {
			t.Errorf("%s = %v, want %v within %g", k, v, w[0], w[1])
		}
	}
}

// BenchmarkAnalyzeCLV is the whole command in process: read the CDNOW
// summary, fit the three models side by side, print JSON.
func BenchmarkAnalyzeCLV(b *testing.B) {
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), []string{"analyze", "clv", "--summary", cdnowSummary}, strings.NewReader(""), &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}
