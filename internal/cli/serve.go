package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/linli/linli/internal/api"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/jobs"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/store"
)

// HTTP server limits. Uploads (imports up to LINLI_MAX_UPLOAD_BYTES) and
// exports may take minutes on a shop's uplink, so the body timeouts are
// generous; the header timeout is what stops slow-loris clients.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 5 * time.Minute
	writeTimeout      = 10 * time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	drainTimeout      = 10 * time.Second
)

var serveCmd = &command{
	name:    "serve",
	summary: "Run the staff console, the member page and the POS API.",
	addr:    true,
	help: `Migrates the database if needed, then serves HTTP on --addr until SIGINT or
SIGTERM, when it stops accepting connections and lets running requests finish
(up to 10s). A secret key is required (LINLI_SECRET_KEY or
LINLI_SECRET_KEY_FILE) unless the data directory was made by "linli demo".
With LINLI_RETENTION_YEARS > 0 the retention job runs once a day. Points past
their expiry are expired every hour (the first run a few minutes after the
start), so shortly after local midnight on the day they lapse.`,
	run: runServe,
}

func runServe(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 0 {
		return usageError(e, c, "unexpected argument %q", c.args[0])
	}
	unlock, err := lockDataDir(c.cfg)
	if err != nil {
		return fail(e, c, err)
	}
	defer unlock()
	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	return serve(ctx, e, c, a, nil)
}

// lockDataDir takes the data directory's lock, which tells restore that a
// server is running. PostgreSQL installations may run several servers on
// one database, so they take none.
func lockDataDir(cfg *config.Config) (func(), error) {
	if cfg.IsPostgres() {
		return func() {}, nil
	}
	return lockDir(cfg.DataDir)
}

// serve runs the HTTP server and the jobs on an open App until ctx ends.
// onListen, when set, is called with the public URL once the server
// accepts connections.
func serve(ctx context.Context, e *env, c *invocation, a *app.App, onListen func(url string)) int {
	log := c.log
	app.TuneServer(e.getenv)
	locale.Warm()
	ln, err := net.Listen("tcp", c.cfg.Addr)
	if err != nil {
		return fail(e, c, fmt.Errorf("listen on %s: %w", c.cfg.Addr, err))
	}
	defer ln.Close()
	// With --addr :0 the port is only known now; links and QR codes must
	// carry the real one.
	if c.cfg.Source("LINLI_BASE_URL") == config.SourceDefault {
		c.cfg.BaseURL = "http://" + displayAddr(ln.Addr())
	}
	h, err := router.New(a)
	if err != nil {
		return fail(e, c, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	jobCtx, stopJobs := context.WithCancel(context.Background())
	sched := &jobs.Scheduler{Log: log}
	startJobs(jobCtx, sched, a)
	defer func() {
		stopJobs()
		sched.Wait()
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("linli is listening", "url", c.cfg.BaseURL, "addr", ln.Addr().String(),
		"dialect", a.DB.Dialect, "version", Version)
	if onListen != nil {
		onListen(c.cfg.BaseURL)
	}

	select {
	case err := <-errc:
		return fail(e, c, fmt.Errorf("http server: %w", err))
	case <-ctx.Done():
	}
	log.Info("shutting down; letting running requests finish", "timeout", drainTimeout)
	stopJobs()
	sctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still running after the drain timeout; closing them", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http server", "err", err)
	}
	log.Info("stopped")
	return exitOK
}

// displayAddr writes a listening address as a browser can reach it: an
// unspecified host (0.0.0.0, ::) becomes localhost.
func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// startJobs schedules the server's periodic work.
func startJobs(ctx context.Context, s *jobs.Scheduler, a *app.App) {
	if a.Auth != nil {
		s.Start(ctx, jobs.Job{Name: "sessions.purge", First: time.Minute, Every: time.Hour, Jitter: 5 * time.Minute,
			Run: func(ctx context.Context) error {
				n, err := a.Auth.PurgeSessions(ctx)
				if n > 0 {
					s.Log.Info("expired sessions removed", "count", n)
				}
				return err
			}})
	}
	idem := store.NewIdempotency(a.DB)
	s.Start(ctx, jobs.Job{Name: "idempotency.purge", First: 10 * time.Minute, Every: time.Hour, Jitter: 5 * time.Minute,
		Run: func(ctx context.Context) error {
			_, err := idem.Purge(ctx, a.Now().Add(-api.IdempotencyTTL))
			return err
		}})
	if a.Sales != nil {
		s.Start(ctx, expireJob(a, s.Log))
		s.Start(ctx, tierReviewJob(a, s.Log))
		s.Start(ctx, jobs.Job{Name: "analysis.nightly", First: time.Hour, Every: 24 * time.Hour, Jitter: 30 * time.Minute,
			Run: func(ctx context.Context) error {
				_, err := a.Analysis.Run(ctx, a.Now(), nil)
				return err
			}})
	}
	if a.Insights != nil {
		// The analysis pages' first look of the day, ready before it is asked for.
		s.Start(ctx, jobs.Job{Name: "insights.warm", First: time.Minute, Every: 30 * time.Minute, Jitter: 2 * time.Minute,
			Run: func(ctx context.Context) error {
				start := time.Now()
				n, err := a.Insights.Warm(ctx)
				if n > 0 {
					s.Log.Info("analyses computed ahead", "count", n, "took", time.Since(start).Round(time.Millisecond))
				}
				return err
			}})
	}
	if years := a.Config.RetentionYears; years > 0 && a.Members != nil {
		s.Start(ctx, jobs.Job{Name: "members.retention", First: 5 * time.Minute, Every: 24 * time.Hour, Jitter: time.Hour,
			Run: func(ctx context.Context) error {
				n, err := a.Members.Retention(ctx, years)
				s.Log.Info("retention", "years", years, "erased", n)
				return err
			}})
	}
}

// tierReviewJob downgrades the members due for review once a day; Review
// picks only those due, so a rerun after downtime does no harm.
func tierReviewJob(a *app.App, log *slog.Logger) jobs.Job {
	if log == nil {
		log = slog.Default()
	}
	return jobs.Job{Name: "tiers.review", First: 15 * time.Minute, Every: 24 * time.Hour, Jitter: time.Hour,
		Run: func(ctx context.Context) error {
			res, err := a.Sales.Review(ctx, a.Now())
			if res.Reviewed > 0 || err != nil {
				log.Info("tiers reviewed", "reviewed", res.Reviewed, "downgraded", res.Downgraded, "dormant", res.Dormant)
			}
			return err
		}}
}

// expireJob takes the points left in lots past their expiry. Expire is
// idempotent, so running it every hour costs a query when there is nothing
// to do and catches up after the server was down over midnight.
func expireJob(a *app.App, log *slog.Logger) jobs.Job {
	if log == nil {
		log = slog.Default()
	}
	return jobs.Job{Name: "points.expire", First: 2 * time.Minute, Every: time.Hour, Jitter: 5 * time.Minute,
		Run: func(ctx context.Context) error {
			n, err := a.Sales.Expire(ctx, a.Now())
			if n > 0 || err != nil {
				log.Info("points expired", "points", n)
			}
			return err
		}}
}
