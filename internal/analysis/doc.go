// Package analysis runs the customer analyses on the store's own sales and
// keeps each member's latest scores: RFM scores, segment and value class
// (package rfm), the probability of being still active, the expected
// purchases in the next 90 days and the lifetime value over 12 months
// (BG/NBD and gamma-gamma, package clv), and the behaviour cluster
// (package cluster).
//
// # Data
//
// Storage hands over one Aggregate per member who has bought before the
// as-of instant, computed in the database with GROUP BY member so that
// memory grows with members, not sales. A sale counts when it is completed
// (partly refunded sales stay completed), not voided or refunded in full,
// and has a member; its value is its amount net of refunds. Days are UTC
// calendar days (the store's time zone is not applied yet), and a purchase
// day is a day on which the member's counted sales net to more than zero.
//
// From an Aggregate, with D the as-of day (the UTC day of the last instant
// before as-of):
//
//	frequency  = purchase days
//	recency    = D − last purchase day, in days
//	monetary   = total net amount, fen
//	x          = purchase days − 1 (repeat transactions)
//	t_x        = (last day − first day) / 7, weeks
//	T          = (D − first day) / 7, weeks
//	zbar       = (total net − net of the first day) / x, yuan; 0 when x = 0
//
// so zbar is the mean value of the repeat purchase days, the first one left
// out, as in the CDNOW summary the clv package is checked against.
//
// # Models
//
// BG/NBD is fitted on every member who has bought, gamma-gamma on those
// who came back (x > 0). With fewer than MinFitMembers members, or when a
// fit fails, the model is skipped and the reason kept in the run's detail;
// the run still stores RFM (and clusters). CLV sums 12 monthly periods
// discounted at MonthlyDiscount per month (clv.CLV), with the gamma-gamma
// expected spend of the member. Clusters use cluster.Behaviour with a fixed
// seed and are skipped below MinClusterMembers.
//
// A run is deterministic for a given as-of instant: members are read in id
// order and every fit starts from fixed values or seeds.
//
// # Runs and reports
//
// A run records its progress (phase, done of total) at most once a second
// and at each phase. One run of the model goes at a time: starting another
// is a conflict, code analysis.running, until the first ends or has been
// silent for StaleAfter. Service.Start runs one in the background for the
// console and the API.
//
// Reports reads the stored scores: segment sums, the R × F grid, value
// classes, CLV and P(alive) histograms, the most valuable members, the
// churn list with its reasons, clusters with their averages, and saves
// audiences (lists of members chosen from the scores). A store-bound actor
// is confined to the members of their home store.
package analysis
