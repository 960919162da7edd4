package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/shop"
)

func openApp(t *testing.T) *app.App {
	t.Helper()
	auth.HashParams = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = privacy.NewKey()
	a, err := app.Open(context.Background(), cfg, app.Migrate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func document(t *testing.T, x *api.API) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(x.OpenAPI(), &doc); err != nil {
		t.Fatalf("the document does not parse: %v", err)
	}
	return doc
}

// TestOpenAPIDocument checks the document's own consistency: every route
// is described, every reference resolves, every operation is complete.
func TestOpenAPIDocument(t *testing.T) {
	x := api.New(openApp(t))
	doc := document(t, x)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	ids := map[string]bool{}
	wildcard := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, rt := range x.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		item, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("%s is not in the document", path)
			continue
		}
		o, ok := item[strings.ToLower(method)].(map[string]any)
		if !ok {
			t.Errorf("%s has no %s operation", path, method)
			continue
		}
		id, _ := o["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", rt.Pattern, id)
		}
		ids[id] = true
		if o["summary"] == "" || len(o["tags"].([]any)) == 0 {
			t.Errorf("%s: no summary or tag", rt.Pattern)
		}
		responses := o["responses"].(map[string]any)
		problem4xx := false
		for code, r := range responses {
			ref, _ := r.(map[string]any)["$ref"].(string)
			if strings.HasPrefix(code, "4") && ref == "#/components/responses/Problem" {
				problem4xx = true
			}
		}
		if !problem4xx {
			t.Errorf("%s: no 4xx problem response", rt.Pattern)
		}
		var declared []string
		params, _ := o["parameters"].([]any)
		for _, p := range params {
			pm := p.(map[string]any)
			if pm["in"] == "path" {
				declared = append(declared, pm["name"].(string))
			}
		}
		for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
			if !slices.Contains(declared, m[1]) {
				t.Errorf("%s: path parameter %s not declared", rt.Pattern, m[1])
			}
		}
		if want := rt.Perm; want != "" && o["x-linli-permission"] != string(want) {
			t.Errorf("%s: x-linli-permission %v, want %s", rt.Pattern, o["x-linli-permission"], want)
		}
	}
	if len(ids) != len(x.Routes()) {
		t.Errorf("%d operations for %d routes", len(ids), len(x.Routes()))
	}

	// Every $ref points at something.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolve(doc, ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")
}

func resolve(doc map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("reference %q is not local", ref)
	}
	var cur any = doc
	for _, part := range strings.Split(ptr, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q does not resolve", ref)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("reference %q does not resolve", ref)
		}
	}
	return cur, nil
}

const oasSchemaURL = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"

// TestOpenAPISchema validates the document against the official OpenAPI
// 3.1 schema, and each component schema against JSON Schema 2020-12.
func TestOpenAPISchema(t *testing.T) {
	x := api.New(openApp(t))
	c := jsonschema.NewCompiler()
	f, err := os.Open("testdata/openapi-3.1-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	meta, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(oasSchemaURL, meta); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(oasSchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(x.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	// The validator must be able to say no.
	broken := inst.(map[string]any)
	broken["paths"].(map[string]any)["/api/v1/members"].(map[string]any)["get"].(map[string]any)["responses"] = "none"
	if err := sch.Validate(broken); err == nil {
		t.Error("a document with broken responses passed validation")
	}
	for name := range document(t, x)["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := compileComponent(x, name); err != nil {
			t.Errorf("component %s: %v", name, err)
		}
	}
}

func compileComponent(x *api.API, name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(x.OpenAPI()))
	if err != nil {
		return nil, err
	}
	if err := c.AddResource("https://linli.invalid/openapi.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("https://linli.invalid/openapi.json#/components/schemas/" + name)
}

// TestAnswersMatchSchemas calls endpoints and validates what they answer
// against the schemas the document promises.
func TestAnswersMatchSchemas(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateStaff(ctx, linli.System, auth.StaffInput{Username: "boss", Password: "password-123", Role: auth.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	sess, _, err := a.Auth.Login(ctx, "boss", "password-123", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	h, err := router.New(a)
	if err != nil {
		t.Fatal(err)
	}
	x := api.New(a)
	call := func(method, path, body string) *httptest.ResponseRecorder {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		r.AddCookie(&http.Cookie{Name: "linli_session", Value: sess.Token})
		r.Header.Set("X-CSRF-Token", sess.CSRF)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	created := call("POST", "/api/v1/members?unmask=1",
		`{"name":"李四","phone":"13700000000","birthday":"1990-05-01","tags":["vip"],"consent":{"sms":true}}`)
	var m struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(created.Body.Bytes(), &m)
	keyBody := fmt.Sprintf(`{"name":"till","store_id":%d}`, st.ID)
	for _, c := range []struct {
		method, path, body, schema string
		status                     int
	}{
		{"GET", fmt.Sprintf("/api/v1/members/%d", m.ID), "", "Member", 200},
		{"GET", "/api/v1/members?limit=1", "", "MemberPage", 200},
		{"GET", "/api/v1/members/search?q=13700000000", "", "MemberList", 200},
		{"GET", fmt.Sprintf("/api/v1/members/%d/qr", m.ID), "", "QRCode", 200},
		{"GET", fmt.Sprintf("/api/v1/members/%d/export", m.ID), "", "MemberExport", 200},
		{"GET", "/api/v1/members/duplicates", "", "DuplicateList", 200},
		{"GET", "/api/v1/reports/data-quality", "", "QualityReport", 200},
		{"GET", "/api/v1/stores", "", "StoreList", 200},
		{"GET", "/api/v1/staff", "", "StaffList", 200},
		{"POST", "/api/v1/api-keys", keyBody, "APIKeyCreated", 201},
		{"GET", "/api/v1/api-keys", "", "APIKeyList", 200},
		{"GET", "/api/v1/audit", "", "AuditPage", 200},
		{"GET", "/api/v1/me", "", "Me", 200},
		{"POST", "/api/v1/members", `{"name":"","phone":"1"}`, "Problem", 422},
	} {
		w := call(c.method, c.path, c.body)
		if w.Code != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, w.Code, c.status, w.Body)
			continue
		}
		sch, err := compileComponent(x, c.schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s %s does not match %s: %v\n%s", c.method, c.path, c.schema, err, w.Body)
		}
	}
	// And the schemas are strict enough to notice the wrong answer.
	store, _ := compileComponent(x, "Store")
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(call("GET", fmt.Sprintf("/api/v1/members/%d", m.ID), "").Body.Bytes()))
	if store.Validate(inst) == nil {
		t.Error("a member passed as a store")
	}
}
