package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAnalyzeStore(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--no-serve", "--members", "300", "--sales-months", "2", "--data-dir", dir, "--password", "demo-pass-1")

	r := mustRun(t, "analyze", "store", "--data-dir", dir)
	var got struct {
		Run     int64  `json:"run"`
		Model   string `json:"model"`
		Version string `json:"version"`
		Members int    `json:"members"`
		Detail  struct {
			Members  int            `json:"members"`
			Segments map[string]int `json:"segments"`
			BGNBD    *struct {
				R, Alpha, A, B float64
			} `json:"bgnbd"`
			BGNBDSkipped string `json:"bgnbd_skipped"`
			Clusters     []struct {
				Size int    `json:"size"`
				EN   string `json:"en"`
			} `json:"clusters"`
		} `json:"detail"`
		DurationMS *int64 `json:"duration_ms"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	total := 0
	for _, n := range got.Detail.Segments {
		total += n
	}
	// The demo scored the members once already: this is the second run.
	if got.Run != 2 || got.Model != "linli-customer" || got.Version == "" || got.Members < 200 || got.Members > 300 ||
		got.Detail.Members != got.Members || total != got.Members || got.DurationMS == nil {
		t.Errorf("summary: %+v\n%s", got, r.stdout)
	}
	// The demo's sales end today, so the data differ from day to day. Two
	// months of them either show some members dropping out, and the
	// lifetime model fits, or show nobody leaving yet, and it is skipped
	// with that reason; any other outcome is a fault. The rest is scored.
	if bg := got.Detail.BGNBD; bg != nil {
		for _, v := range []float64{bg.R, bg.Alpha, bg.A, bg.B} {
			if !(v > 0 && v < 1e6) || got.Detail.BGNBDSkipped != "" {
				t.Errorf("BG/NBD fitted to %+v (skipped %q)", *bg, got.Detail.BGNBDSkipped)
				break
			}
		}
	} else if !strings.Contains(got.Detail.BGNBDSkipped, "no customer dropping out yet") {
		t.Errorf("BG/NBD skipped for an unexpected reason: %s", got.Detail.BGNBDSkipped)
	}
	if len(got.Detail.Clusters) < 3 {
		t.Errorf("clusters:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "scores written: ") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}

	// Before the first sale nobody is scored; the run still succeeds.
	r = mustRun(t, "analyze", "store", "--data-dir", dir, "--as-of", "2000-01-01")
	if !strings.Contains(r.stdout, `"members": 0`) || !strings.Contains(r.stdout, `"as_of": "2000-01-02T00:00:00Z"`) {
		t.Errorf("early as-of:\n%s", r.stdout)
	}

	if r := run(t, "analyze", "store", "--data-dir", dir, "--as-of", "01/02/2025"); r.code != 2 || !strings.Contains(r.stderr, "YYYY-MM-DD") {
		t.Errorf("bad date: %s", r)
	}
	if r := run(t, "analyze", "store", "extra", "--data-dir", dir); r.code != 2 {
		t.Errorf("extra argument: %s", r)
	}
}
