// Package bench holds end-to-end benchmarks that cross packages: a till's
// sale over HTTP down to the database, compared with the bare database doing
// the same writes. It has no code of its own; see docs/PERFORMANCE.md.
package bench
