package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics status %d", rec.Code)
	}
	return rec.Body.String()
}

func mustContain(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("missing %q", l)
		}
	}
}

func TestGatewaySeries(t *testing.T) {
	m, err := New(NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveHTTP("/api/bytebase/webhook", "POST", 200, 30*time.Millisecond)
	m.ObserveHTTP("/api/bytebase/webhook", "POST", 401, time.Millisecond)
	m.Webhook(WebhookStarted)
	m.Webhook(WebhookStarted)
	m.Click(ClickClosed)

	out := scrape(t, m)
	mustContain(t, out,
		`jitflow_http_requests_total{method="POST",route="/api/bytebase/webhook",status="200"} 1`,
		`jitflow_http_requests_total{method="POST",route="/api/bytebase/webhook",status="401"} 1`,
		`jitflow_http_request_duration_seconds_bucket{method="POST",route="/api/bytebase/webhook",le="0.05"} 2`,
		`jitflow_http_request_duration_seconds_count{method="POST",route="/api/bytebase/webhook"} 2`,
		`jitflow_webhooks_total{outcome="started"} 2`,
		`jitflow_webhooks_total{outcome="rejected"} 0`,
		`jitflow_clicks_total{outcome="closed"} 1`,
		`jitflow_clicks_total{outcome="delivered"} 0`,
		`go_goroutines `,
	)
}

func TestRegistriesAreIndependent(t *testing.T) {
	reg := NewRegistry()
	a, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg); err == nil {
		t.Error("registering twice on one registry succeeded")
	}
	b, err := New(NewRegistry())
	if err != nil {
		t.Fatalf("a second registry: %v", err)
	}
	a.Click(ClickFailed)
	if strings.Contains(scrape(t, b), `jitflow_clicks_total{outcome="failed"} 1`) {
		t.Error("a count leaked into another registry")
	}
	var none *Metrics
	none.ObserveHTTP("/x", "GET", 200, time.Second) // a nil *Metrics records nothing
	none.Webhook(WebhookFailed)
	none.Click(ClickFailed)
}

func TestTemporalHandlerReportsIntoTheRegistry(t *testing.T) {
	m, err := New(NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var regErrs []error
	h, closer := m.TemporalHandler(func(err error) { regErrs = append(regErrs, err) })
	h.WithTags(map[string]string{"namespace": "default"}).Counter("temporal_workflow_completed").Inc(3)
	requested := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	RecordDecision(h, "approved", requested, requested.Add(20*time.Minute))
	RecordDecision(h, "approved", requested, requested.Add(-time.Minute)) // clock skew: not recorded
	RecordDecision(h, "denied", time.Time{}, requested)                   // unknown start: not recorded
	RecordDecision(nil, "approved", requested, requested)
	if err := closer.Close(); err != nil { // flushes
		t.Fatal(err)
	}
	if len(regErrs) > 0 {
		t.Fatalf("register errors: %v", errors.Join(regErrs...))
	}
	out := scrape(t, m)
	mustContain(t, out,
		`temporal_workflow_completed_total{namespace="default"} 3`,
		`jitflow_request_decision_latency_seconds_bucket{outcome="approved",le="900"} 0`,
		`jitflow_request_decision_latency_seconds_bucket{outcome="approved",le="1800"} 1`,
		`jitflow_request_decision_latency_seconds_count{outcome="approved"} 1`,
		`jitflow_request_decision_latency_seconds_sum{outcome="approved"} 1200`,
	)
	if strings.Contains(out, `outcome="denied"`) {
		t.Error("a decision without a start time was recorded")
	}
}

func TestHandlerWritesTextFormat(t *testing.T) {
	m, err := New(NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveHTTP("/healthz", "GET", 200, time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the Prometheus text format", ct)
	}
	if !strings.Contains(string(b), "# TYPE "+NameHTTPDuration+" histogram") {
		t.Errorf("%s is not a histogram", NameHTTPDuration)
	}
}
