package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/jitflow/jitflow/internal/app"
	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/internal/queues"
	"github.com/jitflow/jitflow/worker"
	"github.com/jitflow/jitflow/workflows"
)

// readyTimeout bounds the wait for a started jitflow to serve.
const readyTimeout = 90 * time.Second

// deployment is how jitflow runs under test.
type deployment int

const (
	// oneProcess: `jitflow dev` in this process, Temporal in memory. The
	// gateway's client is the worker's.
	oneProcess deployment = iota
	// split: Temporal (in memory) and the gateway in this process, the
	// gateway on a client of its own with no worker; `jitflow worker` a
	// child process.
	split
	// devChild: `jitflow dev --state-dir` a child process, Temporal on its
	// SQLite file.
	devChild
)

func (d deployment) String() string {
	return [...]string{"one process", "split", "dev on state file"}[d]
}

// setup says how to run jitflow for one measurement.
type setup struct {
	how      deployment
	channels int               // card channels (-channels); issues round-robin over them
	defaults string            // policy defaults, e.g. "remind_after: 15s"
	preload  int               // issues created before jitflow starts
	extra    map[string]string // more settings
}

// env is one running jitflow with fresh fakes.
type env struct {
	f         *fakes
	d         *driver
	proc      *child       // the child process (the worker, or dev); nil in one process
	temporal  string       // the Temporal frontend's address (see temporalClient)
	ready     func() error // waits until the (re)started child serves; nil in one process
	metrics   string       // the child worker's /metrics (split); empty otherwise
	preloaded []int64
	closers   []func() error

	mu    sync.Mutex
	acked map[int64]time.Time // when each issue's webhook got its 200
}

// Close stops everything launch started, last first.
func (e *env) Close() error {
	var errs []error
	for _, c := range slices.Backward(e.closers) {
		errs = append(errs, c())
	}
	e.closers = nil
	return errors.Join(errs...)
}

func (e *env) onClose(f func() error) { e.closers = append(e.closers, f) }

// launch starts fresh fakes and jitflow as s says, and waits until it serves.
func (b *bench) launch(ctx context.Context, s setup) (_ *env, err error) {
	e := &env{}
	defer func() {
		if err != nil {
			_ = e.Close()
		}
	}()
	dir, cleanup, err := b.scratch()
	if err != nil {
		return nil, err
	}
	e.onClose(func() error { cleanup(e.proc != nil); return nil })
	if e.f, err = newFakes(b.opts.bbLatency, b.opts.slackLatency, cardChannels(max(1, s.channels))); err != nil {
		return nil, err
	}
	e.onClose(func() error { e.f.Close(); return nil })
	for range s.preload {
		e.preloaded = append(e.preloaded, e.f.addIssue())
	}
	extra := map[string]string{}
	if p, err := writePolicy(dir, e.f.channels, s.defaults); err != nil {
		return nil, err
	} else if p != "" {
		extra["JIT_POLICY_FILE"] = p
	}
	if b.opts.workerCache > 0 {
		extra["JIT_WORKER_CACHE_SIZE"] = strconv.Itoa(b.opts.workerCache)
	}
	maps.Copy(extra, s.extra)
	maps.Copy(extra, b.opts.childEnv) // in this process they are only settings nobody reads
	settings := e.f.env(extra)

	switch s.how {
	case oneProcess:
		dev, err := startDev(ctx, settings, "", b.opts.logger)
		if err != nil {
			return nil, err
		}
		e.onClose(dev.stop)
		e.temporal = dev.info.TemporalAddress
		e.d = newDriver(dev.info.WebhookURL, dev.info.InteractURL, e.f.bb.URL())
		return e, nil
	case split:
		return e, b.launchSplit(ctx, e, dir, settings)
	default:
		return e, b.launchDevChild(ctx, e, dir, settings)
	}
}

