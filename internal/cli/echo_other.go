//go:build !linux

package cli

import (
	"bufio"
	"os"
)

// readHidden reads a line; without a portable way to turn echo off here,
// the password is shown as it is typed.
func readHidden(f *os.File, r *bufio.Reader) (string, error) { return readLine(r) }
