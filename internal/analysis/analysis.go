package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/cluster"
	"github.com/linli/linli/internal/analytics/clv"
	"github.com/linli/linli/internal/analytics/rfm"
)

// maxDropoutShape bounds the BG/NBD dropout shape a (and b at 100 times
// it) for a fit to be used; see purchases.
const maxDropoutShape = 1000

// Model and Version name what wrote the scores. Version changes whenever
// the definitions or the models change, so that stored scores can be told
// apart.
const (
	Model   = "linli-customer"
	Version = "2" // 2: days in the chain's time zone, not UTC
)

// Settings of the analysis.
const (
	// MinFitMembers is the fewest buyers the purchase and spend models are
	// fitted on; below it the estimates say more about chance than about
	// the members.
	MinFitMembers = 50
	// MinClusterMembers is the fewest buyers clustered.
	MinClusterMembers = 100
	// MonthlyDiscount is the discount rate per month of the CLV.
	MonthlyDiscount = 0.01
	// HorizonMonths is the CLV horizon.
	HorizonMonths = 12
	// ExpectedDays is the horizon of the expected purchases.
	ExpectedDays = 90
	// ClusterSeed seeds k-means, so that clusters are the same run to run.
	ClusterSeed = 20261123
	// BatchSize is the scores written per transaction.
	BatchSize = 5000
)

