package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock hands each requested wait to the test, which fires it.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan wait
}

type wait struct {
	d  time.Duration
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), waits: make(chan wait)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits <- wait{d, ch}
	return ch
}

// next waits for the job to ask for a wait, advances the clock and fires it.
func (c *fakeClock) next(t *testing.T) time.Duration {
	t.Helper()
	select {
	case w := <-c.waits:
		c.mu.Lock()
		c.now = c.now.Add(w.d)
		now := c.now
		c.mu.Unlock()
		w.ch <- now
		return w.d
	case <-time.After(5 * time.Second):
		t.Fatal("the job never waited")
		return 0
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSchedulerRunsWithJitterAndStops(t *testing.T) {
	clock := newFakeClock()
	var logs syncBuffer
	s := &Scheduler{
		Log:   slog.New(slog.NewTextHandler(&logs, nil)),
		Clock: clock,
		Rand:  func(n int64) int64 { return n / 2 },
	}
	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan int, 10)
	n := 0
	s.Start(ctx, Job{Name: "count", First: time.Minute, Every: time.Hour, Jitter: 10 * time.Minute,
		Run: func(ctx context.Context) error {
			n++
			runs <- n
			switch n {
			case 2:
				return errors.New("disk full")
			case 3:
				panic("boom")
			}
			return nil
		}})

	want := []time.Duration{6 * time.Minute, 65 * time.Minute, 65 * time.Minute}
	for i, w := range want {
		if got := clock.next(t); got != w {
			t.Errorf("wait %d = %s, want %s", i, got, w)
		}
		if got := <-runs; got != i+1 {
			t.Errorf("run %d, want %d", got, i+1)
		}
	}
	// The fourth wait is pending; cancelling ends the job without a run.
	<-clock.waits
	cancel()
	s.Wait()
	if len(runs) != 0 {
		t.Error("ran after cancel")
	}
	out := logs.String()
	for _, s := range []string{"job=count", "job done", "disk full", "panic: boom"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %q:\n%s", s, out)
		}
	}
}

func TestSchedulerRealClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s := &Scheduler{Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	s.Start(ctx, Job{Name: "once", First: time.Millisecond, Every: time.Hour, Jitter: time.Millisecond,
		Run: func(context.Context) error { close(done); return nil }})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not run")
	}
	cancel()
	s.Wait()
}
