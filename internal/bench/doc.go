// Package bench holds end-to-end benchmarks that cross packages: a till's
// sale over HTTP down to the database, compared with the bare database doing
// the same writes, and the whole-store analysis on a large data directory,
// phase by phase. It has no code of its own; see docs/PERFORMANCE.md.
package bench
