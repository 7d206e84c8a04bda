package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func probe(t *testing.T, r Reporter) (int, Report) {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(r).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	var rep Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	return rec.Code, rep
}

func TestReadyAndNotReady(t *testing.T) {
	slackErr := errors.New("slack auth.test: invalid_auth")
	var slackDown atomic.Bool
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c := NewChecker([]Check{
		{Name: "temporal", Run: func(context.Context) error { return nil }},
		{Name: "slack", Run: func(context.Context) error {
			if slackDown.Load() {
				return slackErr
			}
			return nil
		}},
	}, Options{Now: clk.now})

	code, rep := probe(t, c)
	if code != 200 || rep.Status != StatusOK || len(rep.Checks) != 2 || !rep.Checks[0].OK || !rep.Checks[1].OK {
		t.Fatalf("all up: %d %+v", code, rep)
	}

	slackDown.Store(true)
	clk.t = clk.t.Add(6 * time.Second) // past the TTL
	code, rep = probe(t, c)
	if code != 503 || rep.Status != StatusUnavailable {
		t.Fatalf("slack down: %d %+v", code, rep)
	}
	if r := rep.Checks[1]; r.Name != "slack" || r.OK || r.Error != slackErr.Error() {
		t.Errorf("slack result %+v, want the reason", r)
	}
	if !rep.Checks[0].OK {
		t.Error("temporal failed with slack")
	}
}

func TestReportIsCachedForTTL(t *testing.T) {
	var runs atomic.Int32
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c := NewChecker([]Check{{Name: "bytebase", Run: func(context.Context) error {
		runs.Add(1)
		time.Sleep(10 * time.Millisecond) // let concurrent probes pile up
		return nil
	}}}, Options{TTL: 5 * time.Second, Now: clk.now})

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { c.Report(context.Background()) })
	}
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("20 concurrent probes ran the check %d times, want 1", n)
	}
	clk.t = clk.t.Add(4 * time.Second)
	c.Report(context.Background())
	if n := runs.Load(); n != 1 {
		t.Fatalf("a probe inside the TTL ran the check again (%d runs)", n)
	}
	clk.t = clk.t.Add(2 * time.Second)
	c.Report(context.Background())
	if n := runs.Load(); n != 2 {
		t.Fatalf("a probe after the TTL did not re-check (%d runs)", n)
	}
}

func TestHangingCheckTimesOutAndCanceledProbeDoesNotCount(t *testing.T) {
	c := NewChecker([]Check{{Name: "temporal", Run: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}}, Options{Timeout: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the prober gave up; the check still gets its own timeout
	rep := c.Report(ctx)
	if rep.OK() || !strings.Contains(rep.Checks[0].Error, "deadline exceeded") {
		t.Fatalf("report %+v, want a timeout", rep)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	const key = "bbs_super_secret_key"
	c := NewChecker([]Check{{Name: "bytebase", Run: func(context.Context) error {
		return errors.New("login as jit-bot with " + key + " refused")
	}}}, Options{Secrets: []string{key, ""}})
	_, rep := probe(t, c)
	if strings.Contains(rep.Checks[0].Error, key) || !strings.Contains(rep.Checks[0].Error, "[redacted]") {
		t.Errorf("error %q", rep.Checks[0].Error)
	}
}

func TestNoChecksAndLiveness(t *testing.T) {
	if code, rep := probe(t, nil); code != 200 || !rep.OK() || rep.Checks == nil {
		t.Errorf("nil reporter: %d %+v", code, rep)
	}
	rec := httptest.NewRecorder()
	LiveHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body.String())
	}
}
