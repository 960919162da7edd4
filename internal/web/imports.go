package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/server"
)

type importData struct {
	Jobs   []*importJob
	Fields []string
	Map    string
	Error  string
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request) {
	c.renderImport(w, r, http.StatusOK, importData{})
}

func (c *Console) renderImport(w http.ResponseWriter, r *http.Request, status int, d importData) {
	jobs, err := c.recentJobs(r.Context(), 20)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Jobs, d.Fields = jobs, importer.Fields
	c.render(w, r, status, "import", "web.import.title", d)
}

// importDir holds uploaded files and row-error reports.
func (c *Console) importDir() (string, error) {
	dir := filepath.Join(c.app.Config.DataDir, "imports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("web: import directory: %w", err)
	}
	return dir, nil
}

func (c *Console) importStart(w http.ResponseWriter, r *http.Request) {
	limit := c.app.Config.MaxUploadBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	d := importData{Map: r.FormValue("map")}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		d.Error = c.t(r, "web.import.no_file")
		c.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	defer file.Close()
	m, err := importer.ParseMap(d.Map)
	if err != nil {
		_, d.Error, _ = formErrors(c.lang(r), err)
		c.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".csv" && ext != ".xlsx" && ext != ".txt" && ext != ".tsv" {
		d.Error = c.t(r, "web.import.bad_type")
		c.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	dir, err := c.importDir()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	st := server.CurrentStaff(r)
	job := &importJob{Kind: "members", FileName: name, StaffID: st.ID, StartedAt: c.app.Now()}
	if err := c.createJob(r.Context(), job); err != nil {
		c.fail(w, r, err)
		return
	}
	// The upload is kept on disk: an XLSX file is read from there without
	// loading it whole, and the job outlives the request.
	path := filepath.Join(dir, fmt.Sprintf("%d%s", job.ID, ext))
	if err := saveUpload(path, file); err != nil {
		job.Status, job.Message, job.FinishedAt = jobFailed, err.Error(), c.app.Now()
		_ = c.finishJob(r.Context(), job)
		c.fail(w, r, err)
		return
	}
	storeID := auth.Scope(server.Actor(r))
	if storeID == 0 {
		storeID = st.StoreID
	}
	actor, opt := server.Actor(r), importer.Options{Map: m, StoreID: storeID, Lang: c.lang(r)}
	errPath := filepath.Join(dir, fmt.Sprintf("%d-errors.csv", job.ID))
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.runImport(job, path, errPath, actor, opt)
	}()
	http.Redirect(w, r, fmt.Sprintf("/import/%d", job.ID), http.StatusSeeOther)
}

func saveUpload(path string, src io.Reader) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("web: save upload: %w", err)
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return fmt.Errorf("web: save upload: %w", err)
	}
	return f.Close()
}

// progressEvery bounds how often progress is written: the single SQLite
// writer has better things to do than record every row.
const progressEvery = 300 * time.Millisecond

// runImport runs one import to the end, recording progress in its job row.
func (c *Console) runImport(job *importJob, path, errPath string, actor linli.Actor, opt importer.Options) {
	ctx := context.Background()
	finish := func(rep *importer.Report, err error) {
		job.FinishedAt = c.app.Now()
		job.Status = jobDone
		if rep != nil {
			job.Total, job.Inserted, job.Updated, job.Errors = int64(rep.Total), int64(rep.Inserted), int64(rep.Updated), int64(rep.Errors)
			job.Done = job.Total
			if b, jerr := json.Marshal(rep.Rows); jerr == nil {
				job.Report = string(b)
			}
		}
		if err != nil {
			job.Status = jobFailed
			job.Message = err.Error()
			if e, ok := linli.AsError(err); ok && e.Kind != linli.KindInternal {
				job.Message = errText(opt.Lang, e)
			} else {
				slog.Error("web: import failed", "job", job.ID, "err", err)
			}
		}
		_ = os.Remove(path)
		if err := c.finishJob(ctx, job); err != nil {
			slog.Error("web: record import result", "job", job.ID, "err", err)
		}
	}
	rd, err := importer.OpenFile(path)
	if err != nil {
		finish(nil, err)
		return
	}
	defer rd.Close()
	ef, err := os.Create(errPath)
	if err != nil {
		finish(nil, fmt.Errorf("web: error report: %w", err))
		return
	}
	defer ef.Close()
	opt.ErrorReport = ef
	var mu sync.Mutex
	var last time.Time
	opt.Progress = func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		if err := c.jobProgress(ctx, job.ID, int64(done), int64(total)); err != nil {
			slog.Warn("web: record import progress", "job", job.ID, "err", err)
		}
	}
	rep, err := importer.Members(ctx, c.app.Members, actor, rd, opt)
	finish(rep, err)
}

type jobData struct {
	Job  *importJob
	Rows []importer.RowError
}

func (c *Console) loadJob(w http.ResponseWriter, r *http.Request) (*jobData, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	j, err := c.job(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	d := &jobData{Job: j}
	if j.Report != "" {
		_ = json.Unmarshal([]byte(j.Report), &d.Rows)
	}
	lang := c.lang(r)
	for i, row := range d.Rows {
		d.Rows[i].Message = fieldText(lang, linli.FieldError{Field: row.Field, Code: row.Code, Message: row.Message})
	}
	return d, true
}

func (c *Console) importShow(w http.ResponseWriter, r *http.Request) {
	d, ok := c.loadJob(w, r)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "import_job", "web.import.job_title", d)
}

// importProgress is the fragment the progress page polls.
func (c *Console) importProgress(w http.ResponseWriter, r *http.Request) {
	d, ok := c.loadJob(w, r)
	if !ok {
		return
	}
	v := c.newView(r, "web.import.job_title", d)
	c.renderView(w, http.StatusOK, "import_job", "progress", v)
}

func (c *Console) importErrors(w http.ResponseWriter, r *http.Request) {
	d, ok := c.loadJob(w, r)
	if !ok {
		return
	}
	dir, err := c.importDir()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f, err := os.Open(filepath.Join(dir, fmt.Sprintf("%d-errors.csv", d.Job.ID)))
	if err != nil {
		c.fail(w, r, linli.Errorf(linli.KindNotFound, "import.no_report", "this import has no error report"))
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-errors.csv"`, d.Job.ID))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, f)
}
