package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
)

type importJob struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Total     int64  `json:"total"`
	Done      int64  `json:"done"`
	Inserted  int64  `json:"inserted"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
	Errors    int64  `json:"errors"`
	Message   string `json:"message"`
}

// form builds a multipart body; a part named "file" is sent as a file
// called name.
func form(name string, parts map[string]string) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range parts {
		if k == "file" {
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write([]byte(v))
			continue
		}
		mw.WriteField(k, v)
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

func TestImportMembers(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	st1, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	st2, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S2", Name: "二号店"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []auth.StaffInput{
		{Username: "boss", Password: "password-123", Role: auth.RoleOwner, Lang: "en"},
		{Username: "mgr", Password: "password-123", Role: auth.RoleManager, StoreID: st1.ID},
	} {
		if _, err := a.Auth.CreateStaff(ctx, linli.System, s); err != nil {
			t.Fatal(err)
		}
	}
	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	as := func(user string) func(method, path, contentType string, body *bytes.Buffer) *httptest.ResponseRecorder {
		sess, _, err := a.Auth.Login(ctx, user, "password-123", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return func(method, path, contentType string, body *bytes.Buffer) *httptest.ResponseRecorder {
			t.Helper()
			var r *http.Request
			if body != nil {
				r = httptest.NewRequest(method, path, body)
				r.Header.Set("Content-Type", contentType)
			} else {
				r = httptest.NewRequest(method, path, nil)
			}
			r.Header.Set("Accept-Language", "en")
			r.AddCookie(&http.Cookie{Name: "linli_session", Value: sess.Token})
			r.Header.Set("X-CSRF-Token", sess.CSRF)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
	}
	boss := as("boss")
	matches := func(schema string, w *httptest.ResponseRecorder) {
		t.Helper()
		sch, err := compileComponent(x, schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatalf("%v: %s", err, w.Body)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("answer does not match %s: %v\n%s", schema, err, w.Body)
		}
	}
	// run imports csv and follows the job to its end.
	const csv = "姓名,手机号,性别,生日,小区\n张三,13800000001,男,1980-01-02,幸福里\n李四,12345,女,,阳光花园\n王五,13800000003,女,1990-05-06,幸福里\n"
	run := func() importJob {
		t.Helper()
		ct, body := form("会员.csv", map[string]string{"file": csv, "map": "name=姓名", "store_id": fmt.Sprint(st1.ID)})
		w := boss("POST", "/api/v1/imports/members", ct, body)
		if w.Code != http.StatusAccepted {
			t.Fatalf("start: %d %s", w.Code, w.Body)
		}
		matches("ImportJob", w)
		var j importJob
		json.Unmarshal(w.Body.Bytes(), &j)
		loc := w.Header().Get("Location")
		if loc != fmt.Sprintf("/api/v1/imports/%d", j.ID) || j.Status != "running" {
			t.Fatalf("Location %q, job %+v", loc, j)
		}
		deadline := time.Now().Add(10 * time.Second)
		for j.Status == "running" {
			if time.Now().After(deadline) {
				t.Fatalf("the import did not finish: %+v", j)
			}
			time.Sleep(20 * time.Millisecond)
			w = boss("GET", loc, "", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("poll: %d %s", w.Code, w.Body)
			}
			json.Unmarshal(w.Body.Bytes(), &j)
		}
		matches("ImportJob", w)
		return j
	}
	j := run()
	want := importJob{ID: j.ID, Status: "done", Total: 3, Done: 3, Inserted: 2, Errors: 1}
	if j != want {
		t.Errorf("job %+v, want %+v", j, want)
	}
	w := boss("GET", fmt.Sprintf("/api/v1/imports/%d/errors.csv", j.ID), "", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("errors.csv: %d %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	report := strings.TrimPrefix(w.Body.String(), "\uFEFF")
	lines := strings.Split(strings.TrimSpace(report), "\n")
	if len(lines) != 2 || lines[0] != "line,field,column,code,message" ||
		!strings.HasPrefix(lines[1], "3,phone,手机号,member.phone_invalid,") {
		t.Errorf("error report:\n%s", report)
	}
	ms, _, err := a.Members.List(ctx, linli.System, member.Filter{StoreID: st1.ID}, member.View{})
	if err != nil || len(ms) != 2 {
		t.Errorf("members of store 1: %d, %v", len(ms), err)
	}

	// The same file again changes nothing.
	j = run()
	want = importJob{ID: j.ID, Status: "done", Total: 3, Done: 3, Unchanged: 2, Errors: 1}
	if j != want {
		t.Errorf("second job %+v, want %+v", j, want)
	}

	// What goes wrong, and what it is called.
	mgr := as("mgr")
	csvForm := func(name string, parts map[string]string) (string, *bytes.Buffer) {
		if _, ok := parts["file"]; !ok {
			parts["file"] = csv
		}
		return form(name, parts)
	}
	for _, c := range []struct {
		name   string
		call   func() *httptest.ResponseRecorder
		status int
		code   string
	}{
		{"json body", func() *httptest.ResponseRecorder {
			return boss("POST", "/api/v1/imports/members", "application/json", bytes.NewBufferString(`{}`))
		}, http.StatusUnsupportedMediaType, "request.multipart_required"},
		{"no file", func() *httptest.ResponseRecorder {
			ct, b := form("", map[string]string{"map": ""})
			return boss("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusUnprocessableEntity, "import.file_required"},
		{"wrong type", func() *httptest.ResponseRecorder {
			ct, b := csvForm("list.pdf", map[string]string{})
			return boss("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusUnprocessableEntity, "import.file_type"},
		{"bad map", func() *httptest.ResponseRecorder {
			ct, b := csvForm("a.csv", map[string]string{"map": "nmae=姓名"})
			return boss("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusUnprocessableEntity, "import.unknown_field"},
		{"bad store id", func() *httptest.ResponseRecorder {
			ct, b := csvForm("a.csv", map[string]string{"store_id": "x"})
			return boss("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusUnprocessableEntity, "request.field_type"},
		{"no such store", func() *httptest.ResponseRecorder {
			ct, b := csvForm("a.csv", map[string]string{"store_id": "999"})
			return boss("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusUnprocessableEntity, "member.store_invalid"},
		{"another store's manager", func() *httptest.ResponseRecorder {
			ct, b := csvForm("a.csv", map[string]string{"store_id": fmt.Sprint(st2.ID)})
			return mgr("POST", "/api/v1/imports/members", ct, b)
		}, http.StatusForbidden, "auth.forbidden"},
		{"no such import", func() *httptest.ResponseRecorder {
			return boss("GET", "/api/v1/imports/999", "", nil)
		}, http.StatusNotFound, "import.not_found"},
		{"no such report", func() *httptest.ResponseRecorder {
			return boss("GET", "/api/v1/imports/999/errors.csv", "", nil)
		}, http.StatusNotFound, "import.not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.call()
			var p struct {
				Code   string `json:"code"`
				Detail string `json:"detail"`
			}
			json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != c.status || p.Code != c.code {
				t.Errorf("%d %s, want %d %s: %s", w.Code, p.Code, c.status, c.code, w.Body)
			}
			if p.Detail == "" || strings.Contains(p.Detail, c.code) {
				t.Errorf("detail %q", p.Detail)
			}
		})
	}
	// A store-bound manager imports into their own store by default.
	ct, b := form("m.csv", map[string]string{"file": "姓名,手机号\n赵六,13800000009\n"})
	if w := mgr("POST", "/api/v1/imports/members", ct, b); w.Code != http.StatusAccepted {
		t.Errorf("manager import: %d %s", w.Code, w.Body)
	}
	a.Imports.Wait()
	if m, err := a.Members.FindByPhone(ctx, linli.System, "13800000009", member.View{}); err != nil || m.StoreID != st1.ID {
		t.Errorf("manager's import: %+v, %v", m, err)
	}
}
