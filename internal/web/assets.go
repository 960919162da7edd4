package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// asset is one embedded file under its fingerprinted name.
type asset struct {
	body  []byte
	ctype string
}

// assetSet maps logical names ("app.css", "vendor/htmx.min.js") to URLs
// that carry a digest of the content ("/assets/app.3f2a9c1b.css"), so a
// browser may keep each file forever and still never sees a stale one.
type assetSet struct {
	urls  map[string]string // logical name → URL
	files map[string]asset  // fingerprinted name (without /assets/) → file
}

const assetPrefix = "/assets/"

func loadAssets() (*assetSet, error) {
	s := &assetSet{urls: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		ext := path.Ext(name)
		if ext != ".css" && ext != ".js" && ext != ".svg" && ext != ".png" && ext != ".ico" {
			return nil // licence texts travel with the source, not over HTTP
		}
		b, err := fs.ReadFile(assetFS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		fp := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		ctype := mime.TypeByExtension(ext)
		if ext == ".js" {
			ctype = "text/javascript; charset=utf-8"
		}
		s.urls[name] = assetPrefix + fp
		s.files[fp] = asset{body: b, ctype: ctype}
		return nil
	})
	return s, err
}

// URL returns the fingerprinted URL of a logical asset name; an unknown
// name is an error, so a template naming a missing file fails at start-up.
func (s *assetSet) URL(name string) (string, error) {
	u, ok := s.urls[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return u, nil
}

// ServeHTTP serves a fingerprinted asset with a year-long immutable cache.
// Paths may arrive with or without the /assets/ prefix.
func (s *assetSet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"), strings.TrimPrefix(assetPrefix, "/"))
	a, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(a.body)
}
