package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/jitflow/jitflow/internal/slackui"
)

// TestSearchAttributesFollowTheRequest checks through visibility, as an
// auditor's UI query would, that the Jit* attributes are set at each
// transition.
func TestSearchAttributesFollowTheRequest(t *testing.T) {
	file := writePolicy(t, "environments:\n  prod: {match: [\"prod-*\"]}\n")
	h := newHarness(t, withEnv("JIT_POLICY_FILE", file))
	c, err := client.Dial(client.Options{HostPort: h.info.TemporalAddress, Logger: quietSDKLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := func(query string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := c.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return len(resp.Executions)
	}
	// Visibility is rate-limited per namespace: ask every 250 ms, not in a tight loop.
	expect := func(query string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); count(query) != 1; time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", query)
			}
		}
	}

	n := h.addIssue("roles/projectOwner", "roles/workspaceDBA")
	id := fmt.Sprintf("jit/%s/%d", project, n)
	h.webhook(n)
	card := h.waitCard(1)
	expect(fmt.Sprintf(`WorkflowId=%q AND JitStatus="pending" AND JitRequester="dev@example.com" AND JitProject=%q AND JitIssue="%s/%d"`, id, project, project, n))
	expect(fmt.Sprintf(`WorkflowId=%q AND JitRole="roles/sqlEditorUser" AND JitDatabases="hr_prod" AND JitEnvironment="prod"`, id))

	// The static summary in the UI says what the request is.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	var summary string
	if err := converter.GetDefaultDataConverter().FromPayload(desc.GetExecutionConfig().GetUserMetadata().GetSummary(), &summary); err != nil {
		t.Fatal(err)
	}
	if summary != "dev@example.com → SQL Editor User on hr_prod" {
		t.Errorf("static summary = %q", summary)
	}

	h.click(bob, card, slackui.ActionApprove)
	h.waitFor("step 2 on the card", func() bool { return strings.Contains(cardText(t, h.card(card.TS)), "2 of 2") })
	expect(fmt.Sprintf(`WorkflowId=%q AND JitStatus="pending"`, id)) // still pending: one step to go
	h.click(alice, h.card(card.TS), slackui.ActionApprove)
	expect(fmt.Sprintf(`WorkflowId=%q AND JitStatus="approved" AND JitApprover="alice@example.com" AND JitDecidedAt > "2020-01-01T00:00:00Z"`, id))

	// A denial and a decision made in Bytebase are recorded the same way.
	denied := h.addIssue("roles/workspaceDBA")
	h.webhook(denied)
	h.click(alice, h.waitCard(2), slackui.ActionDeny)
	h.waitFor("deny dialog", func() bool { return len(h.slack.Views()) == 1 })
	h.submitDeny(alice, 0, "not now")
	expect(fmt.Sprintf(`WorkflowId="jit/%s/%d" AND JitStatus="denied" AND JitApprover="alice@example.com"`, project, denied))
	elsewhere := h.addIssue("roles/workspaceDBA")
	h.webhook(elsewhere)
	h.waitCard(3)
	if err := h.bb.ApproveAs(project, elsewhere, "dba@example.com"); err != nil {
		t.Fatal(err)
	}
	h.webhook(elsewhere) // a hint: re-read now
	expect(fmt.Sprintf(`WorkflowId="jit/%s/%d" AND JitStatus="decided_in_bytebase" AND JitApprover="dba@example.com"`, project, elsewhere))
	if got := count(`JitStatus="pending"`); got != 0 {
		t.Errorf("%d requests still pending", got)
	}
}
