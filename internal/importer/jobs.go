package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/member"
)

// Job states.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// KindMembers is the kind of a member import job.
const KindMembers = "members"

// Interrupted is the message of a job that stopped because its process
// did.
const Interrupted = "interrupted: the server stopped during the import"

// Job is one import running in the background, as it is recorded.
type Job struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	FileName   string     `json:"file_name"`
	Status     string     `json:"status"`
	Total      int64      `json:"total"`     // rows to write; 0 while the file is being checked
	Done       int64      `json:"done"`      // rows written so far; while checking, rows read
	Inserted   int64      `json:"inserted"`  // new members
	Updated    int64      `json:"updated"`   // known phones updated
	Unchanged  int64      `json:"unchanged"` // known phones whose row held nothing new
	Errors     int64      `json:"errors"`    // rows not imported
	Message    string     `json:"message"`   // why a failed job failed, in the uploader's language
	Rows       []RowError `json:"-"`         // the first MaxReportRows row errors
	StaffID    int64      `json:"-"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
}

// Running reports whether the job is still going.
func (j *Job) Running() bool { return j.Status == JobRunning }

// JobStore records import jobs.
type JobStore interface {
	// CreateJob records a running job and returns its id.
	CreateJob(ctx context.Context, j *Job) (int64, error)
	// JobProgress records how far a running job is.
	JobProgress(ctx context.Context, id, done, total int64) error
	// FinishJob records a job's status, counts, message, row errors and
	// end time.
	FinishJob(ctx context.Context, j *Job) error
	// GetJob returns a job with its row errors, nil when there is none.
	GetJob(ctx context.Context, id int64) (*Job, error)
	// RecentJobs lists the newest jobs first, without their row errors.
	RecentJobs(ctx context.Context, limit int) ([]*Job, error)
	// FailRunningJobs marks every running job failed with message and
	// returns how many there were.
	FailRunningJobs(ctx context.Context, message string, at time.Time) (int64, error)
}

// progressEvery bounds how often progress is written: the single SQLite
// writer has better things to do than record every row.
const progressEvery = 500 * time.Millisecond

// Jobs runs member imports in the background from uploaded files and
// records their progress, so that a page or an API client can follow
// them. The upload and the full error report are kept in Dir.
type Jobs struct {
	store   JobStore
	members *member.Service
	dir     string
	now     linli.Clock

	ctx    context.Context // ends when Stop is called
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewJobs returns the import job service. dir holds uploads while they are
// imported and the error reports after.
func NewJobs(st JobStore, members *member.Service, dir string, now linli.Clock) *Jobs {
	if now == nil {
		now = linli.SystemClock
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Jobs{store: st, members: members, dir: dir, now: now, ctx: ctx, cancel: cancel}
}

// Upload is a file handed in for import.
type Upload struct {
	Name    string    // the file's name as the client gave it; its extension picks the format
	Body    io.Reader // read to the end before StartMembers returns
	Map     Map
	StoreID int64  // where new members are registered; 0: the actor's store
	Lang    string // language of the error report and the job's message
}

// uploadTypes are the file extensions an upload may have.
var uploadTypes = []string{".csv", ".xlsx", ".txt", ".tsv"}

// StartMembers saves the upload and imports it as actor in the background.
// It answers the running job; errors in the upload itself (its type, the
// store) are returned before any job exists.
func (s *Jobs) StartMembers(ctx context.Context, actor linli.Actor, up Upload) (*Job, error) {
	name := filepath.Base(strings.ReplaceAll(up.Name, "\\", "/"))
	ext := strings.ToLower(filepath.Ext(name))
	if !isUploadType(ext) {
		return nil, linli.Invalid("import.file_type", "file", "only CSV, TSV, TXT and .xlsx files can be imported, not %q", name)
	}
	if up.StoreID == 0 {
		up.StoreID = actor.StoreID
	}
	if scope := auth.Scope(actor); scope != 0 && up.StoreID != scope {
		return nil, linli.Errorf(linli.KindForbidden, "auth.forbidden", "%s may import into store %d only", actor.Name, scope)
	}
	if up.StoreID != 0 {
		ok, err := s.members.Store.StoreExists(ctx, up.StoreID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, linli.Invalid("member.store_invalid", "store_id", "store %d does not exist", up.StoreID)
		}
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("importer: import directory: %w", err)
	}
	// The upload is kept on disk: an XLSX file is read from there without
	// loading it whole, and the job outlives the request.
	tmp, err := saveUpload(s.dir, ext, up.Body)
	if err != nil {
		return nil, err
	}
	job := &Job{Kind: KindMembers, FileName: name, Status: JobRunning, StaffID: actor.StaffID, StartedAt: s.now()}
	if job.ID, err = s.store.CreateJob(ctx, job); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	path := filepath.Join(s.dir, fmt.Sprintf("%d%s", job.ID, ext))
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		err = fmt.Errorf("importer: keep upload: %w", err)
		s.finish(job, nil, err, up.Lang)
		return nil, err
	}
	opt := Options{Map: up.Map, StoreID: up.StoreID, Lang: up.Lang, BatchSize: LiveBatch}
	started := *job
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(job, path, actor, opt)
	}()
	return &started, nil
}

func isUploadType(ext string) bool {
	for _, t := range uploadTypes {
		if ext == t {
			return true
		}
	}
	return false
}

// saveUpload copies body to a new file in dir and returns its path.
func saveUpload(dir, ext string, body io.Reader) (string, error) {
	f, err := os.CreateTemp(dir, "upload-*"+ext)
	if err != nil {
		return "", fmt.Errorf("importer: save upload: %w", err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("importer: save upload: %w", err)
	}
	return f.Name(), nil
}

// ReportPath is where the full row-error report of job id is kept.
func (s *Jobs) ReportPath(id int64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%d-errors.csv", id))
}

// run imports the saved upload to the end, recording progress.
func (s *Jobs) run(job *Job, path string, actor linli.Actor, opt Options) {
	defer os.Remove(path)
	rd, err := OpenFile(path)
	if err != nil {
		s.finish(job, nil, err, opt.Lang)
		return
	}
	defer rd.Close()
	ef, err := os.Create(s.ReportPath(job.ID))
	if err != nil {
		s.finish(job, nil, fmt.Errorf("importer: error report: %w", err), opt.Lang)
		return
	}
	defer ef.Close()
	opt.ErrorReport = ef
	var mu sync.Mutex
	var last time.Time
	opt.Progress = func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		end := total >= 0 && done >= total
		if !end && time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		// While the file is checked the total is not known yet (-1): the
		// job says 0, and done counts the rows read.
		if err := s.store.JobProgress(s.ctx, job.ID, int64(done), int64(max(total, 0))); err != nil && s.ctx.Err() == nil {
			slog.Warn("importer: record import progress", "job", job.ID, "err", err)
		}
	}
	rep, err := Members(s.ctx, s.members, actor, rd, opt)
	s.finish(job, rep, err, opt.Lang)
}

// finish records how the job ended. It runs outside the job's context:
// a stopped import must still be recorded as such.
func (s *Jobs) finish(job *Job, rep *Report, err error, lang string) {
	job.FinishedAt = s.now()
	job.Status = JobDone
	if rep != nil {
		job.Total, job.Inserted, job.Updated, job.Unchanged, job.Errors =
			int64(rep.Total), int64(rep.Inserted), int64(rep.Updated), int64(rep.Unchanged), int64(rep.Errors)
		job.Done = job.Total
		job.Rows = rep.Rows
	}
	if err != nil {
		job.Status = JobFailed
		job.Message = failureText(lang, err)
		switch {
		case s.ctx.Err() != nil && errors.Is(err, context.Canceled):
			job.Message = Interrupted
		case linli.ErrorKind(err) == linli.KindInternal:
			slog.Error("importer: import failed", "job", job.ID, "err", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.FinishJob(ctx, job); err != nil {
		slog.Error("importer: record import result", "job", job.ID, "err", err)
	}
}

// failureText is what a failed job says: the catalog's sentence for the
// error's code in lang, else the error itself.
func failureText(lang string, err error) string {
	e, ok := linli.AsError(err)
	if !ok || e.Kind == linli.KindInternal {
		return err.Error()
	}
	if key := "error." + e.Code; locale.Has(key) {
		return locale.T(lang, key)
	}
	return e.Message
}

// Get returns a job with its row errors.
func (s *Jobs) Get(ctx context.Context, id int64) (*Job, error) {
	j, err := s.store.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if j == nil {
		return nil, linli.Errorf(linli.KindNotFound, "import.not_found", "import %d does not exist", id)
	}
	return j, nil
}

// Recent lists the newest jobs, without their row errors.
func (s *Jobs) Recent(ctx context.Context, limit int) ([]*Job, error) {
	return s.store.RecentJobs(ctx, limit)
}

// ErrorReport opens the full row-error report of a job, as CSV. The
// caller closes it.
func (s *Jobs) ErrorReport(ctx context.Context, id int64) (*Job, io.ReadCloser, error) {
	j, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(s.ReportPath(id))
	if err != nil {
		return nil, nil, linli.Errorf(linli.KindNotFound, "import.no_report", "import %d has no error report", id)
	}
	return j, f, nil
}

// FailInterrupted marks the jobs still recorded as running as failed. A
// server calls it when it starts: an import that was running when the
// process stopped will never finish, and a bar that never moves helps
// nobody.
func (s *Jobs) FailInterrupted(ctx context.Context) error {
	n, err := s.store.FailRunningJobs(ctx, Interrupted, s.now())
	if err != nil {
		return err
	}
	if n > 0 {
		slog.Warn("imports interrupted by the last stop marked failed", "jobs", n)
	}
	return nil
}

// Wait blocks until the imports started so far have finished.
func (s *Jobs) Wait() { s.wg.Wait() }

// Stop interrupts the running imports between two batches, records them
// as failed and waits for them. Jobs started afterwards stop at once.
func (s *Jobs) Stop() {
	s.cancel()
	s.wg.Wait()
}