// Run statuses.
const (
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Aggregate is one member's purchases before the as-of instant. Days count
// from 1970-01-01 UTC.
type Aggregate struct {
	MemberID    int64
	FirstDay    int
	LastDay     int
	Days        int   // distinct purchase days
	NetFen      int64 // total net amount
	FirstDayFen int64 // net amount of the first purchase day
}

// Customer is the member's calibration summary at as-of day asOfDay (see
// the package comment).
func (a Aggregate) Customer(asOfDay int) clv.Customer {
	c := clv.Customer{
		X:  float64(a.Days - 1),
		TX: float64(a.LastDay-a.FirstDay) / 7,
		T:  float64(asOfDay-a.FirstDay) / 7,
	}
	if a.Days > 1 {
		c.Zbar = float64(a.NetFen-a.FirstDayFen) / 100 / c.X
	}
	return c
}

// Score is one member's stored result. The pointer fields are nil when the
// model behind them was skipped.
type Score struct {
	MemberID    int64
	RunID       int64
	Model       string
	Version     string
	FittedAt    time.Time
	R, F, M     int
	Segment     string
	ValueClass  string
	RecencyDays int
	Frequency   int
	MonetaryFen int64
	PAlive      *float64
	Expected90d *float64
	CLVFen      *int64
	Cluster     *int
}

// Store is what the analysis needs from storage.
type Store interface {
	// MemberAggregates calls fn for each member with a counted sale before
	// before, in member id order, with days counted in a zone offset seconds
	// east of UTC (see Day).
	MemberAggregates(ctx context.Context, before time.Time, offset int, fn func(Aggregate) error) error
	// ChainZone names the time zone of the chain's first store, "" when
	// there is no store.
	ChainZone(ctx context.Context) (string, error)
	// StartRun records a running run and returns its id.
	StartRun(ctx context.Context, model, version string, at time.Time) (int64, error)
	// ReplaceScores writes a batch of scores sorted by member id in one
	// transaction, replacing every stored score of a member id from the
	// batch's first to its last.
	ReplaceScores(ctx context.Context, batch []Score) error
	// DropStaleScores removes the scores not written by run runID (members
	// who no longer have a counted sale).
	DropStaleScores(ctx context.Context, runID int64) (int64, error)
	// FinishRun records the end of a run.
	FinishRun(ctx context.Context, id int64, status string, at time.Time, members int, detail []byte, errText string) error
	// StartRunAs is StartRun for a run someone asked for: it records who
	// and audits it. Both fail with a conflict (analysis.running) while
	// another run of the model is running and not stale (see StaleAfter).
	StartRunAs(ctx context.Context, model, version string, at time.Time, actor linli.Actor) (int64, error)
	// Progress records how far run id has got.
	Progress(ctx context.Context, id int64, p Progress) error
}

// Service runs the analyses.
type Service struct {
	store Store
	now   linli.Clock

	bg     context.Context // background runs; cancelled by Stop
	stop   context.CancelFunc
	wg     sync.WaitGroup
	logger *slog.Logger
}

// New returns the service storing through st.
func New(st Store, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	bg, stop := context.WithCancel(context.Background())
	return &Service{store: st, now: now, bg: bg, stop: stop, logger: slog.Default()}
}

// Run is the outcome of one run.
type Run struct {
	ID         int64     `json:"id"`
	Model      string    `json:"model"`
	Version    string    `json:"version"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Members    int       `json:"members"`
	Detail     Detail    `json:"detail"`
	// Scores are the stored scores, in member id order.
	Scores []Score `json:"-"`
}

// Detail is what a run records besides the scores: the fitted parameters,
// why a model was skipped, and counts.
type Detail struct {
	AsOf            time.Time      `json:"as_of"`
	AsOfDay         string         `json:"as_of_day"` // YYYY-MM-DD in DayZone
	DayZone         string         `json:"day_zone"`
	DayOffset       int            `json:"day_offset_s"` // DayZone's offset at AsOf, seconds east of UTC; 0 in runs of version 1 (UTC days)
	Members         int            `json:"members"`
	RepeatMembers   int            `json:"repeat_members"`
	Segments        map[string]int `json:"segments"`
	ValueClasses    map[string]int `json:"value_classes"`
	BGNBD           *BGNBDParams   `json:"bgnbd,omitempty"`
	BGNBDSkipped    string         `json:"bgnbd_skipped,omitempty"`
	BGNBDSkipCode   string         `json:"bgnbd_skip_code,omitempty"` // one of the Skip codes, with BGNBDSkipped
	GammaGamma      *GGParams      `json:"gamma_gamma,omitempty"`
	GammaSkipped    string         `json:"gamma_gamma_skipped,omitempty"`
	GammaSkipCode   string         `json:"gamma_gamma_skip_code,omitempty"`
	MonthlyDiscount float64        `json:"clv_monthly_discount"`
	HorizonMonths   int            `json:"clv_horizon_months"`
	Clusters        []ClusterInfo  `json:"clusters,omitempty"`
	ClusterSkipped  string         `json:"clusters_skipped,omitempty"`
	ClusterSkipCode string         `json:"clusters_skip_code,omitempty"`
}

// Why a model was skipped, for a reader in another language: the *Skipped
// texts say it in English with the figures, the codes name the case.
const (
	SkipTooFewBuyers = "too_few_buyers" // fewer than MinFitMembers (MinClusterMembers) members bought
	SkipTooFewRepeat = "too_few_repeat" // fewer than MinFitMembers came back (Gamma-Gamma)
	SkipNoDropout    = "no_dropout"     // nobody has left yet (BG/NBD)
	SkipNeedsBGNBD   = "needs_bgnbd"    // Gamma-Gamma without the BG/NBD it completes
	SkipNoFit        = "no_fit"         // the data have no maximum the search can find
)

// BGNBDParams are the fitted BG/NBD parameters.
type BGNBDParams struct {
	R      float64 `json:"r"`
	Alpha  float64 `json:"alpha"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	LogLik float64 `json:"log_lik"`
}

// GGParams are the fitted gamma-gamma parameters (values in yuan).
type GGParams struct {
	P      float64 `json:"p"`
	Q      float64 `json:"q"`
	Gamma  float64 `json:"gamma"`
	LogLik float64 `json:"log_lik"`
	N      int     `json:"n"`
}

// ClusterInfo describes one cluster.
type ClusterInfo struct {
	Index int     `json:"index"`
	Size  int     `json:"size"`
	Share float64 `json:"share"`
	ZH    string  `json:"zh"`
	EN    string  `json:"en"`
}

// Run reads every member's purchases before asOf, scores them, replaces the
// stored scores and records the run. progress, when not nil, is called as
// scores are written with the number written and the total.
//
// Run fails with a conflict (analysis.running) while another run is going.
func (s *Service) Run(ctx context.Context, asOf time.Time, progress func(done, total int)) (*Run, error) {
	if asOf.IsZero() {
		return nil, errors.New("analysis: no as-of time")
	}
	started := s.now()
	id, err := s.store.StartRun(ctx, Model, Version, started)
	if err != nil {
		return nil, fmt.Errorf("analysis: start run: %w", err)
	}
	return s.execute(ctx, id, started, asOf, progress)
}

// execute runs the started run id to its end and records the outcome.
func (s *Service) execute(ctx context.Context, id int64, started, asOf time.Time, progress func(done, total int)) (*Run, error) {
	run := &Run{ID: id, Model: Model, Version: Version, StartedAt: started}
	rec := &recorder{s: s, ctx: ctx, id: id}
	err := s.run(ctx, run, asOf, func(done, total int) {
		rec.report(PhaseWriting, done, total)
		if progress != nil {
			progress(done, total)
		}
	}, rec)
	run.FinishedAt = s.now()
	status, errText := StatusDone, ""
	if err != nil {
		status, errText = StatusFailed, err.Error()
	}
	detail, jerr := json.Marshal(run.Detail)
	if jerr != nil {
		return nil, fmt.Errorf("analysis: encode run detail: %w", jerr)
	}
	// A cancelled context would also fail the record of the failure.
	fctx := context.WithoutCancel(ctx)
	if ferr := s.store.FinishRun(fctx, id, status, run.FinishedAt, run.Members, detail, errText); ferr != nil {
		return nil, errors.Join(err, fmt.Errorf("analysis: finish run %d: %w", id, ferr))
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}

func (s *Service) run(ctx context.Context, run *Run, asOf time.Time, progress func(done, total int), rec *recorder) error {
	loc, err := s.zone(ctx)
	if err != nil {
		return err
	}
	// Days are the shops' days: a purchase at 07:30 in Shanghai is on its
	// own date, not on the UTC day before. The offset is the zone's at the
	// as-of time, exact for zones without daylight saving (China's).
	_, offset := asOf.In(loc).Zone()
	var aggs []Aggregate
	err = s.store.MemberAggregates(ctx, asOf, offset, func(a Aggregate) error {
		aggs = append(aggs, a)
		if len(aggs)%readReportEvery == 0 {
			rec.report(PhaseReading, len(aggs), 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("analysis: read purchases: %w", err)
	}
	asOfDay := AsOfDay(asOf, offset)
	d := &run.Detail
	d.AsOf = asOf.UTC()
	d.AsOfDay = time.Unix(int64(asOfDay)*86400, 0).UTC().Format(time.DateOnly)
	d.DayZone, d.DayOffset = loc.String(), offset
	d.Members = len(aggs)
	d.MonthlyDiscount, d.HorizonMonths = MonthlyDiscount, HorizonMonths

	rec.report(PhaseScoring, 0, len(aggs))
	scores, err := score(aggs, asOfDay, d)
	if err != nil {
		return err
	}
	for i := range scores {
		scores[i].RunID, scores[i].Model, scores[i].Version, scores[i].FittedAt = run.ID, Model, Version, run.StartedAt
	}
	for i := 0; i < len(scores); i += BatchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("analysis: %w", err)
		}
		batch := scores[i:min(i+BatchSize, len(scores))]
		if err := s.store.ReplaceScores(ctx, batch); err != nil {
			return fmt.Errorf("analysis: write scores: %w", err)
		}
		progress(i+len(batch), len(scores))
	}
	if _, err := s.store.DropStaleScores(ctx, run.ID); err != nil {
		return fmt.Errorf("analysis: drop stale scores: %w", err)
	}
	run.Members = len(scores)
	run.Scores = scores
	return nil
}

// AsOfDay is the day (see Day) of the last instant before asOf: the last
// day whose sales a run at asOf sees.
func AsOfDay(asOf time.Time, offset int) int {
	return Day(asOf.UnixMilli()-1, offset)
}

// Day numbers the day of an instant (milliseconds since 1970) in a zone
// offset seconds east of UTC, from 1970-01-01 in that zone.
func Day(millis int64, offset int) int {
	return int(math.Floor(float64(millis+int64(offset)*1000) / 86400000))
}

// zone is the time zone the run counts days in: the chain's.
func (s *Service) zone(ctx context.Context) (*time.Location, error) {
	name, err := s.store.ChainZone(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: the chain's time zone: %w", err)
	}
	if loc, err := time.LoadLocation(name); name != "" && err == nil {
		return loc, nil
	}
	if loc, err := time.LoadLocation(linli.DefaultZone); err == nil {
		return loc, nil
	}
	return time.UTC, nil
}

// score computes every member's scores and fills the detail.
func score(aggs []Aggregate, asOfDay int, d *Detail) ([]Score, error) {
	n := len(aggs)
	scores := make([]Score, n)
	members := make([]rfm.Member, n)
	customers := make([]clv.Customer, n)
	for i, a := range aggs {
		if a.Days < 1 || a.LastDay > asOfDay || a.FirstDay > a.LastDay {
			return nil, fmt.Errorf("analysis: member %d: %d purchase days from day %d to %d, as of day %d: inconsistent purchases",
				a.MemberID, a.Days, a.FirstDay, a.LastDay, asOfDay)
		}
		members[i] = rfm.Member{RecencyDays: asOfDay - a.LastDay, Frequency: a.Days, Monetary: float64(a.NetFen)}
		customers[i] = a.Customer(asOfDay)
		if a.Days > 1 {
			d.RepeatMembers++
		}
		scores[i] = Score{MemberID: a.MemberID, RecencyDays: asOfDay - a.LastDay, Frequency: a.Days, MonetaryFen: a.NetFen}
	}

	res, err := rfm.Analyze(members)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	d.Segments = map[string]int{}
	d.ValueClasses = map[string]int{}
	for i, sc := range res.Scores {
		s := &scores[i]
		s.R, s.F, s.M = int(sc.R), int(sc.F), int(sc.M)
		s.Segment, s.ValueClass = sc.Segment.Key(), sc.Value.Key()
		d.Segments[s.Segment]++
		d.ValueClasses[s.ValueClass]++
	}

	purchases(customers, scores, d)
	clusters(members, scores, d)
	return scores, nil
}

func noDropout(a, b float64) error {
	return fmt.Errorf("the sales show no customer dropping out yet (a = %.3g, b = %.3g); the model needs a longer history", a, b)
}

// purchases fits BG/NBD and gamma-gamma and fills P(alive), the expected
// purchases and the CLV. A model that cannot be fitted is skipped with its
// reason in d.
func purchases(cs []clv.Customer, scores []Score, d *Detail) {
	if len(cs) < MinFitMembers {
		d.BGNBDSkipped = fmt.Sprintf("%d members have bought; at least %d are needed to fit the model", len(cs), MinFitMembers)
		d.GammaSkipped = d.BGNBDSkipped
		d.BGNBDSkipCode, d.GammaSkipCode = SkipTooFewBuyers, SkipTooFewBuyers
		return
	}
	bg, err := clv.FitBGNBD(cs)
	// A history in which nobody has dropped out yet drives a and b to huge
	// values, or past the search's edge: the model cannot tell who has
	// left, and its expectations would take milliseconds per member to sum.
	var edge *clv.EdgeError
	code := SkipNoFit
	switch {
	case err == nil && (bg.A > maxDropoutShape || bg.B > maxDropoutShape*100):
		err, code = noDropout(bg.A, bg.B), SkipNoDropout
	case errors.As(err, &edge) && (edge.Param == "a" || edge.Param == "b"):
		err, code = noDropout(edge.Values["a"], edge.Values["b"]), SkipNoDropout
	}
	if err != nil {
		d.BGNBDSkipped, d.BGNBDSkipCode = err.Error(), code
		d.GammaSkipped, d.GammaSkipCode = "needs the BG/NBD model", SkipNeedsBGNBD
		return
	}
	d.BGNBD = &BGNBDParams{R: bg.R, Alpha: bg.Alpha, A: bg.A, B: bg.B, LogLik: bg.LogLik}
	var gg clv.GammaGamma
	haveGG := false
	switch repeat := d.RepeatMembers; {
	case repeat < MinFitMembers:
		d.GammaSkipped = fmt.Sprintf("%d members have come back; at least %d are needed to fit the model", repeat, MinFitMembers)
		d.GammaSkipCode = SkipTooFewRepeat
	default:
		if gg, err = clv.FitGammaGamma(cs); err != nil {
			d.GammaSkipped, d.GammaSkipCode = err.Error(), SkipNoFit
		} else {
			haveGG = true
			d.GammaGamma = &GGParams{P: gg.P, Q: gg.Q, Gamma: gg.Gamma, LogLik: gg.LogLik, N: gg.N}
		}
	}
	weeks := float64(ExpectedDays) / 7
	for i, c := range cs {
		alive := bg.PAlive(c)
		exp := bg.ConditionalExpectedPurchases(weeks, c)
		if isFinite(alive) {
			scores[i].PAlive = &alive
		}
		if isFinite(exp) {
			scores[i].Expected90d = &exp
		}
		if !haveGG {
			continue
		}
		spend := gg.ConditionalExpectedSpend(c)
		v, err := clv.CLV(bg, c, spend, HorizonMonths, clv.MonthWeeks, MonthlyDiscount)
		if err != nil || !isFinite(v) {
			continue // left empty: the member's value cannot be evaluated
		}
		fen := int64(math.Round(v * 100))
		scores[i].CLVFen = &fen
	}
}

// clusters groups the members by behaviour.
func clusters(members []rfm.Member, scores []Score, d *Detail) {
	if len(members) < MinClusterMembers {
		d.ClusterSkipped = fmt.Sprintf("%d members have bought; at least %d are needed to cluster", len(members), MinClusterMembers)
		d.ClusterSkipCode = SkipTooFewBuyers
		return
	}
	in := make([]cluster.Member, len(members))
	for i, m := range members {
		in[i] = cluster.Member{RecencyDays: float64(m.RecencyDays), Frequency: float64(m.Frequency), Monetary: m.Monetary / 100}
	}
	feat, cols, err := cluster.Behaviour(in)
	if err == nil {
		var res *cluster.Result
		if res, err = cluster.Run(feat, cols, cluster.Config{Seed: ClusterSeed}); err == nil {
			for i, l := range res.Labels {
				c := int(l)
				scores[i].Cluster = &c
			}
			for i, c := range res.Clusters {
				d.Clusters = append(d.Clusters, ClusterInfo{Index: i, Size: c.Size, Share: c.Share, ZH: c.ZH, EN: c.EN})
			}
			return
		}
	}
	d.ClusterSkipped, d.ClusterSkipCode = err.Error(), SkipNoFit
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
