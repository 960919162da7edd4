package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/internal/privacy"
)

// Option describes one setting.
type Option struct {
	Name    string // the Config field
	Env     string // the variable, also the key in the config file
	Flag    string // the command-line flag without dashes; empty when none
	Default string // written as in the config file; empty when none or derived
	Help    string
	// Secret options are hidden by Dump and may be read from the file
	// named by Env+"_FILE".
	Secret bool

	meta bool // locates the config file; not a setting of its own
	set  func(c *Config, v string) error
	get  func(c *Config) string
	hide func(v string) string // how Dump shows a secret; nil means "***"
}

// Table lists every option in documentation order.
var Table = []Option{
	{
		Name: "ConfigFile", Env: "LINLI_CONFIG", Flag: "config",
		Help: "Config file of KEY=VALUE lines. Default: <data-dir>/linli.conf when it exists.",
		meta: true,
		set:  func(c *Config, v string) error { c.ConfigFile = v; return nil },
		get:  func(c *Config) string { return c.ConfigFile },
	},
	{
		Name: "DataDir", Env: "LINLI_DATA_DIR", Flag: "data-dir", Default: "./linli-data",
		Help: "Directory for the SQLite database, backups and uploads.",
		set: func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = strings.TrimSpace(v)
			return nil
		},
		get: func(c *Config) string { return c.DataDir },
	},
	{
		Name: "DatabaseURL", Env: "LINLI_DATABASE_URL", Flag: "database-url",
		Help:   "PostgreSQL URL (postgres://user:password@host/db). Empty: embedded SQLite in the data directory.",
		Secret: true,
		set:    setDatabaseURL,
		get:    func(c *Config) string { return c.DatabaseURL },
		hide:   redactURL,
	},
	{
		Name: "SecretKey", Env: "LINLI_SECRET_KEY",
		Help:   "Master key for personal data: 32 bytes as 64 hex digits or base64, e.g. from `openssl rand -hex 32`. Keep it safe: without it the personal data cannot be read.",
		Secret: true,
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" {
				if _, err := privacy.ParseKey(v); err != nil {
					return errors.New("the key must be 32 bytes written as 64 hex digits or base64")
				}
			}
			c.SecretKey = v
			return nil
		},
		get: func(c *Config) string { return c.SecretKey },
	},
	{
		Name: "Addr", Env: "LINLI_ADDR", Flag: "addr", Default: "127.0.0.1:8080",
		Help: "Address the HTTP server listens on (host:port).",
		set: func(c *Config, v string) error {
			host, port, err := net.SplitHostPort(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("want host:port, got %q", v)
			}
			if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
				return fmt.Errorf("bad port %q", port)
			}
			c.Addr = net.JoinHostPort(host, port)
			return nil
		},
		get: func(c *Config) string { return c.Addr },
	},
	{
		Name: "BaseURL", Env: "LINLI_BASE_URL",
		Help: "Public address used in QR codes and links, such as https://vip.example.com. Default: http://<addr>.",
		set:  setBaseURL,
		get:  func(c *Config) string { return c.BaseURL },
	},
	{
		Name: "CookieSecure", Env: "LINLI_COOKIE_SECURE", Default: CookieAuto,
		Help: "Secure cookies: auto (when the base URL is https or the request came over TLS), true or false.",
		set: func(c *Config, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "auto", "":
				c.CookieSecure = CookieAuto
			default:
				b, err := parseBool(v)
				if err != nil {
					return fmt.Errorf("want auto, true or false, got %q", v)
				}
				c.CookieSecure = strconv.FormatBool(b)
			}
			return nil
		},
		get: func(c *Config) string { return c.CookieSecure },
	},
	{
		Name: "DefaultLang", Env: "LINLI_LANG", Flag: "lang", Default: LangChinese,
		Help: "Default language of the interface: zh-CN or en.",
		set: func(c *Config, v string) error {
			switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(v), "_", "-")) {
			case "zh-cn", "zh", "zh-hans":
				c.DefaultLang = LangChinese
			case "en":
				c.DefaultLang = LangEnglish
			default:
				return fmt.Errorf("want zh-CN or en, got %q", v)
			}
			return nil
		},
		get: func(c *Config) string { return c.DefaultLang },
	},
	{
		Name: "LogLevel", Env: "LINLI_LOG_LEVEL", Flag: "log-level", Default: "info",
		Help: "Log level: debug, info, warn or error.",
		set: func(c *Config, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "debug":
				c.LogLevel = slog.LevelDebug
			case "info":
				c.LogLevel = slog.LevelInfo
			case "warn", "warning":
				c.LogLevel = slog.LevelWarn
			case "error":
				c.LogLevel = slog.LevelError
			default:
				return fmt.Errorf("want debug, info, warn or error, got %q", v)
			}
			return nil
		},
		get: func(c *Config) string { return strings.ToLower(c.LogLevel.String()) },
	},
	{
		Name: "LogFormat", Env: "LINLI_LOG_FORMAT", Default: "text",
		Help: "Log format: text or json.",
		set: func(c *Config, v string) error {
			switch f := strings.ToLower(strings.TrimSpace(v)); f {
			case "text", "json":
				c.LogFormat = f
			default:
				return fmt.Errorf("want text or json, got %q", v)
			}
			return nil
		},
		get: func(c *Config) string { return c.LogFormat },
	},
	{
		Name: "MaxBodyBytes", Env: "LINLI_MAX_BODY_BYTES", Default: "1MiB",
		Help: "Largest JSON or form request body, in bytes or with a unit (KiB, MiB, GiB).",
		set:  func(c *Config, v string) error { return setSize(&c.MaxBodyBytes, v) },
		get:  func(c *Config) string { return formatSize(c.MaxBodyBytes) },
	},
	{
		Name: "MaxUploadBytes", Env: "LINLI_MAX_UPLOAD_BYTES", Default: "64MiB",
		Help: "Largest import file upload, in bytes or with a unit (KiB, MiB, GiB).",
		set:  func(c *Config, v string) error { return setSize(&c.MaxUploadBytes, v) },
		get:  func(c *Config) string { return formatSize(c.MaxUploadBytes) },
	},
	{
		Name: "SessionTTL", Env: "LINLI_SESSION_TTL", Default: "12h",
		Help: "Lifetime of a staff session, such as 30m or 12h.",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("want a duration such as 12h or 30m, got %q", v)
			}
			if d < time.Minute {
				return fmt.Errorf("must be at least 1m, got %s", d)
			}
			c.SessionTTL = d
			return nil
		},
		get: func(c *Config) string { return formatDuration(c.SessionTTL) },
	},
	{
		Name: "RetentionYears", Env: "LINLI_RETENTION_YEARS", Default: "0",
		Help: "Erase the personal data of members inactive for this many years; 0 keeps it.",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("want a whole number of years from 0 to 100, got %q", v)
			}
			c.RetentionYears = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(c.RetentionYears) },
	},
}

