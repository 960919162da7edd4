// Package groups compares groups of members — by age band, gender and area
// (residential compound), and by age band and gender together — on how many
// buy, how often, how much they spend and what they buy most.
//
// # Input
//
// One Member per member with its age band, gender, area index and the
// period's sales count and revenue (fen), which a caller accumulates per
// member while sales stream past. Favourite categories come from
// Analysis.AddCategory, called per line (or per sale and category) with a
// dense category index; each group keeps one total per category, so memory
// grows with members, groups and categories, never with lines.
//
// # Age bands
//
// AgeBand takes the completed years of age at the as-of date (a birthday on
// 29 February counts from 1 March in other years) and bands them:
//
//	under 25, 25–34, 35–44, 45–54, 55–64, 65 and over
//
// the bands of common market-research practice (and of The Complete Journey's
// demographics, whose youngest band 19–24 falls in "under 25"). An unknown
// birth date, a birth after the as-of date or an age above 120 is BandUnknown.
//
// # Figures per group
//
// Members in the group; Buyers with at least one sale; Sales; Revenue;
// AvgPerSale = Revenue / Sales (客单价); AvgPerBuyer = Revenue / Buyers;
// Frequency = Sales / Buyers; MemberShare and RevenueShare of the whole; the
// top categories by spend with their share of the group's categorised spend
// (ties by category index). Every dimension has an "unknown" group, so each
// dimension's groups add up to the whole.
package groups
