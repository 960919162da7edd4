package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// passwordSource says where a command takes a password from.
type passwordSource struct {
	flag      string // --password, visible in ps
	fromStdin bool   // --password-stdin
}

// readPassword gets a password from --password-stdin (the first line of
// stdin), --password, or a prompt when stdin is a terminal. It never falls
// back to reading a pipe unasked, so a script that forgot the flag fails
// instead of hanging.
func readPassword(e *env, src passwordSource) (string, error) {
	switch {
	case src.fromStdin && src.flag != "":
		return "", errors.New("give either --password or --password-stdin, not both")
	case src.fromStdin:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	case src.flag != "":
		return src.flag, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return "", errors.New("no password given: use --password-stdin (echo \"$PW\" | linli … --password-stdin) or run in a terminal")
	}
	r := bufio.NewReader(f)
	fmt.Fprint(e.stderr, "Password: ")
	pw, err := readHidden(f, r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Repeat password: ")
	again, err := readHidden(f, r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the passwords differ")
	}
	return pw, nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// readLine reads one line without its line ending.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
