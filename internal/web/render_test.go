package web

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// pageFS is the embedded templates plus or minus some files.
func pageFS(t *testing.T, add map[string]string, drop ...string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range drop {
		delete(m, p)
	}
	for p, s := range add {
		m[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func TestTemplateRegistry(t *testing.T) {
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		fs   fs.FS
		want string // "" = parses
	}{
		{"embedded", pageFS(t, nil), ""},
		{"unused template", pageFS(t, map[string]string{"templates/pages/orphan.html": `{{define "content"}}x{{end}}`}), "not used by any page"},
		{"missing template", pageFS(t, nil, "templates/pages/quality.html"), `page "quality" has no template`},
		{"unknown message", pageFS(t, map[string]string{"templates/pages/error.html": `{{define "content"}}{{t "web.no.such.key"}}{{end}}`}), "not in the catalog"},
		{"unknown asset", pageFS(t, map[string]string{"templates/pages/error.html": `{{define "content"}}{{asset "nope.css"}}{{end}}`}), `no asset "nope.css"`},
		{"no content", pageFS(t, map[string]string{"templates/pages/error.html": `{{define "other"}}{{end}}`}), `defines no "content"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseTemplates(c.fs, as.URL)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("parse: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestAssetURLs(t *testing.T) {
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js"} {
		u, err := as.URL(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u, "/assets/") || u == "/assets/"+name {
			t.Errorf("%s: URL %q carries no checksum", name, u)
		}
	}
	if _, err := as.URL("vendor/htmx.LICENSE"); err == nil {
		t.Error("the licence file is served")
	}
	if _, err := as.URL("missing.css"); err == nil {
		t.Error("a missing asset has a URL")
	}
}

func TestLocalPath(t *testing.T) {
	for _, c := range []struct {
		next string
		ok   bool
	}{
		{"/members", true},
		{"/members/1?unmask=1", true},
		{"", false},
		{"members", false},
		{"//evil.example/x", false},
		{"/\\evil.example", false},
		{"https://evil.example/", false},
		{"/ok\r\nSet-Cookie: x", false},
	} {
		if got := localPath(c.next); got != c.ok {
			t.Errorf("localPath(%q) = %v, want %v", c.next, got, c.ok)
		}
	}
}

func TestSplitTags(t *testing.T) {
	got := strings.Join(splitTags(" 生鲜, 夜间购物，价格敏感、 ;vip\n"), "|")
	if want := "生鲜|夜间购物|价格敏感|vip"; got != want {
		t.Errorf("splitTags = %q, want %q", got, want)
	}
}
