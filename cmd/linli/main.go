// Command linli is the whole of Linli in one binary; see "linli help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/linli/linli/internal/cli"
)

func main() {
	// The first SIGINT or SIGTERM asks the running command to stop cleanly;
	// after that the signal's default action applies, so a second one ends
	// the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
