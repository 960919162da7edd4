// Package insight runs the pure analyses of internal/analytics on the
// store's own sales: association rules on baskets (basket), lifecycle
// stages and their flows (lifecycle), groups by age band, gender and area
// (groups), shopping habits (habits) and weekly category forecasts
// (forecast).
//
// The package holds no storage and speaks no HTTP: it reads through the
// small Store interface, whose implementation streams rows or SQL
// aggregates, so memory grows with members, products and categories, never
// with sale lines. Only counted sales are read: completed ones (voided and
// wholly refunded sales have their own statuses), at their amount net of
// refunds, and lines not refunded in full.
//
// Periods are calendar dates in the store's time zone (the first store's
// for the whole chain), both ends included. Results are cached per set of
// parameters (see CacheTTL: a result older than a few minutes is answered
// while a fresh one is computed); each result says when it was computed
// and which period it covers, so a page can state its bounds.
//
// Personal data: group analysis needs gender, birth year and area, which
// the schema keeps in clear for exactly this use (the day and month of a
// birthday stay sealed), so nothing is decrypted here. An age is the age
// reached in the period's last calendar year.
package insight
