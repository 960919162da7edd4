// Package clv estimates customer lifetime value from purchase histories
// with the "buy till you die" models: how often each customer will buy, how
// likely the customer is still active, and how much a purchase is worth.
//
// # Data
//
// Each customer is summarised over a calibration period (Customer): x, the
// number of repeat transactions (purchase days after the first; several
// purchases on one day are one transaction); t_x, the time of the last one;
// T, the time from the first purchase to the end of calibration; and zbar,
// the mean value of the repeat transactions (the first purchase is left out,
// as in the CDNOW summary of Fader, Hardie & Lee). Time is in weeks.
// ReadSummary reads such a summary; ReadEventLog and EventLog.Summary build
// it from a purchase log and count each customer's transactions in a
// holdout period after calibration, for checking the forecasts.
//
// # Models
//
// Purchases. While alive a customer buys at a Poisson rate λ, and λ varies
// across customers as Gamma(r, α) (shape r, rate α).
//
//   - BG/NBD (Fader, Hardie & Lee 2005, "'Counting Your Customers' the Easy
//     Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2),
//     275–284): after each repeat purchase the customer drops out with
//     probability p, and p varies as Beta(a, b).
//   - Pareto/NBD (Schmittlein, Morrison & Colombo 1987, "Counting Your
//     Customers: Who Are They and What Will They Do Next?", Management
//     Science 33(1), 1–24): the customer's lifetime is exponential with rate
//     μ, and μ varies as Gamma(s, β). Likelihood and expectations follow
//     Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
//     Related Expressions".
//
// For both, the package gives the likelihood, E[X(t)] (expected purchases of
// a new customer), the conditional expectation E[Y(t) | x, t_x, T] of
// purchases in the t weeks after calibration, and P(alive); for the BG/NBD
// also P(X(t) = n).
//
// Spend. The gamma-gamma model (Fader & Hardie 2013, "The Gamma-Gamma Model
// of Monetary Value", after Colombo & Jiang 1999): a customer's transaction
// values are Gamma(p, ν), ν varies as Gamma(q, γ), independently of the
// purchase process. It is fitted on the customers with x > 0 and gives the
// expected value of a customer's next transaction, p(γ + x·zbar)/(px+q−1).
//
// Value. CLV sums, over periods k = 1..K of w weeks, the expected spend
// times the expected transactions in the period, discounted per period:
// Σ spend·(E[Y(kw)] − E[Y((k−1)w)])/(1+d)^k.
//
// # Estimation
//
// All three models are fitted by maximum likelihood with BFGS and a strong
// Wolfe line search (Nocedal & Wright 2006) on the analytic gradient. The
// search runs on the logarithms of the parameters, with the mean r/α (and
// a/b) in place of the scale, which keeps the parameters positive and the
// surface round. Every log-likelihood is computed in log space: ln B and
// ln Γ ratios from math.Lgamma (summed term by term where a plain
// difference of large ln Γ values would lose digits), and sums of two terms
// as log-sum-exp. Customers with the same (x, t_x, T) are evaluated once,
// and terms depending only on x or on one time value once per evaluation.
// A search that does not reach a maximum, or whose parameters run to the
// edge of [1e−8, 1e8] (data without an interior maximum), is an error, not
// an answer.
//
// The Pareto/NBD needs the Gauss hypergeometric function ₂F₁(a, b; a+1; z)
// for 0 ≤ z < 1. Euler's transformation rewrites it as
// (1−z)^(1−b)·₂F₁(1, a+1−b; a+1; z), whose series starts at 1 with terms
// that only shrink, so it neither overflows for customers with hundreds of
// purchases nor leaves log space. Up to z = 0.6 the series is summed (its
// coefficients shared by all customers with the same x); beyond, where the
// series needs about 40/(1−z) terms, Gauss's continued fraction needs about
// 10/√(1−z) steps, evaluated by the modified Lentz method with forward-mode
// derivatives. The BG/NBD conditional expectation uses the Euler-transformed
// form of its ₂F₁ as well (Fader & Hardie 2013, "Overcoming the BG/NBD
// Model's #NUM! Error Problem").
//
// # Accuracy
//
// On the CDNOW sample (testdata) the fits reproduce the published estimates
// and log-likelihoods: BG/NBD r, α, a, b = 0.2426, 4.414, 0.7929, 2.426
// with ℓ = −9582.43; Pareto/NBD 0.553, 10.58, 0.606, 11.67 with
// ℓ = −9594.97; gamma-gamma 6.25, 3.74, 15.45 with ℓ = −4055.92; and the
// holdout comparison of the BTYD walkthrough. The tests give the exact
// tolerances.
package clv
