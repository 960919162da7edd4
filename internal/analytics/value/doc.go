// Package value gives every member a composite value score from 0 to 100 that
// combines the four sides of customer value the store owner asked for:
// direct value (spend), loyalty and stability (how often, how recently and
// how long the member has bought), predicted value (customer lifetime value
// from package clv, passed in as a number) and social influence (members
// referred and the spend they brought).
//
// # Method
//
// Each input becomes a percentile p in [0, 1] among all members, by mid-rank
// with ties averaged — pandas rank(method="average", pct=True), that is
// p = (below + (equal + 1) / 2) / n — so the measure's unit and outliers do
// not matter and equal inputs score equally. Recency is ranked reversed (more
// recent is better) among members who have bought. A component whose value
// is absent scores 0 rather than its tie rank: spend, frequency, tenure, CLV,
// referrals or referred spend of 0 or less, and recency of a member who has
// not bought. The score is
//
//	score = 100 · Σ wᵢ·pᵢ / Σ wᵢ
//
// with the weights below (any non-negative weights may be given; they need
// not add up to one). The four side scores (Direct, Loyalty, Predicted,
// Social) are the same weighted mean over their own components, for a radar
// chart.
//
//	side       component        default weight
//	direct     Monetary         0.25
//	loyalty    Frequency        0.15
//	loyalty    Recency          0.10
//	loyalty    Tenure           0.10
//	predicted  CLV              0.25
//	social     Referrals        0.10
//	social     ReferredSpend    0.05
//
// Spend and predicted value carry half the weight between them because they
// are what the store earns; loyalty a third, since frequency and recency also
// drive the prediction; social influence the rest, since few members refer
// anyone. The result depends only on the inputs: no randomness, and no
// dependence on member order.
package value
