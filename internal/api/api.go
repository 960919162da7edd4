// Package api is Linli's JSON API under /api/v1: members, member imports,
// stores, staff, API keys, the audit log and the session for scripts.
// Every endpoint is a server.Route with the permission it needs, and the
// same table, with a little metadata per operation, generates the OpenAPI
// 3.1 document.
package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/audit"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/store"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// API serves the JSON endpoints.
type API struct {
	app   *app.App
	audit audit.Reader
	idem  *store.Idempotency
	limit int64 // request body cap
	ops   []op

	docOnce sync.Once
	doc     []byte
}

// New builds the API on a.
func New(a *app.App) *API {
	x := &API{app: a, audit: store.NewAuditLog(a.DB), idem: store.NewIdempotency(a.DB), limit: a.Config.MaxBodyBytes}
	if x.limit <= 0 {
		x.limit = 1 << 20
	}
	x.ops = append(append(x.operations(), x.insightOps()...), x.analyticsOps()...)
	return x
}

// Routes lists every endpoint with its access rule and permission.
func (x *API) Routes() []server.Route {
	out := make([]server.Route, len(x.ops))
	for i, o := range x.ops {
		out[i] = o.route()
	}
	return out
}

// op is one operation: its route plus what the OpenAPI document says of it.
type op struct {
	method, path string // path without the method, e.g. /api/v1/members/{id}
	access       server.Access
	perm         auth.Permission
	handler      http.HandlerFunc

	id      string // operationId
	summary string
	desc    string
	tag     string
	body    string // request schema name ("" = no body)
	bodyOpt bool   // the body may be left out
	form    bool   // the body is multipart/form-data, not JSON
	status  int    // success status
	resp    string // success schema name ("" = no content)
	media   string // the success answer's media type when it is not JSON, e.g. text/csv
	located bool   // the success answer has a Location header
	query   []param
	idem    bool // accepts Idempotency-Key
	errs    []int
}

type param struct {
	name, typ, desc string
	enum            []string
}

func (o op) pattern() string { return o.method + " " + o.path }

func (o op) route() server.Route {
	return server.Route{Pattern: o.pattern(), Access: o.access, Perm: o.perm, Handler: o.handler}
}

// ---- helpers shared by the handlers ----

func (x *API) fail(w http.ResponseWriter, r *http.Request, err error) { server.Error(w, r, err) }

// decode reads a JSON body with the configured limit.
func (x *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return server.Decode(w, r, x.limit, v)
}

// hasBody reports whether the request carries a body at all, for
// endpoints whose body is optional.
func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody) ||
		r.Header.Get("Content-Type") != ""
}

// pathID parses the {name} wildcard; anything but a positive integer is
// the resource's not-found error.
func pathID(r *http.Request, name, notFound string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, linli.Errorf(linli.KindNotFound, notFound, "%q is not an id", s)
	}
	return id, nil
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, lo, hi int64) (int64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, linli.Invalid("request.query_invalid", name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// Cursors are opaque to clients: the last id of the page, tagged and
// base64-encoded so that nobody builds them by hand.
const cursorTag = "c1:"

func encodeCursor(id int64) *string {
	if id <= 0 {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(cursorTag + strconv.FormatInt(id, 10)))
	return &s
}

func decodeCursor(r *http.Request) (int64, error) {
	s := strings.TrimSpace(r.URL.Query().Get("cursor"))
	if s == "" {
		return 0, nil
	}
	bad := linli.Invalid("request.cursor_invalid", "cursor", "the cursor is not one this server gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	rest, ok := strings.CutPrefix(string(b), cursorTag)
	if !ok {
		return 0, bad
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, bad
	}
	return id, nil
}

// required reports a missing field.
func required(field string) error {
	return linli.Invalid("request.field_required", field, "%s is required", field)
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// created answers 201 with the new resource and where it lives.
func created(w http.ResponseWriter, collection string, id int64, v any) {
	w.Header().Set("Location", fmt.Sprintf("%s/%s/%d", Prefix, collection, id))
	server.JSON(w, http.StatusCreated, v)
}
