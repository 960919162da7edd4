//go:build linux

package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// postgresCPU is the CPU time (user and system) that the PostgreSQL server
// processes on this machine have used, those ended included (the
// postmaster's count of its reaped children): with the server on the same
// 2 cores, its share of a sale is part of the sale's cost. Zero when no
// server runs here.
func postgresCPU() time.Duration {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the fields after comm are separated by
		// single spaces; utime, stime, cutime, cstime are fields 14–17.
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || end < open || string(b[open+1:end]) != "postgres" {
			continue
		}
		f := bytes.Fields(b[end+1:])
		if len(f) < 15 {
			continue
		}
		for _, s := range f[11:15] { // fields 14–17, counting from pid = 1
			v, _ := strconv.ParseInt(string(s), 10, 64)
			ticks += v
		}
	}
	// Linux reports these in USER_HZ, 100 a second on every platform Go
	// supports.
	return time.Duration(ticks) * (time.Second / 100)
}
