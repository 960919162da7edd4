package config

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the config file looked for in the data directory.
const FileName = "linli.conf"

// RegisterFlags adds --config, --data-dir, --database-url, --lang and
// --log-level to fs, and --addr when withAddr (commands that serve). The
// help text shows c's values as the defaults. Parsing fs changes nothing
// in c; Resolve reads the flags that were given.
func (c *Config) RegisterFlags(fs *flag.FlagSet, withAddr bool) {
	for _, o := range Table {
		if o.Flag == "" || (o.Flag == "addr" && !withAddr) {
			continue
		}
		def := o.get(c)
		if o.Secret || o.meta {
			def = ""
		}
		fs.String(o.Flag, def, o.Help)
	}
}

// Resolve is Default followed by Config.Resolve.
func Resolve(fs *flag.FlagSet, env func(string) string) (*Config, error) {
	c := Default()
	if err := c.Resolve(fs, env); err != nil {
		return nil, err
	}
	return c, nil
}

// Resolve layers the config file, the environment (read through env, such
// as os.Getenv) and the flags of fs that were set over c's current values,
// then validates. fs may be nil. On error c is left unchanged.
func (c *Config) Resolve(fs *flag.FlagSet, env func(string) string) error {
	if env == nil {
		env = func(string) string { return "" }
	}
	var errs []error
	flags := flagValues(fs)
	envs, err := envValues(env)
	if err != nil {
		errs = append(errs, err)
	}

	next := *c
	next.sources = maps.Clone(c.sources)
	if next.sources == nil {
		next.sources = map[string]Source{}
	}

	path, from, explicit := configPath(c, flags, envs)
	next.ConfigFile, next.sources["LINLI_CONFIG"] = "", from
	var file map[string]value
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			file, err = parseFile(path, data)
			if err != nil {
				errs = append(errs, err)
			}
			next.ConfigFile = path
		case explicit || !errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Errorf("config: read config file: %w", err))
		}
	}

	for _, o := range Table {
		if o.meta {
			continue
		}
		v, ok := flags[o.Env]
		if !ok {
			v, ok = envs[o.Env]
		}
		if !ok {
			v, ok = file[o.Env]
		}
		if !ok {
			if _, known := next.sources[o.Env]; !known {
				next.sources[o.Env] = SourceDefault
			}
			continue
		}
		text := v.text
		if v.file != "" {
			b, err := os.ReadFile(v.file)
			if err != nil {
				errs = append(errs, &OptionError{Name: o.Env + "_FILE", Where: v.where, Err: err})
				continue
			}
			text = strings.TrimSpace(string(b))
		}
		if err := o.set(&next, text); err != nil {
			errs = append(errs, &OptionError{Name: o.Env, Where: v.where, Err: err})
			continue
		}
		next.sources[o.Env] = v.source
	}

	// The public address follows the listening address unless it was given.
	if next.Source("LINLI_BASE_URL") == SourceDefault && (c.BaseURL == "" || c.BaseURL == deriveBaseURL(c.Addr)) {
		next.BaseURL = deriveBaseURL(next.Addr)
	}

	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	*c = next
	return nil
}

// value is one option's raw text as one layer gives it.
type value struct {
	text   string
	file   string // when set, the value is the content of this file
	source Source
	where  string
}

func flagValues(fs *flag.FlagSet) map[string]value {
	out := map[string]value{}
	if fs == nil {
		return out
	}
	byFlag := map[string]Option{}
	for _, o := range Table {
		if o.Flag != "" {
			byFlag[o.Flag] = o
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if o, ok := byFlag[f.Name]; ok {
			out[o.Env] = value{text: f.Value.String(), source: SourceFlag, where: "flag --" + f.Name}
		}
	})
	return out
}

