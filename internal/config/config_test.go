package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	hexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	b64Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// envMap turns a map into the env function Resolve takes.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// resolve registers the flags, parses args and resolves, as a command does.
func resolve(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	cfg := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.RegisterFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	err := cfg.Resolve(fs, envMap(env))
	return cfg, err
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Resolve(nil, envMap(map[string]string{"LINLI_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DefaultLang != "zh-CN" ||
		c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || c.MaxBodyBytes != 1<<20 ||
		c.MaxUploadBytes != 64<<20 || c.SessionTTL != 12*time.Hour || c.RetentionYears != 0 ||
		c.CookieSecure != CookieAuto || c.DatabaseURL != "" || c.SecretKey != "" || c.ConfigFile != "" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.IsPostgres() {
		t.Error("IsPostgres with no database URL")
	}
	if _, err := c.MasterKey(); !errors.Is(err, ErrNoSecretKey) {
		t.Errorf("MasterKey without key: %v", err)
	}
	if d := Default(); d.DataDir != "./linli-data" {
		t.Errorf("default data dir %q", d.DataDir)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "linli.conf", `
LINLI_ADDR=127.0.0.1:1001
LINLI_LANG=en
LINLI_LOG_LEVEL=debug
LINLI_SESSION_TTL=1h
`)
	env := map[string]string{
		"LINLI_CONFIG":    conf,
		"LINLI_ADDR":      "127.0.0.1:1002",
		"LINLI_LOG_LEVEL": "warn",
	}
	c, err := resolve(t, []string{"--addr", "127.0.0.1:1003"}, env)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env, want string
		source    Source
	}{
		{"LINLI_ADDR", "127.0.0.1:1003", SourceFlag},
		{"LINLI_LOG_LEVEL", "warn", SourceEnv},
		{"LINLI_LANG", "en", SourceFile},
		{"LINLI_SESSION_TTL", "1h", SourceFile},
		{"LINLI_LOG_FORMAT", "text", SourceDefault},
		{"LINLI_CONFIG", conf, SourceEnv},
		{"LINLI_BASE_URL", "http://127.0.0.1:1003", SourceDefault},
	}
	dump := map[string]Line{}
	for _, l := range c.Dump() {
		dump[l.Name] = l
	}
	for _, tt := range tests {
		l := dump[tt.env]
		if l.Value != tt.want || l.Source != tt.source {
			t.Errorf("%s = %q (%s), want %q (%s)", tt.env, l.Value, l.Source, tt.want, tt.source)
		}
	}
	if c.LogLevel != slog.LevelWarn || c.SessionTTL != time.Hour || c.DefaultLang != LangEnglish {
		t.Errorf("typed fields not set: %+v", c)
	}
}

func TestConfigFileInDataDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, FileName, "LINLI_LANG=en\n")

	// The data directory named by the flag decides where the file is.
	c, err := resolve(t, []string{"--data-dir", dir}, map[string]string{"LINLI_DATA_DIR": "/nonexistent"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultLang != LangEnglish || c.ConfigFile != filepath.Join(dir, FileName) {
		t.Errorf("file in data dir not read: lang %q, file %q", c.DefaultLang, c.ConfigFile)
	}

	// A missing default file is fine, a missing named one is not.
	if _, err := resolve(t, []string{"--data-dir", t.TempDir()}, nil); err != nil {
		t.Errorf("missing default file: %v", err)
	}
	_, err = resolve(t, []string{"--config", filepath.Join(dir, "nope.conf")}, nil)
	if err == nil || !strings.Contains(err.Error(), "nope.conf") {
		t.Errorf("missing named file: %v", err)
	}

	// --config= turns the file off.
	c, err = resolve(t, []string{"--data-dir", dir, "--config="}, nil)
	if err != nil || c.DefaultLang != LangChinese || c.ConfigFile != "" {
		t.Errorf("--config= still read the file: %v %q", err, c.DefaultLang)
	}
}

func TestFileParsing(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "a.conf", "\ufeff# comment\r\n"+
		"\r\n"+
		"   # indented comment\n"+
		"LINLI_DATA_DIR = \"/srv/linli data\"  # quoted with a comment\n"+
		"export LINLI_LANG='en'\n"+
		"LINLI_BASE_URL=https://vip.example.com/#x # unquoted, '#' inside kept\n"+
		"LINLI_DATABASE_URL=\"postgres://u:p\\\"w@db/linli\"\n"+
		"LINLI_MAX_UPLOAD_BYTES=8M\n"+
		"LINLI_SECRET_KEY=   # empty, with a comment\n"+
		"LINLI_RETENTION_YEARS=#1\n")
	got, err := parseFile(conf, mustRead(t, conf))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"LINLI_DATA_DIR":         "/srv/linli data",
		"LINLI_LANG":             "en",
		"LINLI_BASE_URL":         "https://vip.example.com/#x",
		"LINLI_DATABASE_URL":     `postgres://u:p"w@db/linli`,
		"LINLI_MAX_UPLOAD_BYTES": "8M",
		"LINLI_SECRET_KEY":       "",
		"LINLI_RETENTION_YEARS":  "#1",
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k].text != v {
			t.Errorf("%s = %q, want %q", k, got[k].text, v)
		}
	}
	if w := got["LINLI_LANG"].where; w != conf+":5" {
		t.Errorf("where = %q", w)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown key", "LINLI_LANG=en\n\nLINLI_COLOUR=blue\n", `:3: unknown option "LINLI_COLOUR"`},
		{"no equals", "# x\nLINLI_LANG\n", ":2: want KEY=VALUE"},
		{"unclosed quote", `LINLI_LANG="en`, ":1: LINLI_LANG: missing closing quote"},
		{"text after quote", `LINLI_LANG="en" zh`, ":1: LINLI_LANG: unexpected"},
		{"duplicate", "LINLI_LANG=en\nLINLI_LANG=zh-CN\n", ":2: LINLI_LANG is already set on line 1"},
		{"file and value", "LINLI_SECRET_KEY=x\nLINLI_SECRET_KEY_FILE=k\n", ":2: LINLI_SECRET_KEY is already set on line 1"},
		{"_FILE of non-secret", "LINLI_LANG_FILE=x\n", `:1: unknown option "LINLI_LANG_FILE"`},
		{"config inside config", "LINLI_CONFIG=/x\n", ":1: LINLI_CONFIG cannot be set"},
		{"bad value", "LINLI_RETENTION_YEARS=-1\n", "LINLI_RETENTION_YEARS (from "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := writeFile(t, t.TempDir(), "linli.conf", tt.text)
			_, err := resolve(t, []string{"--config", conf}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "key", hexKey+"\n")

	c, err := resolve(t, nil, map[string]string{"LINLI_SECRET_KEY_FILE": keyFile, "LINLI_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.MasterKey()
	if err != nil || len(k) != 32 || k[31] != 0x1f {
		t.Fatalf("MasterKey = %x, %v", k, err)
	}
	if c.Source("LINLI_SECRET_KEY") != SourceEnv {
		t.Errorf("source %s", c.Source("LINLI_SECRET_KEY"))
	}

	// In a config file, a relative path is relative to the file.
	writeFile(t, dir, "db", "postgres://linli:pw@db:5432/linli\n")
	conf := writeFile(t, dir, "linli.conf", "LINLI_SECRET_KEY_FILE=key\nLINLI_DATABASE_URL_FILE=db\n")
	c, err = resolve(t, []string{"--config", conf}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != hexKey || c.DatabaseURL != "postgres://linli:pw@db:5432/linli" || !c.IsPostgres() {
		t.Errorf("from file: key %q url %q", c.SecretKey, c.DatabaseURL)
	}

	// Both forms at once are ambiguous.
	_, err = resolve(t, nil, map[string]string{"LINLI_SECRET_KEY": hexKey, "LINLI_SECRET_KEY_FILE": keyFile, "LINLI_DATA_DIR": dir})
	if err == nil || !strings.Contains(err.Error(), "both LINLI_SECRET_KEY and LINLI_SECRET_KEY_FILE") {
		t.Errorf("both forms: %v", err)
	}

	// A missing file names the _FILE variable.
	_, err = resolve(t, nil, map[string]string{"LINLI_SECRET_KEY_FILE": filepath.Join(dir, "none"), "LINLI_DATA_DIR": dir})
	if err == nil || !strings.Contains(err.Error(), "LINLI_SECRET_KEY_FILE") {
		t.Errorf("missing secret file: %v", err)
	}

	// The environment beats the file even when the file uses _FILE.
	c, err = resolve(t, []string{"--config", conf}, map[string]string{"LINLI_SECRET_KEY": b64Key})
	if err != nil || c.SecretKey != b64Key {
		t.Errorf("env over file _FILE: %v %q", err, c.SecretKey)
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"addr without port", []string{"--addr", "localhost"}, nil, "LINLI_ADDR (from flag --addr): want host:port"},
		{"addr bad port", nil, map[string]string{"LINLI_ADDR": ":99999"}, "LINLI_ADDR (from environment): bad port"},
		{"lang", []string{"--lang", "fr"}, nil, "LINLI_LANG (from flag --lang)"},
		{"log level", nil, map[string]string{"LINLI_LOG_LEVEL": "loud"}, "LINLI_LOG_LEVEL"},
		{"log format", nil, map[string]string{"LINLI_LOG_FORMAT": "xml"}, "LINLI_LOG_FORMAT"},
		{"key", nil, map[string]string{"LINLI_SECRET_KEY": "abcd"}, "LINLI_SECRET_KEY (from environment): the key must be"},
		{"ttl zero", nil, map[string]string{"LINLI_SESSION_TTL": "0s"}, "LINLI_SESSION_TTL"},
		{"ttl negative", nil, map[string]string{"LINLI_SESSION_TTL": "-1h"}, "LINLI_SESSION_TTL"},
		{"ttl unitless", nil, map[string]string{"LINLI_SESSION_TTL": "12"}, "LINLI_SESSION_TTL"},
		{"body size", nil, map[string]string{"LINLI_MAX_BODY_BYTES": "0"}, "LINLI_MAX_BODY_BYTES"},
		{"upload size", nil, map[string]string{"LINLI_MAX_UPLOAD_BYTES": "lots"}, "LINLI_MAX_UPLOAD_BYTES"},
		{"retention", nil, map[string]string{"LINLI_RETENTION_YEARS": "x"}, "LINLI_RETENTION_YEARS"},
		{"cookie", nil, map[string]string{"LINLI_COOKIE_SECURE": "maybe"}, "LINLI_COOKIE_SECURE"},
		{"base url relative", nil, map[string]string{"LINLI_BASE_URL": "vip.example.com"}, "LINLI_BASE_URL"},
		{"base url query", nil, map[string]string{"LINLI_BASE_URL": "https://x.cn/?a=1"}, "LINLI_BASE_URL"},
		{"database scheme", []string{"--database-url", "mysql://u:secret@h/db"}, nil, "LINLI_DATABASE_URL (from flag --database-url)"},
		{"data dir empty", []string{"--data-dir", ""}, nil, "LINLI_DATA_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			args := append([]string{"--config="}, tt.args...)
			_, err := resolve(t, args, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Errorf("not an *OptionError: %T", err)
			}
			if strings.Contains(err.Error(), "secret") && strings.Contains(tt.name, "database") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, err := resolve(t, []string{"--config=", "--lang", "fr"}, map[string]string{"LINLI_ADDR": "x", "LINLI_LOG_FORMAT": "xml"})
	for _, name := range []string{"LINLI_LANG", "LINLI_ADDR", "LINLI_LOG_FORMAT"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

func TestResolveKeepsConfigOnError(t *testing.T) {
	c := Default()
	c.DataDir = t.TempDir()
	if err := c.Resolve(nil, envMap(map[string]string{"LINLI_LANG": "en", "LINLI_ADDR": "bad"})); err == nil {
		t.Fatal("no error")
	}
	if c.DefaultLang != LangChinese {
		t.Errorf("config changed on error: lang %q", c.DefaultLang)
	}
}

func TestAcceptedForms(t *testing.T) {
	tests := []struct {
		env, in string
		check   func(*Config) bool
	}{
		{"LINLI_LANG", "zh_cn", func(c *Config) bool { return c.DefaultLang == LangChinese }},
		{"LINLI_LANG", "EN", func(c *Config) bool { return c.DefaultLang == LangEnglish }},
		{"LINLI_LOG_LEVEL", "ERROR", func(c *Config) bool { return c.LogLevel == slog.LevelError }},
		{"LINLI_MAX_BODY_BYTES", "512KiB", func(c *Config) bool { return c.MaxBodyBytes == 512<<10 }},
		{"LINLI_MAX_BODY_BYTES", "2 MB", func(c *Config) bool { return c.MaxBodyBytes == 2e6 }},
		{"LINLI_MAX_BODY_BYTES", "1000", func(c *Config) bool { return c.MaxBodyBytes == 1000 }},
		{"LINLI_COOKIE_SECURE", "yes", func(c *Config) bool { return c.CookieSecure == CookieAlways }},
		{"LINLI_COOKIE_SECURE", "0", func(c *Config) bool { return c.CookieSecure == CookieNever }},
		{"LINLI_SECRET_KEY", b64Key, func(c *Config) bool { k, err := c.MasterKey(); return err == nil && len(k) == 32 }},
		{"LINLI_BASE_URL", "https://vip.example.com/shop/", func(c *Config) bool { return c.BaseURL == "https://vip.example.com/shop" }},
		{"LINLI_ADDR", ":9000", func(c *Config) bool { return c.BaseURL == "http://localhost:9000" }},
		{"LINLI_ADDR", "[::]:80", func(c *Config) bool { return c.BaseURL == "http://localhost" }},
		{"LINLI_ADDR", "[::1]:8081", func(c *Config) bool { return c.BaseURL == "http://[::1]:8081" }},
		{"LINLI_RETENTION_YEARS", "5", func(c *Config) bool { return c.RetentionYears == 5 }},
		{"LINLI_DATABASE_URL", "postgresql://linli@/linli?host=/run/postgresql", func(c *Config) bool { return c.IsPostgres() }},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.in, func(t *testing.T) {
			c, err := resolve(t, []string{"--config="}, map[string]string{tt.env: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected result: %+v", c)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate after Resolve: %v", err)
			}
		})
	}
}

func TestValidateAfterChange(t *testing.T) {
	c := Default()
	c.SessionTTL = 0
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "LINLI_SESSION_TTL") {
		t.Errorf("Validate: %v", err)
	}
}

func TestSecureCookies(t *testing.T) {
	tests := []struct {
		mode, base string
		tls, want  bool
	}{
		{CookieAuto, "http://localhost:8080", false, false},
		{CookieAuto, "http://localhost:8080", true, true},
		{CookieAuto, "https://vip.example.com", false, true},
		{CookieAlways, "http://localhost:8080", false, true},
		{CookieNever, "https://vip.example.com", true, false},
	}
	for _, tt := range tests {
		c := &Config{CookieSecure: tt.mode, BaseURL: tt.base}
		if got := c.SecureCookies(tt.tls); got != tt.want {
			t.Errorf("%s %s tls=%v: %v", tt.mode, tt.base, tt.tls, got)
		}
	}
}

func TestDumpHidesSecrets(t *testing.T) {
	c, err := resolve(t, []string{"--config=", "--database-url", "postgres://linli:s3cret@db.local:5432/linli?sslmode=require&password=s3cret"},
		map[string]string{"LINLI_SECRET_KEY": hexKey})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, l := range c.Dump() {
		all = append(all, l.String())
		switch l.Name {
		case "LINLI_SECRET_KEY":
			if l.Value != "***" || l.Source != SourceEnv {
				t.Errorf("key line %v", l)
			}
		case "LINLI_DATABASE_URL":
			want := "postgres://linli:***@db.local:5432/linli?sslmode=require&password=***"
			if l.Value != want || l.Source != SourceFlag {
				t.Errorf("database line %q, want %q", l.Value, want)
			}
		}
	}
	text := strings.Join(all, "\n")
	if strings.Contains(text, "s3cret") || strings.Contains(text, hexKey) {
		t.Errorf("dump shows a secret:\n%s", text)
	}
	if !strings.Contains(text, "LINLI_ADDR=127.0.0.1:8080  # default") {
		t.Errorf("dump format:\n%s", text)
	}
	if len(all) != len(Table) {
		t.Errorf("dump has %d lines, table %d", len(all), len(Table))
	}
}

// The dump, secrets aside, is itself a valid config file.
func TestDumpRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := resolve(t, []string{"--config=", "--data-dir", filepath.Join(dir, "a #b 'c'")},
		map[string]string{"LINLI_SESSION_TTL": "90m", "LINLI_MAX_UPLOAD_BYTES": "1500", "LINLI_LANG": "en"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range c.Dump() {
		if l.Name == "LINLI_CONFIG" || strings.HasPrefix(l.Value, "***") {
			continue
		}
		b.WriteString(l.String() + "\n")
	}
	conf := writeFile(t, dir, "dump.conf", b.String())
	d, err := resolve(t, []string{"--config", conf}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	d.ConfigFile, c.ConfigFile = "", ""
	d.sources, c.sources = nil, nil
	if !reflect.DeepEqual(d, c) {
		t.Errorf("round trip differs:\n%+v\n%+v", d, c)
	}
}

func TestRegisterFlags(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c := Default()
	c.DataDir = "/var/lib/linli"
	c.RegisterFlags(fs, false)
	for _, name := range []string{"config", "data-dir", "database-url", "lang", "log-level"} {
		if fs.Lookup(name) == nil {
			t.Errorf("flag --%s missing", name)
		}
	}
	if fs.Lookup("addr") != nil {
		t.Error("--addr registered without withAddr")
	}
	if got := fs.Lookup("data-dir").DefValue; got != "/var/lib/linli" {
		t.Errorf("data-dir default %q", got)
	}
	// The command's own default survives Resolve.
	if err := c.Resolve(fs, envMap(nil)); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/linli" || c.Source("LINLI_DATA_DIR") != SourceDefault {
		t.Errorf("data dir %q from %s", c.DataDir, c.Source("LINLI_DATA_DIR"))
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	for _, o := range Table {
		if !strings.Contains(md, "`"+o.Env+"`") {
			t.Errorf("markdown lacks %s", o.Env)
		}
	}
	for _, s := range []string{"| `LINLI_ADDR` | `--addr` | `127.0.0.1:8080` |", "`LINLI_SECRET_KEY_FILE`"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if n := strings.Count(md, "\n"); n != len(Table)+2 {
		t.Errorf("markdown has %d lines", n)
	}
}

func TestTableDefaultsRoundTrip(t *testing.T) {
	c := Default()
	for _, o := range Table {
		if o.meta || o.Default == "" {
			continue
		}
		if got := o.get(c); got != o.Default {
			t.Errorf("%s: default %q reads back as %q", o.Env, o.Default, got)
		}
	}
}
