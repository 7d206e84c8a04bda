// Package app runs jitflow's processes: the worker, the gateway, and `dev`,
// which is both plus an embedded Temporal server. main only parses flags and
// calls in here, so the end-to-end tests run exactly what users run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/jitflow/jitflow/gateway"
	"github.com/jitflow/jitflow/internal/bytebase"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/worker"
	"github.com/jitflow/jitflow/workflows"
)

// Dial connects to Temporal and makes sure the namespace has jitflow's search
// attributes (registering them is idempotent). mh receives the SDK's metrics
// (nil: none).
func Dial(ctx context.Context, address, namespace string, logger *slog.Logger, mh client.MetricsHandler) (client.Client, error) {
	c, err := Connect(ctx, address, namespace, logger, mh)
	if err != nil {
		return nil, err
	}
	if err := devserver.EnsureSearchAttributes(ctx, c, namespace, workflows.SearchAttributes()); err != nil {
		c.Close()
		return nil, fmt.Errorf("namespace %s: %w (where jitflow may not change the namespace, an operator runs `jitflow setup` once)", namespace, err)
	}
	return c, nil
}

// Connect connects to Temporal and changes nothing on the server.
func Connect(ctx context.Context, address, namespace string, logger *slog.Logger, mh client.MetricsHandler) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:       address,
		Namespace:      namespace,
		Logger:         tlog.NewStructuredLogger(logger.With("component", "temporal-sdk")),
		MetricsHandler: mh,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", address, err)
	}
	return c, nil
}

// RunWorker runs the worker until ctx is done.
func RunWorker(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger) error {
	stop, err := worker.Start(c, cfg, worker.NewActivities(cfg, logger))
	if err != nil {
		return err
	}
	logger.Info("worker started", "task_queue", cfg.TaskQueue, "namespace", cfg.TemporalNamespace,
		"slack_channels", worker.Channels(cfg))
	if err := worker.StartPoller(ctx, c, cfg, logger); err != nil {
		stop()
		return err
	}
	<-ctx.Done()
	stop()
	return nil
}

// RunGateway serves the HTTP endpoints, /metrics and /readyz from ops, on l
// until ctx is done.
func RunGateway(ctx context.Context, l net.Listener, c client.Client, cfg config.Config, logger *slog.Logger, ops *Ops) error {
	var issues gateway.IssueReader
	if cfg.BytebaseURL != "" { // dev, or a gateway given BB_* to name requests
		issues = bytebase.New(cfg.BytebaseURL, cfg.BytebaseServiceAccount, cfg.BytebaseServiceKey.Reveal(), bytebase.WithLogger(logger))
	}
	h := gateway.New(gateway.Config{
		Issues:        issues,
		Temporal:      c,
		TaskQueue:     cfg.TaskQueue,
		SigningSecret: cfg.SlackSigningSecret.Reveal(),
		WebhookToken:  cfg.WebhookToken.Reveal(),
		Notifier:      worker.NewSlack(cfg),
		Logger:        logger,
		Metrics:       ops.Metrics,
		Readiness:     ops.Readiness,
	})
	logger.Info("gateway listening", "addr", l.Addr().String())
	err := gateway.Serve(ctx, l, h)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
