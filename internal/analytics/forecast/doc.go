// Package forecast predicts category sales per day, week or month with exponential
// smoothing (Holt-Winters in its ETS state-space form) and gives prediction intervals,
// so a store can prepare stock for the coming weeks and holidays.
//
// # Models
//
// Every smoothing model has additive errors and is written in error-correction form
// (Hyndman et al. 2008, Table 2.3, "additive error" column). With level l, trend b,
// seasonal state s (period m), damping φ and one-step error e_t = y_t − ŷ_t:
//
//	ŷ_t = l + φb            (no season)   l ← l + φb + αe     b ← φb + βe
//	ŷ_t = l + φb + s        (additive)    s ← s + γe
//	ŷ_t = (l + φb)·s        (multiplicative) l ← l + φb + αe/s, b ← φb + βe/s, s ← s + γe/(l+φb)
//
// Methods are named by ETS letters (trend, season): ANN is simple exponential smoothing,
// AAN Holt's linear trend, AAdN Holt's damped trend (Gardner & McKenzie 1985), AAA and
// AAM additive and multiplicative Holt-Winters (Holt 1957, Winters 1960), AAdA/AAdM their
// damped forms, ANA/ANM seasonal without trend. Naive and SeasonalNaive are the benchmarks
// and the fallbacks for short histories.
//
// # Fitting
//
// Starting states follow the heuristic of Hyndman et al. (2008, §2.6.1): seasonal indices
// from the detrended first seasons (centred moving average, averaged per season position
// and normalised), level and trend from a straight line through the first seasonally
// adjusted values. The smoothing parameters minimise the in-sample sum of squared
// one-step errors (SSE), together with the initial level and trend, by Nelder-Mead
// (Nelder & Mead 1965) started from the best point of a fixed coarse grid and restarted
// once where it stops, inside the usual region 0<α<1, 0<β<α, 0<γ<1−α, 0.8≤φ≤0.98 (reached
// through logistic maps, so the search is unconstrained). Nothing is random: the same
// series gives the same model.
//
// Auto picks, among the models the history supports, the one with the smallest AICc =
// n·log(SSE/n) + 2k + 2k(k+1)/(n−k−1), where k counts smoothing parameters, initial
// states (level, trend, m−1 seasonal) and the error variance. Seasonal models need at
// least two full seasons plus two points; multiplicative ones need strictly positive
// data. A seasonal series shorter than that falls back to SeasonalNaive (when at least one
// season is known), a series shorter than four points to Naive.
//
// # Prediction intervals
//
// For the additive models (ANN, AAN, AAdN, ANA, AAA, AAdA) the h-step forecast variance is
// the exact one of the linear state-space model (Hyndman et al. 2008, §6.1, class 1):
//
//	v_h = σ²·[1 + Σ_{j=1}^{h−1} c_j²],  c_j = α + β·φ_j + γ·d_{j,m}
//
// with φ_j = φ + φ² + … + φ^j (φ_j = j without damping), d_{j,m} = 1 when j is a multiple
// of m and 0 otherwise, and σ² = SSE/(n − p) with p the number of smoothing parameters
// and initial states.
// The multiplicative models have no simple closed form, so their v_h is the mean squared
// in-sample h-step error (forecasts from every in-sample origin after the first two seasons
// with the fitted parameters); where fewer than minEmpiricalErrors such errors exist, v_h
// grows from the last reliable value with the ratio of the additive formula (a model decoded
// from JSON carries no history and uses the additive formula). SeasonalNaive
// uses v_h = σ²·(⌊(h−1)/m⌋+1) with σ² the mean squared seasonal difference, Naive the
// same with m = 1 (Hyndman & Athanasopoulos 2021, §5.5). Intervals are ŷ ± z·√v_h with z
// the normal quantile for the level, and the lower bound is cut at zero because sales are
// never negative.
//
// # Accuracy
//
// MASE (Hyndman & Koehler 2006) divides the mean absolute forecast error by the in-sample
// mean absolute seasonal difference; Backtest reports it for a model and for SeasonalNaive
// on the same rolling origins, so "beats the seasonal naive forecast" reads as a smaller
// MASE.
//
// # Period choice
//
// Daily data use period 7 (day of week). Weekly data would need period 52, but that needs
// two full years before a seasonal model can be fitted at all; with one year of weekly
// history use a non-seasonal model (period 1) and let the level follow the year. A fixed
// period of 4 weeks is not a month (a month is 4.35 weeks), so it drifts out of phase with
// pay-day peaks. Monthly data use period 12 once two years are known.
//
// References:
//   - Hyndman, R.J., Koehler, A.B., Ord, J.K., Snyder, R.D. (2008). Forecasting with
//     Exponential Smoothing: The State Space Approach. Springer.
//   - Hyndman, R.J., Athanasopoulos, G. (2021). Forecasting: Principles and Practice,
//     3rd ed., chapters 5 and 8. OTexts.
//   - Hyndman, R.J., Koehler, A.B. (2006). Another look at measures of forecast accuracy.
//     International Journal of Forecasting 22(4), 679–688.
//   - Gardner, E.S., McKenzie, E. (1985). Forecasting trends in time series. Management
//     Science 31(10), 1237–1246.
//   - Nelder, J.A., Mead, R. (1965). A simplex method for function minimization. The
//     Computer Journal 7(4), 308–313.
package forecast
