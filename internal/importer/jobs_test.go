package importer_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// progressLog records the progress writes a job store receives.
type progressLog struct {
	importer.JobStore
	mu     sync.Mutex
	writes [][2]int64
}

func (p *progressLog) JobProgress(ctx context.Context, id, done, total int64) error {
	p.mu.Lock()
	p.writes = append(p.writes, [2]int64{done, total})
	p.mu.Unlock()
	return p.JobStore.JobProgress(ctx, id, done, total)
}

func TestJobs(t *testing.T) {
	db := storetest.Open(t)
	svc := newService(t, db)
	st := &progressLog{JobStore: store.NewImportJobs(db)}
	dir := t.TempDir()
	jobs := importer.NewJobs(st, svc, dir, clock)
	t.Cleanup(jobs.Stop)

	var b strings.Builder
	b.WriteString("姓名,手机号\n")
	const rows = 2500
	for i := range rows {
		fmt.Fprintf(&b, "会员%d,138%08d\n", i, i)
	}
	b.WriteString("坏行,12345\n")
	started, err := jobs.StartMembers(ctx, actor, importer.Upload{Name: `C:\lists\members.CSV`, Body: strings.NewReader(b.String()), Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if started.ID == 0 || started.Status != importer.JobRunning || started.FileName != "members.CSV" || started.Kind != importer.KindMembers {
		t.Errorf("started %+v", started)
	}
	jobs.Wait()
	j, err := jobs.Get(ctx, started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != importer.JobDone || j.Total != rows+1 || j.Done != rows+1 || j.Inserted != rows || j.Errors != 1 ||
		len(j.Rows) != 1 || j.Rows[0].Code != "member.phone_invalid" || j.Rows[0].Line != rows+2 || j.FinishedAt.IsZero() {
		t.Errorf("finished %+v", j)
	}
	// Progress is throttled, and the end of the writing is always recorded.
	if n := len(st.writes); n == 0 || n > 8 || st.writes[n-1] != [2]int64{rows, rows} {
		t.Errorf("progress writes %v", st.writes)
	}
	for _, w := range st.writes {
		if w[1] < 0 {
			t.Errorf("progress recorded an unknown total as %d", w[1])
		}
	}
	_, rep, err := jobs.ErrorReport(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	report, err := io.ReadAll(rep)
	rep.Close()
	if err != nil || !strings.Contains(string(report), "member.phone_invalid") {
		t.Errorf("error report: %v\n%s", err, report)
	}
	// Only the error report stays behind; the upload is gone.
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 1 || filepath.Base(left[0]) != fmt.Sprintf("%d-errors.csv", j.ID) {
		t.Errorf("files left: %v", left)
	}

	// A file that cannot be read fails the job with a message in the
	// uploader's language.
	bad, err := jobs.StartMembers(ctx, actor, importer.Upload{Name: "x.csv", Body: strings.NewReader("姓名,地址\n张三,幸福里\n"), Lang: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	jobs.Wait()
	if j, _ := jobs.Get(ctx, bad.ID); j.Status != importer.JobFailed || j.Message != "缺少必需的列（姓名、手机号）" {
		t.Errorf("failed job %+v", j)
	}

	recent, err := jobs.Recent(ctx, 10)
	if err != nil || len(recent) != 2 || recent[0].ID != bad.ID {
		t.Errorf("recent %v, %v", recent, err)
	}

	for _, c := range []struct {
		name  string
		actor linli.Actor
		up    importer.Upload
		code  string
	}{
		{"wrong type", actor, importer.Upload{Name: "list.pdf"}, "import.file_type"},
		{"no type", actor, importer.Upload{Name: "list"}, "import.file_type"},
		{"no such store", actor, importer.Upload{Name: "a.csv", StoreID: 42}, "member.store_invalid"},
		{"another store", linli.Actor{StaffID: 3, Name: "mgr", Role: "manager", StoreID: 1}, importer.Upload{Name: "a.csv", StoreID: 2}, "auth.forbidden"},
	} {
		c.up.Body = strings.NewReader("姓名,手机号\n")
		if _, err := jobs.StartMembers(ctx, c.actor, c.up); linli.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := jobs.Get(ctx, 999); linli.ErrorCode(err) != "import.not_found" {
		t.Errorf("job 999: %v", err)
	}
	if _, _, err := jobs.ErrorReport(ctx, 999); linli.ErrorCode(err) != "import.not_found" {
		t.Errorf("report 999: %v", err)
	}
	os.Remove(jobs.ReportPath(bad.ID))
	if _, _, err := jobs.ErrorReport(ctx, bad.ID); linli.ErrorCode(err) != "import.no_report" {
		t.Errorf("missing report: %v", err)
	}
}

func TestJobsStop(t *testing.T) {
	db := storetest.Open(t)
	jobs := importer.NewJobs(store.NewImportJobs(db), newService(t, db), t.TempDir(), clock)
	jobs.Stop()
	// After Stop, an import ends before it writes anything.
	j, err := jobs.StartMembers(ctx, actor, importer.Upload{Name: "a.csv", Body: strings.NewReader("姓名,手机号\n张三,13800000001\n")})
	if err != nil {
		t.Fatal(err)
	}
	jobs.Wait()
	if j, _ = jobs.Get(ctx, j.ID); j.Status != importer.JobFailed || j.Message != importer.Interrupted {
		t.Errorf("stopped job %+v", j)
	}
	if n := countMembers(t, db); n != 0 {
		t.Errorf("%d members written after Stop", n)
	}

	// A job left running by a process that stopped is failed at the next start.
	st := store.NewImportJobs(db)
	id, err := st.CreateJob(ctx, &importer.Job{Kind: importer.KindMembers, Status: importer.JobRunning, StartedAt: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.FailInterrupted(ctx); err != nil {
		t.Fatal(err)
	}
	if j, _ := jobs.Get(ctx, id); j.Status != importer.JobFailed || j.Message != importer.Interrupted {
		t.Errorf("left-over job %+v", j)
	}
}
