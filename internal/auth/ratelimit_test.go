package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiter(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)}
	l := NewLimiter(5, 15*time.Minute, clk.Now)
	for i := range 5 {
		if b, _ := l.Blocked("a"); b {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("a")
		clk.Add(time.Minute)
	}
	b, wait := l.Blocked("a")
	if !b || wait != 10*time.Minute {
		t.Fatalf("blocked=%v wait=%v, want true 10m", b, wait)
	}
	if b, _ := l.Blocked("b"); b {
		t.Error("other key blocked")
	}
	clk.Add(10 * time.Minute) // the first failure leaves the window
	if b, _ := l.Blocked("a"); b {
		t.Error("still blocked after the window")
	}
	l.Fail("a")
	if b, _ := l.Blocked("a"); !b {
		t.Error("one more failure should block again")
	}
	l.Reset("a")
	if b, _ := l.Blocked("a"); b {
		t.Error("blocked after reset")
	}
}

func TestLimiterSweeps(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(5, time.Minute, clk.Now)
	for i := range 3000 {
		l.Fail(fmt.Sprint(i))
		if i%1000 == 999 {
			clk.Add(2 * time.Minute)
		}
	}
	l.mu.Lock()
	n := len(l.fails)
	l.mu.Unlock()
	if n > 2048 {
		t.Errorf("%d keys kept; expired ones should be swept", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(5, time.Minute, clk.Now)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprint(i % 7)
				l.Fail(key)
				l.Blocked(key)
				if i%50 == 0 {
					l.Reset(fmt.Sprint(g))
					clk.Add(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	if b, _ := l.Blocked("3"); !b {
		t.Error("key 3 should be blocked")
	}
}
