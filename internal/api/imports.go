package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/server"
)

// ImportUpload describes the multipart form that starts a member import,
// for the OpenAPI document; the handler reads the form's parts.
type ImportUpload struct {
	File    string `json:"file"`
	Map     string `json:"map,omitempty"`
	StoreID int64  `json:"store_id,omitempty"`
}

// memoryUpload is how much of an upload is held in memory; the rest
// goes to a temporary file.
const memoryUpload = 32 << 20

func (x *API) startImport(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		x.fail(w, r, &linli.Error{Kind: linli.KindInvalid, Code: "request.multipart_required",
			Message: "send the body as multipart/form-data"})
		return
	}
	limit := x.app.Config.MaxUploadBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20) // room for the form around the file
	if err := r.ParseMultipartForm(memoryUpload); err != nil {
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			x.fail(w, r, linli.Errorf(linli.KindTooLarge, "request.too_large", "the upload is larger than %d bytes", limit))
			return
		}
		x.fail(w, r, &linli.Error{Kind: linli.KindInvalid, Code: "request.multipart_invalid",
			Message: "the multipart form cannot be read"})
		return
	}
	defer r.MultipartForm.RemoveAll()
	up := importer.Upload{Lang: server.Lang(r)}
	var v linli.Validation
	file, hdr, err := r.FormFile("file")
	if err != nil {
		v.Add("file", "import.file_required", "the form has no file part named file")
	} else {
		defer file.Close()
		up.Name, up.Body = hdr.Filename, file
	}
	if up.Map, err = importer.ParseMap(r.FormValue("map")); err != nil {
		e, ok := linli.AsError(err)
		if !ok {
			x.fail(w, r, err)
			return
		}
		v.Add("map", e.Code, "%s", e.Message)
	}
	if s := strings.TrimSpace(r.FormValue("store_id")); s != "" {
		if up.StoreID, err = strconv.ParseInt(s, 10, 64); err != nil || up.StoreID <= 0 {
			v.Add("store_id", "request.field_type", "store_id must be a store id")
		}
	}
	if err := v.Err(); err != nil {
		x.fail(w, r, err)
		return
	}
	job, err := x.app.Imports.StartMembers(r.Context(), server.Actor(r), up)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/imports/%d", Prefix, job.ID))
	server.JSON(w, http.StatusAccepted, job)
}

func (x *API) getImport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "import.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	job, err := x.app.Imports.Get(r.Context(), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, job)
}

func (x *API) importErrors(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "import.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	_, f, err := x.app.Imports.ErrorReport(r.Context(), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	defer f.Close()
	server.Attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("import-%d-errors.csv", id))
	_, _ = io.Copy(w, f)
}
