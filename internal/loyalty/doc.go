// Package loyalty holds the rules of the points ledger as pure functions:
// what a basket earns, when a lot of points expires, which lots a spend
// consumes, and how much a refund takes back or gives back. Nothing here
// stores, serves or reads the clock; every instant and every time zone is an
// argument, so the same inputs always give the same points.
//
// Money is int64 fen, points int64, multipliers int64 per-mille (1000 = ×1,
// 1500 = ×1.5). Arithmetic is exact: products are formed in math/big and
// every division is stated below. Amounts are accepted up to MaxAmountFen
// (10^12 fen) per line and per basket; a result that would not fit an int64
// is an error, never a wrapped number.
//
// # Earning
//
// The base rate is Rules.PointsPer points per Rules.PerYuan yuan of eligible
// spend. A line's multiplier is its product multiplier if one is set, else its
// category multiplier, else ×1. Exclusions beat multipliers: an excluded
// product, or any product in an excluded category (tobacco, infant formula),
// earns nothing whatever else is configured.
//
// Stacking: of the promotions whose day and time window match the sale's
// local time (Basket.Location), only the highest multiplier applies;
// promotions never stack with each other. That one promotion multiplier, the
// line multiplier and the member's tier multiplier are multiplied together.
// Promotion days and windows are read on the store's wall clock, so a sale
// at 23:30 UTC falls on the next day in Asia/Shanghai, and on a day when
// clocks change a window like 07:00–09:00 still means what the clock on the
// wall says (a window inside a skipped hour never matches that day; one
// inside a repeated hour matches both times).
//
// Part paid with points or gift cards (PayPoints, PayGiftCard) earns
// nothing. That part pays for the whole basket, excluded lines included, so
// it is taken from every line in proportion to the line's amount. Each line's
// eligible amount is floored, and the fen left over (fewer than the number of
// lines) go one each to the lines with the largest remainders, ties to the
// earlier line, so the eligible amounts add up exactly to the basket total
// minus that part.
//
// Rounding of points: always down (floor), and once per basket, not once per
// line, so twenty items at 0.50 yuan earn ten points rather than none. The
// basket total is floor(Σ eligible_i × PointsPer × line_i × promotion × tier
// / (PerYuan × 100 × 1000³)). It is then shared among the lines for refunds:
// each earning line gets the floor of its exact share, and the points left
// over go one each to the largest remainders, ties to the earlier line. So
// the line points add up to the total and no line gets more than the ceiling
// of its exact share.
//
// Minimum spend: when the eligible spend of earning lines (after exclusions
// and after the part paid with points or gift cards) is below
// Rules.MinSpendFen, the basket earns nothing.
//
// # Lots and expiry
//
// Each earning opens a lot whose expiry is an exclusive bound: a lot is
// expired at t when t >= ExpiresAt; a zero ExpiresAt never expires. End of
// the following year is the first instant of 1 January two years after the
// year of earning, local time. Months(N) lasts through the whole local day
// N months after the day of earning (the day is clamped to the month's end,
// so 31 January + 1 month is the last day of February) and ends at the next
// local midnight. Spending consumes unexpired lots first to expire first;
// ties go to the lot earned first, then to the lowest id; lots that never
// expire come last.
//
// # Refunds
//
// A refund reverses the points of each refunded line pro rata and rounds
// down, computed on the running total: after refunds of r₁…r_k out of a
// line of size A, floor(earned × (r₁+…+r_k) / A) points have been taken back
// in all. So every partial refund rounds down, no sum of reversals exceeds
// what the line earned, and the refund that completes the line takes back
// exactly what is left. Points paid for a sale are given back the same way
// (ReverseRedemption). Whether a reversal may push a balance below zero is
// Rules.Debt: DebtForbid (default) takes only what the balance holds and
// reports the rest as unrecovered; DebtRecord lets the balance go negative.
package loyalty
