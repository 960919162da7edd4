// Package cluster groups members by behaviour with k-means and describes each
// group in words a store manager understands ("buys often, spends a lot per
// visit, visited recently" / "常来、客单价高、最近来过").
//
// # Features
//
// The input is one column per feature, one value per member. Behaviour builds
// the usual three from per-member totals: visit frequency, average spend per
// visit and days since the last visit. A feature marked Log is transformed
// with log1p first (frequency and spend are strongly right-skewed; without it
// a few large buyers would each get a cluster of their own). Every column is
// then standardised to z-scores (mean 0, population standard deviation 1; a
// constant column becomes all zeros), so each feature weighs the same.
//
// # Fitting
//
// k-means minimises the sum of squared Euclidean distances from members to
// their cluster centre (the inertia). Centres start by greedy k-means++
// (Arthur & Vassilvitskii 2007; as in scikit-learn, each new centre is the best
// of 2 + ⌊ln k⌋ candidates drawn with probability proportional to the squared
// distance to the nearest centre so far), then Lloyd iterations alternate
// assignment (nearest centre, the lower index on ties) and update (the mean of
// the members assigned) until no centre moves more than Tol (in z units) or
// MaxIter is reached. A cluster left empty is moved to the member farthest from
// its centre. Restarts runs are made and the one with the lowest inertia kept.
//
// # Choosing k
//
// Unless K is fixed, k is chosen from MinK..MaxK (default 3..8) by the mean
// silhouette (Rousseeuw 1987): for each k the model is fitted on a
// deterministic random sample of at most SampleSize members, and the
// silhouette s(i) = (b − a) / max(a, b) is averaged over the first
// SilhouetteSize members of that sample, a being the mean distance to the
// members of its own cluster and b the smallest mean distance to another
// cluster (s = 0 for a member alone in its cluster), as in scikit-learn's
// silhouette_score with sample_size. The k with the highest mean silhouette
// wins; an exact tie goes to the smaller k. The range starts at 3 because
// the silhouette favours two groups on most customer data (recent buyers
// against lapsed ones), which tells a manager nothing the RFM segments do
// not; set MinK to 2 to allow it. The final model is refined by
// Lloyd iterations on all members from the chosen sample fit, so the work
// on the full data is a single k-means run.
//
// # Description
//
// Each cluster's centre is read feature by feature: a z-score of at least
// +Threshold (default 0.5, half a standard deviation) is "high", at most
// −Threshold "low", anything between "average", and the feature's words for
// that level are joined in feature order. Clusters are numbered by size,
// largest first (ties by centre), so the numbering is stable.
//
// All randomness comes from a PCG generator seeded with Config.Seed: the same
// input and seed give the same clusters.
package cluster
