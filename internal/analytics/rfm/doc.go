// Package rfm scores members on recency, frequency and monetary value (RFM),
// names the segment each member falls in, and classes members as high, mid or
// low value by how often they buy and how much they spend per visit.
//
// # Input
//
// One Member per member: whole days from the last purchase to the as-of date,
// the number of purchase occasions, and the total spend over the same period.
// A member with Frequency 0 has not bought; it is not scored and gets the zero
// Score (segment None). Accumulator builds the input while sales lines stream
// past, with three numbers per member (memory grows with members, not lines).
//
// # Scores
//
// R, F and M are quintile scores 1–5 among the members scored (5 is best: most
// recent, most frequent, highest spend). A member's score on a measure is
//
//	score = 1 + ⌊5 · below / n⌋
//
// where n is the number of members scored and below the number of them with a
// strictly worse value (for R: a strictly longer time since the last purchase).
// This is the minimum-rank rule (SQL RANK(), pandas rank(method="min")):
// equal values always get the same score, the score is that of the first
// position of the tie block in sorted order, and when all values are distinct
// every score holds n/5 members (sizes differ by at most one). It is the same
// as pandas qcut(rank(method="first"), 5) when there are no ties; with ties
// qcut on "first" ranks would split equal members across scores by input
// order, which a member could not be told. A large tie block (one-time
// buyers, say) takes the lowest score it spans, so the scores above it may be
// skipped: one-time buyers are always F = 1.
//
// # Segments
//
// The segment comes from R and FM = ⌊(F + M) / 2⌋ on a 5 × 5 grid, the widely
// used RF segment map (R rows, F columns) with M folded into F and the
// bottom-left cell split off as "lost":
//
//	R \ FM   1               2                   3                   4          5
//	5        new             potential loyalist  potential loyalist  champions  champions
//	4        promising       potential loyalist  potential loyalist  loyal      loyal
//	3        about to sleep  about to sleep      need attention      loyal      loyal
//	2        hibernating     hibernating         at risk             at risk    can't lose
//	1        lost            hibernating         at risk             at risk    can't lose
//
// Segments are returned as keys; Names gives each in Simplified Chinese and
// English with a one-line suggested action.
//
// # Value class
//
// High, mid and low value follow the seed's "purchase frequency × average
// spend" split: frequency and average spend per occasion (Monetary/Frequency)
// are each put in thirds by the same minimum-rank rule (level 1–3), and the
// class comes from the sum of the two levels: 5–6 high, 4 mid, 2–3 low. So a
// member who buys often and spends a lot each time is high value; one who is
// in the top third on one axis and the bottom third on the other is mid.
//
// Everything is deterministic. Scores depend only on the values, not on the
// order of the members; summary sums are added in member order.
package rfm
