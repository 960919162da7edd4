// Package locale translates Linli's messages into Simplified Chinese and
// English. Messages live in embedded JSON catalogs, one file per area and
// language (messages/errors.zh-CN.json, messages/web.en.json …); a key
// missing in one language falls back to English, then to the key itself,
// and a test checks that both languages define the same keys.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// Languages Linli speaks. The first is the default.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Supported lists the languages in the order a picker shows them.
var Supported = []string{Chinese, English}

//go:embed messages/*.json
var files embed.FS

// The catalogs are parsed on first use, not at start-up: most runs of
// the binary (a CLI command) never translate anything.
var (
	loadOnce sync.Once
	catalogs map[string]map[string]string
)

// Warm parses the catalogs now, so that a server's first request does not
// pay for it.
func Warm() { catalog(Chinese) }

// catalog returns the messages of lang.
func catalog(lang string) map[string]string {
	loadOnce.Do(func() {
		c, err := load(files)
		if err != nil {
			panic(err) // the catalogs are part of the build; a broken one is a bug
		}
		catalogs = c
	})
	return catalogs[lang]
}

func load(fsys fs.FS) (map[string]map[string]string, error) {
	catalogs := map[string]map[string]string{}
	names, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(name[len("messages/"):], ".json")
		i := strings.IndexByte(base, '.')
		if i < 0 {
			return nil, fmt.Errorf("locale: %s: want AREA.LANG.json", name)
		}
		lang := base[i+1:]
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("locale: %s: %w", name, err)
		}
		if catalogs[lang] == nil {
			catalogs[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := catalogs[lang][k]; dup {
				return nil, fmt.Errorf("locale: %s: key %q defined twice", name, k)
			}
			catalogs[lang][k] = v
		}
	}
	return catalogs, nil
}

// Normalize maps any spelling of a supported language ("zh", "zh_CN",
// "zh-Hans", "EN-us") to its canonical tag, or "" when unsupported.
func Normalize(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case strings.HasPrefix(t, "zh"):
		return Chinese
	case strings.HasPrefix(t, "en"):
		return English
	}
	return ""
}

// Negotiate picks the best supported language from an Accept-Language
// header, honouring q-values; fallback when nothing matches.
func Negotiate(header, fallback string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		if l := Normalize(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// Has reports whether key is defined in English (every key must be).
func Has(key string) bool {
	_, ok := catalog(English)[key]
	return ok
}

// T returns the message for key in lang, formatted with args when given.
func T(lang, key string, args ...any) string {
	msg, ok := catalog(lang)[key]
	if !ok {
		msg, ok = catalog(English)[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Keys lists every key of a language, sorted (for tests and tooling).
func Keys(lang string) []string {
	var ks []string
	for k := range catalog(lang) {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
