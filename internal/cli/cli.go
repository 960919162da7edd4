// Package cli is the linli command line: serve, demo, migrate, user,
// import, export, backup, restore, stats, check, report, tiers, config
// and version. Every command resolves the configuration the same way (flags >
// environment > config file > defaults) and speaks to the domain through
// internal/app.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/linli/linli/internal/config"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	args    string // positional arguments, for the usage line
	summary string
	help    string // longer text under the usage line
	// addr registers --addr (commands that serve).
	addr bool
	// flags adds the command's own flags.
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, e *env, c *invocation) int
}

// invocation is a parsed command line.
type invocation struct {
	cmd  *command
	fs   *flag.FlagSet
	cfg  *config.Config
	args []string // positional arguments
	log  *slog.Logger
}

// commands in the order usage lists them.
var commands []*command

func init() {
	commands = []*command{serveCmd, demoCmd, migrateCmd, userCmd, importCmd, exportCmd,
		backupCmd, restoreCmd, statsCmd, checkCmd, reportCmd, tiersCmd, analyzeCmd, configCmd, versionCmd}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Run runs the linli command line with args (without the program name) and
// returns the exit code: 0 success, 1 failure, 2 bad usage.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			c := lookup(args[1])
			if c == nil {
				fmt.Fprintf(stderr, "linli: unknown command %q\n\n", args[1])
				usage(stderr)
				return exitUsage
			}
			commandUsage(stdout, c, newFlagSet(c))
			return exitOK
		}
		usage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "linli: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	inv, code := parse(e, c, args[1:])
	if inv == nil {
		return code
	}
	return c.run(ctx, e, inv)
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("linli "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config.Default().RegisterFlags(fs, c.addr)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

// parse reads the flags, which may come before, between or after the
// positional arguments ("import members FILE --data-dir D"), and resolves
// the configuration. A nil invocation means: exit with the code.
func parse(e *env, c *command, args []string) (*invocation, int) {
	fs := newFlagSet(c)
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(e.stdout, c, fs)
			return nil, exitOK
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "linli %s: %v\n\n", c.name, err)
			commandUsage(e.stderr, c, fs)
			return nil, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	cfg := config.Default()
	if err := cfg.Resolve(fs, e.getenv); err != nil {
		fmt.Fprintf(e.stderr, "linli %s: %v\n", c.name, err)
		return nil, exitFail
	}
	log := cfg.NewLogger(e.stderr)
	slog.SetDefault(log)
	return &invocation{cmd: c, fs: fs, cfg: cfg, args: pos, log: log}, exitOK
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Linli (邻里) — customer relationship and loyalty for community supermarkets.

Usage: linli COMMAND [options] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes --data-dir (LINLI_DATA_DIR), --config, --database-url,
--lang and --log-level; serve and demo take --addr (LINLI_ADDR).
Run "linli help COMMAND" or "linli COMMAND --help" for a command's options,
and "linli config" for the effective configuration.
`)
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: linli %s [options]", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	fmt.Fprint(w, "\nOptions:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// fail prints err for the command and returns exitFail.
func fail(e *env, c *invocation, err error) int {
	fmt.Fprintf(e.stderr, "linli %s: %v\n", c.cmd.name, err)
	return exitFail
}

// usageError prints a usage problem with the command's usage.
func usageError(e *env, c *invocation, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "linli %s: %s\n\n", c.cmd.name, fmt.Sprintf(format, args...))
	commandUsage(e.stderr, c.cmd, c.fs)
	return exitUsage
}
