package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jitflow/jitflow/internal/health"
	"github.com/jitflow/jitflow/internal/slackui"
)

func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get(h.info.GatewayURL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// In `jitflow dev` the worker and the gateway share one process and one
// /metrics: the gateway's series, the SDK's worker series, and readiness of
// all three dependencies.
func TestMetricsAndReadinessAfterAnApproval(t *testing.T) {
	h := newHarness(t)

	code, body := h.get("/readyz")
	var rep health.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil || code != 200 || !rep.OK() || len(rep.Checks) != 3 {
		t.Fatalf("/readyz: %d %s", code, body)
	}

	n := h.addIssue("roles/workspaceDBA")
	if code := h.webhook(n); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	c := h.waitCard(1)
	if code, body := h.click(alice, c, slackui.ActionApprove); code != 200 {
		t.Fatalf("click: %d %s", code, body)
	}
	h.waitFor("card without buttons", func() bool { return !hasButtons(t, h.card(c.TS)) })

	want := []string{
		`jitflow_webhooks_total{outcome="started"} 1`,
		`jitflow_clicks_total{outcome="delivered"} 1`,
		`jitflow_http_requests_total{method="POST",route="/api/bytebase/webhook",status="200"} 1`,
		`jitflow_http_requests_total{method="POST",route="/api/slack/interact",status="200"} 1`,
		`jitflow_http_request_duration_seconds_count{method="POST",route="/api/slack/interact"} 1`,
		`temporal_workflow_task_execution_latency_seconds_bucket{`,
		`temporal_activity_execution_latency_seconds_bucket{`,
		`temporal_request_total{`,
		`workflow_type="ApprovalWorkflow"`,
		`jitflow_request_decision_latency_seconds_count{`,
	}
	var out string
	h.waitFor("the run's series on /metrics", func() bool { // the SDK reports every second
		_, out = h.get("/metrics")
		for _, w := range want {
			if !strings.Contains(out, w) {
				return false
			}
		}
		return true
	})
	if found := secretsIn(out); len(found) > 0 {
		t.Errorf("/metrics carries secrets: %q", found)
	}
}
