package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version and Commit are set at build time:
//
//	go build -ldflags "-X github.com/linli/linli/internal/cli.Version=1.2.0 -X github.com/linli/linli/internal/cli.Commit=$(git rev-parse --short HEAD)" ./cmd/linli
var (
	Version = "dev"
	Commit  = ""
)

var configCmd = &command{
	name:    "config",
	summary: "Print the effective configuration (secrets hidden).",
	help: `One KEY=VALUE line per option, each with where its value came from (flag,
env, file or default). The secret key is shown as *** and the database URL
without its password.`,
	run: func(ctx context.Context, e *env, c *invocation) int {
		if len(c.args) > 0 {
			return usageError(e, c, "unexpected argument %q", c.args[0])
		}
		if c.cfg.ConfigFile != "" {
			fmt.Fprintf(e.stdout, "# config file: %s\n", c.cfg.ConfigFile)
		}
		for _, l := range c.cfg.Dump() {
			fmt.Fprintln(e.stdout, l.String())
		}
		return exitOK
	},
}

var versionCmd = &command{
	name:    "version",
	summary: "Print the version, commit and Go version.",
	run: func(ctx context.Context, e *env, c *invocation) int {
		fmt.Fprintf(e.stdout, "linli %s\n", Version)
		commit, when, dirty := Commit, "", false
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					if commit == "" {
						commit = s.Value
					}
				case "vcs.time":
					when = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
		}
		if commit != "" {
			if dirty {
				commit += " (modified)"
			}
			fmt.Fprintf(e.stdout, "commit %s\n", commit)
		}
		if when != "" {
			fmt.Fprintf(e.stdout, "commit time %s\n", when)
		}
		fmt.Fprintf(e.stdout, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	},
}
