package web

import (
	"fmt"
	"io"
	"net/http"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/server"
)

type importData struct {
	Jobs   []*importer.Job
	Fields []string
	Map    string
	Error  string
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request) {
	c.renderImport(w, r, http.StatusOK, importData{})
}

func (c *Console) renderImport(w http.ResponseWriter, r *http.Request, status int, d importData) {
	jobs, err := c.app.Imports.Recent(r.Context(), 20)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Jobs, d.Fields = jobs, importer.Fields
	c.render(w, r, status, "import", "web.import.title", d)
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
	job, err := c.app.Imports.StartMembers(r.Context(), server.Actor(r),
		importer.Upload{Name: hdr.Filename, Body: file, Map: m, Lang: c.lang(r)})
	if err != nil {
		var ok bool
		if _, d.Error, ok = formErrors(c.lang(r), err); !ok {
			c.fail(w, r, err)
			return
		}
		c.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/import/%d", job.ID), http.StatusSeeOther)
}

type jobData struct {
	Job  *importer.Job
	Rows []importer.RowError
}

func (c *Console) loadJob(w http.ResponseWriter, r *http.Request) (*jobData, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	j, err := c.app.Imports.Get(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	d := &jobData{Job: j, Rows: j.Rows}
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
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	_, f, err := c.app.Imports.ErrorReport(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	defer f.Close()
	server.Attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("import-%d-errors.csv", id))
	_, _ = io.Copy(w, f)
}
