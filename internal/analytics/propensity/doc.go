// Package propensity predicts, for every member and product category, the probability
// that the member buys the category in the next period, so a campaign can pick whom to
// send a category offer to. It holds the features, a gradient-boosted tree classifier,
// a recency-frequency logistic baseline and the accuracy measures to compare them.
//
// # Data and features
//
// Input is purchase lines (member, category, basket, day, sales). Build takes a cutoff
// day: features come only from purchases before it and the label of a (member, category)
// row says whether the member bought the category in the following Horizon days. Every
// member with a purchase before the cutoff gets a row per category. Features (see
// FeatureNames) are the member's recency, trip counts over 4, 8, 26 weeks and ever, spend,
// breadth and tenure; the category's recency, trip counts (also 8–16 weeks ago, for the
// trend), spend, share of wallet, share of trips, mean gap between purchase days and
// weeks since it was first bought; and the category's share of buyers among all members over the
// last 8 weeks. Windows count whole days before the cutoff (4 weeks = 28 days). A
// recency or gap that never happened is RecencyCap weeks. Training data are usually
// several earlier cutoffs merged (Merge), whose label windows end before the cutoff that
// is scored, so no future purchase leaks into training.
//
// # Model
//
// Fit grows regression trees on the gradients of the logistic loss (Friedman 2001),
// with Newton leaf values −G/(H+λ) and the split gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) −
// G²/(H+λ)] of Chen & Guestrin (2016), where G and H are the sums of gradients p−y and
// hessians p(1−p) of the examples in a node. Splits are searched on per-feature quantile
// histograms (at most Bins bins, thresholds midway between adjacent distinct values, as in
// LightGBM, Ke et al. 2017); the histogram of the larger child is the parent's minus the
// smaller child's. Trees grow to MaxDepth with at least MinLeaf examples per leaf, and
// every leaf value is shrunk by LearningRate. Nothing is sampled: the same data give the
// same model, byte for byte. Feature importance is each feature's share of the total split
// gain. A Model is plain data: json.Marshal saves it (with the caller's Name, Version and
// FittedAt) and ReadModel loads and checks it.
//
// # Baseline and accuracy
//
// The baseline is a logistic regression on log(1+x) of the category's recency and its
// 26-week trip count (BaselineFeatures), fitted by Newton-Raphson: the classic
// recency-frequency score. AUC is exact: the Mann-Whitney statistic with tied scores at
// their average rank (Hanley & McNeil 1982); LogLoss is the mean negative log-likelihood.
//
// References:
//   - Friedman, J.H. (2001). Greedy function approximation: a gradient boosting machine.
//     Annals of Statistics 29(5), 1189–1232.
//   - Chen, T., Guestrin, C. (2016). XGBoost: a scalable tree boosting system. KDD '16.
//   - Ke, G. et al. (2017). LightGBM: a highly efficient gradient boosting decision tree.
//     NeurIPS 30.
//   - Hanley, J.A., McNeil, B.J. (1982). The meaning and use of the area under a receiver
//     operating characteristic (ROC) curve. Radiology 143(1), 29–36.
package propensity
