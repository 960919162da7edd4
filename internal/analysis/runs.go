package analysis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
)

// Phases of a run, in order.
const (
	PhaseReading = "reading" // the members' purchases; done counts members read
	PhaseScoring = "scoring" // the models; total is the members to score
	PhaseWriting = "writing" // the scores; done of total written
)

// Progress is how far a run has got.
type Progress struct {
	Phase string
	Done  int
	Total int
	At    time.Time
}

// StaleAfter is how long a running run may go without reporting progress
// before it counts as left behind by a stopped process: it then no longer
// blocks a new run and is shown as interrupted. Runs report at least every
// few seconds while they read and write; scoring a million members takes
// a few seconds.
const StaleAfter = 15 * time.Minute

// reportEvery is the least time between two progress records of a run,
// so that a large run writes its progress a few times a minute, not once
// per batch.
const reportEvery = time.Second

// readReportEvery is how many members are read between two looks at the
// clock while the purchases are read.
const readReportEvery = 10000

// recorder writes a run's progress at a modest rate. Progress is for
// people watching: failing to record it is logged, not fatal.
type recorder struct {
	s     *Service
	ctx   context.Context
	id    int64
	phase string
	last  time.Time // monotonic, for the rate
}

func (r *recorder) report(phase string, done, total int) {
	if r == nil {
		return
	}
	now := time.Now()
	if phase == r.phase && now.Sub(r.last) < reportEvery && (total == 0 || done < total) {
		return
	}
	r.phase, r.last = phase, now
	p := Progress{Phase: phase, Done: done, Total: total, At: r.s.now()}
	if err := r.s.store.Progress(r.ctx, r.id, p); err != nil {
		r.s.logger.Warn("analysis: record progress", "run", r.id, "err", err)
	}
}

// Start begins a run as of asOf in the background and returns its id at
// once; follow it with Runs. Only an actor who may manage the settings of
// the whole chain may start one. While another run is going the answer is
// a conflict, code analysis.running.
func (s *Service) Start(ctx context.Context, actor linli.Actor, asOf time.Time) (int64, error) {
	if err := auth.Require(actor, auth.SettingsManage, 0); err != nil {
		return 0, err
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	if err := s.bg.Err(); err != nil {
		return 0, linli.Errorf(linli.KindUnavailable, "analysis.stopping", "the server is stopping")
	}
	started := s.now()
	id, err := s.store.StartRunAs(ctx, Model, Version, started, actor)
	if err != nil {
		return 0, fmt.Errorf("analysis: start run: %w", err)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		run, err := s.execute(s.bg, id, started, asOf, nil)
		if err != nil {
			s.logger.Error("analysis: run failed", "run", id, "err", err)
			return
		}
		s.logger.Info("analysis: run done", "run", id, "members", run.Members, "by", actor.Name)
	}()
	return id, nil
}

// Wait blocks until the runs started in the background so far end.
func (s *Service) Wait() { s.wg.Wait() }

// Stop interrupts the background runs (each is recorded as failed) and
// waits for them.
func (s *Service) Stop() {
	s.stop()
	s.wg.Wait()
}

// SetLogger sets where background runs report; the default is slog's.
func (s *Service) SetLogger(l *slog.Logger) {
	if l != nil {
		s.logger = l
	}
}

// RunRecord is one recorded run, as the store keeps it.
type RunRecord struct {
	ID         int64      `json:"id"`
	Model      string     `json:"model"`
	Version    string     `json:"version"`
	Status     string     `json:"status"` // running, done, failed, interrupted
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	StartedBy  string     `json:"started_by"` // the staff member, "" for the nightly job or the command line
	Members    int        `json:"members"`
	Phase      string     `json:"phase"`
	Done       int        `json:"done"`
	Total      int        `json:"total"`
	ProgressAt time.Time  `json:"progress_at"`
	Error      string     `json:"error,omitempty"`
	Detail     *Detail    `json:"detail,omitempty"`
}

// StatusInterrupted is how a running run that stopped reporting is shown.
const StatusInterrupted = "interrupted"

// Running reports whether the run is still going.
func (r *RunRecord) Running() bool { return r.Status == StatusRunning }

// Percent is how far the run has got, 0–100, counting reading and scoring
// as the first tenth.
func (r *RunRecord) Percent() int {
	switch {
	case r.Status == StatusDone:
		return 100
	case r.Phase == PhaseWriting && r.Total > 0:
		return 10 + min(90, r.Done*90/r.Total)
	case r.Phase == PhaseScoring:
		return 10
	}
	return 0
}

// settle shows a running run that stopped reporting as interrupted.
func (r *RunRecord) settle(now time.Time) {
	if r.Status == StatusRunning && now.Sub(r.ProgressAt) > StaleAfter {
		r.Status = StatusInterrupted
	}
}
