package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestImportJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewImportJobs(db)
		create := func(name string, staff int64) *importer.Job {
			t.Helper()
			j := &importer.Job{Kind: importer.KindMembers, FileName: name, Status: importer.JobRunning, StaffID: staff, StartedAt: t0}
			id, err := s.CreateJob(ctx, j)
			if err != nil {
				t.Fatal(err)
			}
			j.ID = id
			return j
		}
		get := func(id int64) *importer.Job {
			t.Helper()
			j, err := s.GetJob(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return j
		}

		a := create("会员.csv", 7)
		b := create("more.xlsx", 0)
		if got := get(a.ID); got.FileName != "会员.csv" || got.Status != importer.JobRunning || got.StaffID != 7 ||
			!got.StartedAt.Equal(t0) || !got.FinishedAt.IsZero() || got.Rows != nil {
			t.Errorf("created job %+v", got)
		}

		if err := s.JobProgress(ctx, a.ID, 40, 100); err != nil {
			t.Fatal(err)
		}
		if got := get(a.ID); got.Done != 40 || got.Total != 100 {
			t.Errorf("progress: done %d, total %d", got.Done, got.Total)
		}

		end := t0.Add(time.Minute)
		a.Status, a.Total, a.Done, a.Inserted, a.Updated, a.Unchanged, a.Errors, a.FinishedAt =
			importer.JobDone, 100, 100, 60, 20, 18, 2, end
		a.Rows = []importer.RowError{
			{Line: 3, Field: "phone", Column: "手机号", Code: "member.phone_invalid", Message: "bad phone"},
			{Line: 9, Code: "import.malformed_row", Message: "malformed row"},
		}
		if err := s.FinishJob(ctx, a); err != nil {
			t.Fatal(err)
		}
		got := get(a.ID)
		if !reflect.DeepEqual(got, a) {
			t.Errorf("finished job\n got %+v\nwant %+v", got, a)
		}
		// Progress no longer moves a finished job.
		if err := s.JobProgress(ctx, a.ID, 1, 2); err != nil {
			t.Fatal(err)
		}
		if got := get(a.ID); got.Done != 100 {
			t.Errorf("a finished job's progress changed to %d", got.Done)
		}

		list, err := s.RecentJobs(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID || list[1].Unchanged != 18 || list[1].Rows != nil {
			t.Errorf("recent jobs %+v", list)
		}
		if list, _ := s.RecentJobs(ctx, 1); len(list) != 1 {
			t.Errorf("limit 1 gave %d jobs", len(list))
		}

		n, err := s.FailRunningJobs(ctx, importer.Interrupted, end)
		if err != nil || n != 1 {
			t.Fatalf("failed %d running jobs, %v; want 1", n, err)
		}
		if got := get(b.ID); got.Status != importer.JobFailed || got.Message != importer.Interrupted || !got.FinishedAt.Equal(end) {
			t.Errorf("interrupted job %+v", got)
		}
		if got := get(a.ID); got.Status != importer.JobDone {
			t.Errorf("a finished job was marked %s", got.Status)
		}
		if got := get(999); got != nil {
			t.Errorf("job 999: %+v", got)
		}
	})
}

func TestCountMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, m := range []struct {
			status  string
			created time.Time
		}{
			{"active", t0.AddDate(0, -2, 0)},
			{"active", t0},
			{"active", t0.Add(time.Hour)},
			{"inactive", t0},
			{"merged", t0},
		} {
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO members (card_no, phone_hash, status, created_at, updated_at, last_active_at)
					VALUES (?, ?, ?, ?, ?, ?)`, fmt.Sprintf("C%d", i), []byte{byte(i)}, m.status,
					store.Millis(m.created), store.Millis(m.created), store.Millis(m.created))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		n, err := store.NewMembers(db).CountMembers(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if n.Active != 3 || n.New != 2 || n.Inactive != 1 {
			t.Errorf("counts %+v, want 3 active, 2 new, 1 inactive", n)
		}
	})
}