func lookup(env string) (Option, bool) {
	for _, o := range Table {
		if o.Env == env {
			return o, true
		}
	}
	return Option{}, false
}

func setDatabaseURL(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		c.DatabaseURL = ""
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		// The parser's message quotes the URL, password included.
		return errors.New("not a valid URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("want a postgres:// URL or nothing for SQLite, got %q", redactURL(v))
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return fmt.Errorf("no host in %q", redactURL(v))
	}
	c.DatabaseURL = v
	return nil
}

func setBaseURL(c *Config, v string) error {
	v = strings.TrimSpace(v)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http:// or https:// URL, got %q", v)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("want no user, query or fragment, got %q", v)
	}
	c.BaseURL = strings.TrimRight(u.String(), "/")
	return nil
}

// deriveBaseURL guesses the public address from the listening address: a
// wildcard host becomes localhost, which is right on the shop's own PC.
func deriveBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	if port == "80" {
		if strings.Contains(host, ":") {
			return "http://[" + host + "]"
		}
		return "http://" + host
	}
	return "http://" + net.JoinHostPort(host, port)
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", v)
}

var sizeUnits = []struct {
	suffix string
	n      int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10},
	{"B", 1},
}

func setSize(dst *int64, v string) error {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(s) > len(u.suffix) && strings.EqualFold(s[len(s)-len(u.suffix):], u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a positive size such as 1048576 or 1MiB, got %q", v)
	}
	*dst = n * mult
	return nil
}

func formatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatDuration writes 12h rather than Go's 12h0m0s.
func formatDuration(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d > 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
