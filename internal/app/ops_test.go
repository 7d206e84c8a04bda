package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitflow/jitflow/internal/config"
	"github.com/jitflow/jitflow/internal/devserver"
	"github.com/jitflow/jitflow/internal/fakes/bytebasefake"
	"github.com/jitflow/jitflow/internal/fakes/slackfake"
	"github.com/jitflow/jitflow/internal/health"
)

const (
	opsAccount = "jit-bot@service.bytebase.com"
	opsKey     = "bbs_ops_test_service_key"
	opsToken   = "xoxb-ops-test-bot-token"
)

// deps are a running Temporal, Bytebase and Slack for readiness tests.
type deps struct {
	temporal *devserver.Server
	cfg      config.Config
}

func newDeps(t *testing.T) deps {
	t.Helper()
	srv, err := devserver.Start(context.Background(), devserver.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	bb := bytebasefake.New(bytebasefake.Options{ServiceAccount: opsAccount, ServiceKey: opsKey})
	t.Cleanup(bb.Close)
	sl := slackfake.New(slackfake.Options{BotToken: opsToken})
	t.Cleanup(sl.Close)
	return deps{temporal: srv, cfg: config.Config{
		TemporalAddress: srv.Address(), TemporalNamespace: srv.Namespace(),
		BytebaseURL: bb.URL(), BytebaseServiceAccount: opsAccount, BytebaseServiceKey: opsKey,
		SlackBotToken: opsToken, SlackAPIURL: sl.URL(),
	}}
}

func watch(t *testing.T, cfg config.Config) *Ops {
	t.Helper()
	ops, err := NewOps(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ops.Close)
	c, err := Connect(context.Background(), cfg.TemporalAddress, cfg.TemporalNamespace, slog.New(slog.DiscardHandler), ops.Temporal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ops.Watch(cfg, c)
	return ops
}

func results(r health.Report) map[string]health.Result {
	out := map[string]health.Result{}
	for _, c := range r.Checks {
		out[c.Name] = c
	}
	return out
}

func TestReadinessNamesTheFailingDependency(t *testing.T) {
	d := newDeps(t)
	ctx := context.Background()

	rep := watch(t, d.cfg).Readiness.Report(ctx)
	if !rep.OK() || len(rep.Checks) != 3 {
		t.Fatalf("everything up: %+v", rep)
	}

	badKey := d.cfg
	badKey.BytebaseServiceKey = "bbs_wrong_key_value"
	res := results(watch(t, badKey).Readiness.Report(ctx))
	if r := res["bytebase"]; r.OK || !strings.Contains(r.Error, "bytebase login") || strings.Contains(r.Error, "bbs_wrong_key_value") {
		t.Errorf("bytebase with a wrong key: %+v", r)
	}
	if !res["temporal"].OK || !res["slack"].OK {
		t.Errorf("other checks failed with bytebase: %+v", res)
	}

	badToken := d.cfg
	badToken.SlackBotToken = "xoxb-revoked-token"
	res = results(watch(t, badToken).Readiness.Report(ctx))
	if r := res["slack"]; r.OK || !strings.Contains(r.Error, "invalid_auth") || strings.Contains(r.Error, "xoxb-revoked-token") {
		t.Errorf("slack with a revoked token: %+v", r)
	}

	// The gateway's role has no Bytebase credentials: nothing to check there.
	gw := d.cfg
	gw.BytebaseURL, gw.BytebaseServiceAccount, gw.BytebaseServiceKey = "", "", ""
	res = results(watch(t, gw).Readiness.Report(ctx))
	if _, ok := res["bytebase"]; ok || len(res) != 2 {
		t.Errorf("gateway checks: %+v", res)
	}

	down := watch(t, d.cfg)
	if err := d.temporal.Stop(); err != nil {
		t.Fatal(err)
	}
	res = results(down.Readiness.Report(ctx))
	if r := res["temporal"]; r.OK || !strings.Contains(r.Error, "temporal health check") {
		t.Errorf("temporal stopped: %+v", r)
	}
}

func TestServeOpsExposesMetricsAndProbes(t *testing.T) {
	d := newDeps(t)
	ops := watch(t, d.cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeOps(ctx, l, ops) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeOps: %v", err)
		}
	})
	base := "http://" + l.Addr().String()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	code, body := get("/readyz")
	var rep health.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil || code != 200 || !rep.OK() {
		t.Errorf("/readyz: %d %s", code, body)
	}
	// The SDK's series arrive with the next report (every second).
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, out := get("/metrics")
		if strings.Contains(out, "temporal_request_total{") && strings.Contains(out, "jitflow_webhooks_total{") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks the SDK's or jitflow's series:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := get("/api/bytebase/webhook"); code != 404 {
		t.Errorf("the ops listener serves more than ops: %d", code)
	}
}

func TestWorkerProcessRefusesABusyMetricsAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := config.Config{MetricsAddr: busy.Addr().String()}
	err = RunWorkerProcess(context.Background(), nil, cfg, slog.New(slog.DiscardHandler), &Ops{})
	if err == nil || !strings.Contains(err.Error(), "metrics address "+busy.Addr().String()) {
		t.Errorf("err = %v, want the busy metrics address named before the worker starts", err)
	}
}
