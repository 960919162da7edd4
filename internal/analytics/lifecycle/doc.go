// Package lifecycle places every member in a lifecycle stage at the end of
// each calendar month — prospect → new → active → loyal → at risk → lapsed →
// won back — and counts the moves between stages from one month to the next,
// the flows of a Sankey chart.
//
// # Input
//
// A Tracker collects, while sales stream past, each member's purchase days
// per month of the reporting range (visits, first and last day: four bytes per
// member and month) plus a summary of any purchases before the range, and
// the registration day where known. Days are counted from 1970-01-01 in the
// store's time zone (see Day); months are calendar months of that calendar.
// Memory grows with members × months, never with sales lines.
//
// # Stages
//
// At the end of month m (the range's last day for the last month) a member's
// silence is the number of days since the last purchase, and its own rhythm
// I is the mean interval between its purchase days so far: (last − first) /
// (visits − 1), or DefaultInterval (30 days) after a single visit. With the
// defaults below:
//
//	absent    not a member yet: not registered (or registration unknown) and no purchase
//	prospect  registered, never bought
//	lapsed    silence > min(MaxLapsed, max(MinLapsed, Lapsed·I)) = min(180, max(90, 4·I)) days
//	at risk   silence > max(MinAtRisk, AtRisk·I) = max(30, 2·I) days (and not lapsed)
//	new       first purchase in month m
//	won back  bought in month m after a gap longer than the lapsed threshold
//	          (the rhythm measured before the gap)
//	loyal     bought in at least LoyalMonths of the last LoyalWindow months,
//	          4 of 6, month m included
//	active    any other member who has bought
//
// The first matching line wins, in the order given: silence is judged before
// anything else, so a new or won-back member who falls silent becomes at risk
// like anyone else. A weekly shopper is at risk after 30 silent days and
// lapsed after 90; a monthly one at 60 and 120; a one-time buyer at 60 and
// 120; nobody stays un-lapsed beyond 180 days. Silence is the only sign of
// decline used here; falling frequency and complaints belong to churn
// analysis.
//
// Purchases before the range count for rhythm, silence and "won back" but
// not for the loyal window (their months are not kept), so start the range
// LoyalWindow months before the first month you report. Purchases after the
// range are ignored and counted in Tracker.Outside.
//
// # Flows
//
// Flows[i][from][to] counts members in stage from at the end of month i and
// in stage to at the end of month i+1, absent included, so every member is
// counted once in every matrix and the column sums of Flows[i] are the stage
// counts of month i+1.
package lifecycle
