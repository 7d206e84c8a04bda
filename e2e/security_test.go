package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jitflow/jitflow/internal/slackui"
)

// TestNoSecretsInLogsOrHistory runs requests through every path that carries
// text (approve, deny with a reason, a refused click, a two-step flow) and
// then scans everything jitflow logged and every recorded workflow history
// for the service key, bot token, signing secret and webhook token.
func TestNoSecretsInLogsOrHistory(t *testing.T) {
	h := newHarness(t)
	one := h.addIssue("roles/workspaceDBA")
	two := h.addIssue("roles/projectOwner", "roles/workspaceDBA")
	h.webhook(one)
	h.webhook(two)
	c1, c2 := h.cardOf(one), h.cardOf(two)
	h.click(eve, c1, slackui.ActionApprove)
	h.click(alice, c1, slackui.ActionDeny)
	h.waitFor("deny dialog", func() bool { return len(h.slack.Views()) == 1 })
	h.submitDeny(alice, 0, "not during the freeze")
	h.click(bob, c2, slackui.ActionApprove)
	h.waitFor("step 2", func() bool { return strings.Contains(cardText(t, h.card(c2.TS)), "2 of 2") })
	h.click(alice, h.card(c2.TS), slackui.ActionApprove)
	h.waitFor("both cards closed", func() bool { return !hasButtons(t, h.card(c1.TS)) && !hasButtons(t, h.card(c2.TS)) })

	c, err := client.Dial(client.Options{HostPort: h.info.TemporalAddress, Logger: quietSDKLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Executions) < 3 { // two requests and the poller
		t.Fatalf("only %d executions recorded", len(resp.Executions))
	}
	events := 0
	for _, ex := range resp.Executions {
		id := ex.GetExecution().GetWorkflowId()
		sa, _ := protojson.Marshal(ex.GetSearchAttributes())
		for _, s := range secretsIn(string(sa)) {
			t.Errorf("search attributes of %s contain a secret (%d chars)", id, len(s))
		}
		it := c.GetWorkflowHistory(ctx, id, ex.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			events++
			raw, _ := protojson.Marshal(ev)
			for _, s := range secretsIn(string(raw)) {
				t.Errorf("history of %s, event %d (%s) contains a secret (%d chars)", id, ev.GetEventId(), ev.GetEventType(), len(s))
			}
		}
	}
	logs := h.logs.String()
	for _, s := range secretsIn(logs) {
		t.Errorf("logs contain a secret (%d chars)", len(s))
	}
	t.Logf("scanned %d history events of %d executions and %d bytes of logs", events, len(resp.Executions), len(logs))
	if events < 50 || len(logs) < 1000 {
		t.Errorf("too little was scanned to mean anything: %d events, %d bytes of logs", events, len(logs))
	}
}

type quietSDKLogger struct{}

func (quietSDKLogger) Debug(string, ...any) {}
func (quietSDKLogger) Info(string, ...any)  {}
func (quietSDKLogger) Warn(string, ...any)  {}
func (quietSDKLogger) Error(string, ...any) {}
