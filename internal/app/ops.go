package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/jitflow/jitflow/gateway"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/health"
	"github.com/jitflow/jitflow/internal/metrics"
	"github.com/jitflow/jitflow/worker"
)

// Ops is what a process tells its operators: one Prometheus registry with
// jitflow's series and the Temporal SDK's, and readiness of its dependencies.
type Ops struct {
	Metrics *metrics.Metrics
	// Temporal is the SDK metrics handler: pass it to Dial.
	Temporal client.MetricsHandler
	// Readiness is set by Watch once there is a Temporal client.
	Readiness health.Reporter
	closer    io.Closer
}

// NewOps creates the registry and the SDK metrics bridge. Close it last.
func NewOps(logger *slog.Logger) (*Ops, error) {
	m, err := metrics.New(metrics.NewRegistry())
	if err != nil {
		return nil, err
	}
	h, closer := m.TemporalHandler(func(err error) {
		logger.Warn("a Temporal SDK metric could not be exported", "error", err)
	})
	return &Ops{Metrics: m, Temporal: h, closer: closer}, nil
}

// Close stops the SDK metrics reporting loop.
func (o *Ops) Close() {
	_ = o.closer.Close()
}

// Watch makes readiness check every dependency the role has settings for:
// Temporal always; Bytebase where there are credentials (dev, worker); Slack
// where there is a bot token (all but the CLI).
func (o *Ops) Watch(cfg config.Config, c client.Client) {
	checks := []health.Check{{Name: "temporal", Run: func(ctx context.Context) error {
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			return fmt.Errorf("temporal health check: %w", err)
		}
		return nil
	}}}
	if cfg.BytebaseServiceKey != "" {
		// Its own client, so a probe's forced login never races the worker's.
		bb := bytebase.New(cfg.BytebaseURL, cfg.BytebaseServiceAccount, cfg.BytebaseServiceKey.Reveal())
		checks = append(checks, health.Check{Name: "bytebase", Run: func(ctx context.Context) error {
			if err := bb.Login(ctx); err != nil {
				return fmt.Errorf("bytebase login at %s as %s: %w", cfg.BytebaseURL, cfg.BytebaseServiceAccount, err)
			}
			return nil
		}})
	}
	if cfg.SlackBotToken != "" {
		sl := worker.NewSlack(cfg)
		checks = append(checks, health.Check{Name: "slack", Run: func(ctx context.Context) error {
			if _, err := sl.AuthTestContext(ctx); err != nil {
				return fmt.Errorf("slack auth.test: %w", err)
			}
			return nil
		}})
	}
	o.Readiness = health.NewChecker(checks, health.Options{Secrets: []string{
		cfg.BytebaseServiceKey.Reveal(), cfg.SlackBotToken.Reveal(), cfg.SlackSigningSecret.Reveal(), cfg.WebhookToken.Reveal(),
	}})
}

// ServeOps serves /metrics, /healthz and /readyz on l until ctx is done: the
// worker's listener (JIT_METRICS_ADDR). The gateway serves them on its port.
func ServeOps(ctx context.Context, l net.Listener, o *Ops) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.Metrics.Handler())
	mux.Handle("GET /healthz", health.LiveHandler())
	mux.Handle("GET /readyz", health.Handler(o.Readiness))
	return gateway.Serve(ctx, l, mux)
}

// RunWorkerProcess is `jitflow worker`: the worker, and the ops listener
// when cfg.MetricsAddr is set.
func RunWorkerProcess(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger, o *Ops) error {
	g, gctx := errgroup.WithContext(ctx)
	if cfg.MetricsAddr != "" {
		l, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics address %s: %w", cfg.MetricsAddr, err)
		}
		logger.Info("metrics listening", "addr", l.Addr().String())
		g.Go(func() error { return ServeOps(gctx, l, o) })
	}
	g.Go(func() error { return RunWorker(gctx, c, cfg, logger) })
	return g.Wait()
}