func envValues(env func(string) string) (map[string]value, error) {
	out := map[string]value{}
	var errs []error
	for _, o := range Table {
		v := env(o.Env)
		if v != "" {
			out[o.Env] = value{text: v, source: SourceEnv, where: "environment"}
		}
		if !o.Secret {
			continue
		}
		f := env(o.Env + "_FILE")
		if f == "" {
			continue
		}
		if v != "" {
			errs = append(errs, &OptionError{Name: o.Env, Where: "environment", Err: fmt.Errorf("both %s and %s_FILE are set", o.Env, o.Env)})
			continue
		}
		out[o.Env] = value{file: f, source: SourceEnv, where: "environment " + o.Env + "_FILE"}
	}
	return out, errors.Join(errs...)
}

// configPath finds the config file: --config, LINLI_CONFIG, or linli.conf
// in the data directory, which is explicit==false and may be missing.
func configPath(c *Config, flags, envs map[string]value) (path string, from Source, explicit bool) {
	if v, ok := flags["LINLI_CONFIG"]; ok {
		return v.text, SourceFlag, true // --config= turns the file off
	}
	if v, ok := envs["LINLI_CONFIG"]; ok {
		return v.text, SourceEnv, true
	}
	dir := c.DataDir
	if v, ok := envs["LINLI_DATA_DIR"]; ok {
		dir = v.text
	}
	if v, ok := flags["LINLI_DATA_DIR"]; ok {
		dir = v.text
	}
	if strings.TrimSpace(dir) == "" {
		return "", SourceDefault, false
	}
	return filepath.Join(dir, FileName), SourceDefault, false
}

// parseFile reads KEY=VALUE lines. Every problem names its line, and all of
// them are reported together.
func parseFile(path string, data []byte) (map[string]value, error) {
	out := map[string]value{}
	seen := map[string]int{}
	var errs []error
	bad := func(n int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s:%d: %s", path, n, fmt.Sprintf(format, args...)))
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export "); ok {
			line = strings.TrimSpace(rest)
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			bad(n, "want KEY=VALUE, got %q", line)
			continue
		}
		key = strings.TrimSpace(key)
		o, known := lookup(key)
		isFile := false
		if !known {
			if base, ok := strings.CutSuffix(key, "_FILE"); ok {
				o, known = lookup(base)
				known = known && o.Secret
				isFile = true
			}
		}
		if !known {
			bad(n, "unknown option %q", key)
			continue
		}
		if o.meta {
			bad(n, "%s cannot be set inside the config file", key)
			continue
		}
		val, err := unquote(raw)
		if err != nil {
			bad(n, "%s: %v", key, err)
			continue
		}
		if prev, dup := seen[o.Env]; dup {
			bad(n, "%s is already set on line %d", o.Env, prev)
			continue
		}
		seen[o.Env] = n
		v := value{text: val, source: SourceFile, where: fmt.Sprintf("%s:%d", path, n)}
		if isFile {
			if val == "" {
				bad(n, "%s: empty file name", key)
				continue
			}
			if !filepath.IsAbs(val) {
				val = filepath.Join(filepath.Dir(path), val)
			}
			v.text, v.file = "", val
		}
		out[o.Env] = v
	}
	return out, errors.Join(errs...)
}

// unquote reads a value: "double quoted" with \" \\ \n \t escapes, 'single
// quoted' literally, or bare up to a '#' that follows a space.
func unquote(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" || (s[0] == '#' && s != raw) {
		return "", nil // KEY=  # comment
	}
	switch s[0] {
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch ch := s[i]; {
			case ch == '\\' && i+1 < len(s):
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case '"', '\\':
					b.WriteByte(s[i])
				default:
					b.WriteByte('\\')
					b.WriteByte(s[i])
				}
			case ch == '"':
				return b.String(), afterQuote(s[i+1:])
			default:
				b.WriteByte(ch)
			}
		}
		return "", errors.New("missing closing quote")
	case '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", errors.New("missing closing quote")
		}
		return s[1 : 1+end], afterQuote(s[end+2:])
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimSpace(s[:i]), nil
		}
	}
	return s, nil
}

func afterQuote(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" || rest[0] == '#' {
		return nil
	}
	return fmt.Errorf("unexpected %q after the closing quote", rest)
}

// quote writes v so that unquote reads it back.
func quote(v string) string {
	if !strings.ContainsAny(v, " \t\n#\"'\\") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(v) + `"`
}
