// Package habits describes when and how members shop: an hour × weekday
// heat map of visits and takings for staffing the busy hours, each member's
// preferred day, hour and part of the day, basket size and the interval
// between visits, and the categories (or brands) that take the largest share
// of a member's spend.
//
// # Streaming
//
// Everything here is an accumulator fed while sales stream past, with memory
// that grows with members (and, for Shares, with the distinct categories a
// member buys), never with lines:
//
//   - Grid.Add once per sale (visit) with its time and amount in fen;
//   - Profiles.Add once per sale with the member, time, amount and item count;
//   - Shares.Add once per line (or per sale and category) with the member,
//     a dense category index and the amount.
//
// Times are read in the store's time zone (the *time.Location given to the
// constructor): hour 0–23 and weekday of the local clock. Arrays indexed by
// weekday use time.Weekday (Sunday = 0); WeekOrder gives the Monday-first
// order in which Chinese calendars show a week.
//
// # Definitions
//
// Preferred weekday and hour are the ones with the most visits, the earlier
// in WeekOrder or on the clock on ties. The part of the day is the Daypart
// with the most visits: morning 06–11, midday 11–14, afternoon 14–17, evening
// 17–20, night 20–06 (a "night shopper" makes most visits after 20:00).
// Average basket is spend per visit, average items items per visit.
// The interval between visits is (last − first visit day) / (visit days − 1),
// counting a day once when calls for the same day arrive together or in time
// order; it is 0 for members with fewer than two visit days. A category's
// share is its part of the member's spend over all categories recorded; the
// top categories are ordered by spend, then by category index.
package habits
