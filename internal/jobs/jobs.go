// Package jobs runs Linli's periodic work (retention, session clean-up and,
// later, the nightly analytics) inside the server process: one goroutine
// per job, a random delay added to each wait so that jobs started together
// do not all hit the database at the same moment, and a log line per run.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Job is one piece of periodic work.
type Job struct {
	Name string
	// First is the wait before the first run, Every the wait between the
	// end of one run and the start of the next.
	First, Every time.Duration
	// Jitter is the most random delay added to each wait.
	Jitter time.Duration
	Run    func(ctx context.Context) error
}

// Clock is the time source; tests drive it by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scheduler runs jobs until their context ends.
type Scheduler struct {
	Log   *slog.Logger
	Clock Clock               // nil: the real clock
	Rand  func(n int64) int64 // a number in [0, n); nil: math/rand
	wg    sync.WaitGroup
}

// Start runs j in its own goroutine until ctx ends.
func (s *Scheduler) Start(ctx context.Context, j Job) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.loop(ctx, j)
	}()
}

// Wait blocks until every started job has stopped; a run in progress is
// finished (or stopped by its context) first.
func (s *Scheduler) Wait() { s.wg.Wait() }

func (s *Scheduler) loop(ctx context.Context, j Job) {
	clock := s.Clock
	if clock == nil {
		clock = realClock{}
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("job", j.Name)
	wait := j.First
	for {
		wait += s.jitter(j.Jitter)
		select {
		case <-ctx.Done():
			return
		case <-clock.After(wait):
		}
		start := clock.Now()
		err := run(ctx, j)
		took := clock.Now().Sub(start)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("job failed", "err", err, "took", took)
		default:
			log.Info("job done", "took", took)
		}
		wait = j.Every
	}
}

// run calls the job, turning a panic into an error so one bad run does not
// take the server down.
func run(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx)
}

func (s *Scheduler) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	if s.Rand != nil {
		return time.Duration(s.Rand(int64(max)))
	}
	return time.Duration(rand.Int64N(int64(max)))
}
