// Package config holds Linli's settings: one typed table of options, each
// with a default, a LINLI_* environment name, an optional command-line flag
// and a validation rule. The same table drives parsing, `linli config`
// output and the options table in the documentation.
//
// A setting is taken from the first of these that provides it:
//
//	flags  >  environment  >  config file  >  defaults
//
// Only flags that were given on the command line count; an environment
// variable set to the empty string counts as unset.
//
// The config file is optional. Its path comes from --config or LINLI_CONFIG;
// without either, <data-dir>/linli.conf is read when it exists (the data
// directory being the one named by the flag, the environment or the
// default). The file holds KEY=VALUE lines with the LINLI_* names, '#'
// comments, blank lines and optionally quoted values:
//
//	# /var/lib/linli/linli.conf
//	LINLI_ADDR=0.0.0.0:8080
//	LINLI_BASE_URL="https://vip.example.com"
//	LINLI_SECRET_KEY_FILE=secret.key   # relative paths start at this file
//
// Secrets (the master key and the database URL) can instead be read from a
// file named by the variable with _FILE appended, for Docker and systemd
// credentials; giving both forms in the same place is an error.
//
// A command uses it like this:
//
//	cfg := config.Default()
//	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
//	cfg.RegisterFlags(fs, true)
//	if err := fs.Parse(args); err != nil { … }
//	if err := cfg.Resolve(fs, os.Getenv); err != nil { … }
//
// The values held by cfg before Resolve are the defaults, so a command may
// change a default (and its --help text shows it) before registering flags.
// config.Resolve(fs, env) is the same starting from Default().
//
// Resolve validates every option and reports all bad ones at once, each
// error naming the variable and where its value came from.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/linli/linli/internal/privacy"
)

// Config is the effective configuration.
type Config struct {
	// ConfigFile is the config file that was read, empty when none was.
	ConfigFile string
	// DataDir holds the SQLite database, backups and uploaded imports.
	DataDir string
	// Addr is the host:port the HTTP server listens on.
	Addr string
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// SecretKey is the master key as written (hex or base64); see MasterKey.
	SecretKey string
	// BaseURL is the public address, used in QR codes and links. Without a
	// value it is derived from Addr.
	BaseURL string
	// CookieSecure is CookieAuto, CookieAlways or CookieNever.
	CookieSecure string
	// DefaultLang is the UI language for visitors without a preference.
	DefaultLang string
	LogLevel    slog.Level
	// LogFormat is "text" or "json".
	LogFormat string
	// MaxBodyBytes limits JSON and form request bodies.
	MaxBodyBytes int64
	// MaxUploadBytes limits import uploads.
	MaxUploadBytes int64
	// SessionTTL is how long a staff session lives.
	SessionTTL time.Duration
	// RetentionYears erases personal data of members inactive for that
	// many years; 0 turns the job off.
	RetentionYears int
	// Demo is set by the demo command; it is never read from outside.
	Demo bool

	sources map[string]Source
}

// Values of CookieSecure.
const (
	CookieAuto   = "auto"
	CookieAlways = "true"
	CookieNever  = "false"
)

// Languages the UI speaks.
const (
	LangChinese = "zh-CN"
	LangEnglish = "en"
)

// Source tells where an option's value came from.
type Source string

// Sources, from weakest to strongest.
const (
	SourceDefault Source = "default"
	SourceFile    Source = "file"
	SourceEnv     Source = "env"
	SourceFlag    Source = "flag"
)

// ErrNoSecretKey is returned by MasterKey when no key is configured.
var ErrNoSecretKey = errors.New("config: no secret key (set LINLI_SECRET_KEY or LINLI_SECRET_KEY_FILE)")

// Default returns the configuration made of defaults only.
func Default() *Config {
	c := &Config{sources: map[string]Source{}}
	for _, o := range Table {
		c.sources[o.Env] = SourceDefault
		if o.Default == "" {
			continue
		}
		if err := o.set(c, o.Default); err != nil {
			panic("config: bad default for " + o.Env + ": " + err.Error())
		}
	}
	c.BaseURL = deriveBaseURL(c.Addr)
	return c
}

// Source reports where the option with the given variable name (such as
// "LINLI_ADDR") got its value.
func (c *Config) Source(env string) Source {
	if s, ok := c.sources[env]; ok {
		return s
	}
	return SourceDefault
}

// Validate checks every option of c, which may have been changed by code
// after Resolve. The errors name the variables.
func (c *Config) Validate() error {
	var errs []error
	probe := &Config{}
	for _, o := range Table {
		if o.meta {
			continue
		}
		if err := o.set(probe, o.get(c)); err != nil {
			errs = append(errs, &OptionError{Name: o.Env, Err: err})
		}
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether the database is PostgreSQL rather than the
// embedded SQLite file.
func (c *Config) IsPostgres() bool { return c.DatabaseURL != "" }

// MasterKey decodes the secret key. It returns ErrNoSecretKey when none is
// configured, so that a caller may generate one.
func (c *Config) MasterKey() ([]byte, error) {
	if strings.TrimSpace(c.SecretKey) == "" {
		return nil, ErrNoSecretKey
	}
	k, err := privacy.ParseKey(c.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("config: LINLI_SECRET_KEY: %w", err)
	}
	return k, nil
}

// SecureCookies reports whether cookies get the Secure attribute. In auto
// mode they do when the public address is https or the request itself
// arrived over TLS.
func (c *Config) SecureCookies(requestTLS bool) bool {
	switch c.CookieSecure {
	case CookieAlways:
		return true
	case CookieNever:
		return false
	}
	return requestTLS || strings.HasPrefix(c.BaseURL, "https://")
}

// NewLogger builds the logger the options describe, writing to w.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OptionError is a bad value for one option.
type OptionError struct {
	Name  string // the variable, such as LINLI_ADDR
	Where string // "flag --addr", "environment", "/etc/linli.conf:3"; may be empty
	Err   error
}

func (e *OptionError) Error() string {
	if e.Where == "" {
		return "config: " + e.Name + ": " + e.Err.Error()
	}
	return "config: " + e.Name + " (from " + e.Where + "): " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// redactURL keeps scheme, user, host, database and parameters of a
// database URL and hides the password wherever it is written.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "***"
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(url.User(u.User.Username()).String())
		if _, ok := u.User.Password(); ok {
			b.WriteString(":***")
		}
		b.WriteString("@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); err == nil && strings.EqualFold(name, "password") {
				parts[i] = k + "=***"
			}
		}
		b.WriteString("?" + strings.Join(parts, "&"))
	}
	return b.String()
}
