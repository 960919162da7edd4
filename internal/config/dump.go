package config

import (
	"strings"
)

// Line is one option of the effective configuration.
type Line struct {
	Name   string // the variable, such as LINLI_ADDR
	Value  string // secrets hidden
	Source Source
}

// String writes the line as it would appear in a config file, with its
// source as a comment: LINLI_ADDR=127.0.0.1:8080  # default.
func (l Line) String() string {
	return l.Name + "=" + quote(l.Value) + "  # " + string(l.Source)
}

// Dump lists the effective configuration in table order. The master key is
// shown as *** and the database URL without its password.
func (c *Config) Dump() []Line {
	lines := make([]Line, 0, len(Table))
	for _, o := range Table {
		v := o.get(c)
		if o.Secret && v != "" {
			if o.hide != nil {
				v = o.hide(v)
			} else {
				v = "***"
			}
		}
		lines = append(lines, Line{Name: o.Env, Value: v, Source: c.Source(o.Env)})
	}
	return lines
}

// Markdown renders the options as a Markdown table for the documentation.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Variable | Flag | Default | Description |\n")
	b.WriteString("|---|---|---|---|\n")
	cell := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + cell(s) + "`"
	}
	for _, o := range Table {
		flag := ""
		if o.Flag != "" {
			flag = "--" + o.Flag
		}
		help := o.Help
		if o.Secret {
			help += " Secret: may instead be read from the file named by `" + o.Env + "_FILE`."
		}
		b.WriteString("| " + code(o.Env) + " | " + code(flag) + " | " + code(o.Default) + " | " + cell(help) + " |\n")
	}
	return b.String()
}
