package linli

// DefaultZone is the time zone of a chain with no store yet, and of what
// happens outside any store: stores default to it too (see the stores
// table), so days, weeks and expiries are counted as the shops count them.
const DefaultZone = "Asia/Shanghai"