func (b *bench) launchSplit(ctx context.Context, e *env, dir string, settings map[string]string) error {
	bin, err := b.binary(ctx)
	if err != nil {
		return err
	}
	// One partition per task queue, as jitflow's Temporal must have
	// (deploy/temporal-dynamicconfig.yaml) and `jitflow dev` has.
	srv, err := devserver.Start(ctx, devserver.Options{SearchAttributes: workflows.SearchAttributes(), Logger: b.opts.logger, TaskQueuePartitions: 1})
	if err != nil {
		return fmt.Errorf("embedded Temporal: %w", err)
	}
	e.onClose(srv.Stop)
	settings["TEMPORAL_ADDRESS"] = srv.Address()
	e.temporal = srv.Address()
	d, stopGateway, err := b.gateway(ctx, settings, e.f)
	if err != nil {
		return err
	}
	e.onClose(func() error { stopGateway(); return nil })
	e.d = d
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	settings["JIT_METRICS_ADDR"] = fmt.Sprintf("127.0.0.1:%d", ports[0])
	e.metrics = "http://" + settings["JIT_METRICS_ADDR"] + "/metrics"
	e.proc = &child{bin: bin, dir: dir, args: []string{"worker"}, env: envList(settings)}
	if err := e.proc.start(); err != nil {
		return err
	}
	e.onClose(func() error { e.proc.kill(); return nil })
	e.ready = func() error { return waitWorker(ctx, settings, b.opts.logger) }
	return e.ready()
}

func (b *bench) launchDevChild(ctx context.Context, e *env, dir string, settings map[string]string) error {
	bin, err := b.binary(ctx)
	if err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	e.temporal = fmt.Sprintf("127.0.0.1:%d", ports[1])
	settings["JIT_HTTP_ADDR"] = httpAddr
	e.proc = &child{bin: bin, dir: dir, env: envList(settings),
		args: []string{"dev", "--state-dir", filepath.Join(dir, "state"), "--temporal-port", fmt.Sprint(ports[1]), "--ui-port", "0"}}
	base := "http://" + httpAddr
	e.d = newDriver(base+"/api/bytebase/webhook?token="+webhookToken, base+"/api/slack/interact", e.f.bb.URL())
	e.ready = func() error {
		return waitUntil(ctx, readyTimeout, "jitflow dev ready", func() bool {
			resp, err := http.Get(base + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	if err := e.proc.start(); err != nil {
		return err
	}
	e.onClose(func() error { e.proc.kill(); return nil })
	return e.ready()
}

// waitWorker waits until a worker polls jitflow's task queue and every
// card channel's and the card updates' Slack queues.
func waitWorker(ctx context.Context, settings map[string]string, logger *slog.Logger) error {
	cfg, err := config.Load(config.RoleWorker, func(k string) (string, bool) { v, ok := settings[k]; return v, ok })
	if err != nil {
		return fmt.Errorf("worker configuration: %w", err)
	}
	c, err := app.Connect(ctx, cfg.TemporalAddress, cfg.TemporalNamespace, logger, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	want := map[string]enumspb.TaskQueueType{cfg.TaskQueue: enumspb.TASK_QUEUE_TYPE_WORKFLOW, queues.UpdateQueue(cfg.TaskQueue): enumspb.TASK_QUEUE_TYPE_ACTIVITY}
	for _, ch := range worker.Channels(cfg) {
		want[queues.SlackQueue(cfg.TaskQueue, ch)] = enumspb.TASK_QUEUE_TYPE_ACTIVITY
	}
	return waitUntil(ctx, readyTimeout, "jitflow worker polling", func() bool {
		for q, typ := range want {
			resp, err := c.DescribeTaskQueue(ctx, q, typ)
			if err != nil || len(resp.GetPollers()) == 0 {
				return false
			}
			delete(want, q)
		}
		return true
	})
}

// temporalClient connects to the Temporal server jitflow runs on, for the
// harness's own reads (histories, counts); the caller closes it.
func (e *env) temporalClient(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	return app.Connect(ctx, e.temporal, benchNamespace, logger, nil)
}

// benchNamespace is the namespace jitflow uses under the harness (the
// default: TEMPORAL_NAMESPACE is not set).
const benchNamespace = "default"
